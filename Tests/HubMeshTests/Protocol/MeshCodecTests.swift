import Foundation
import HubMesh
import Testing

@Suite("Mesh protocol v1 codec")
struct MeshCodecTests {
    @Test func goldenVectorsDecodeAndReencodeByteForByte() throws {
        if ProcessInfo.processInfo.environment["HUBMESH_WRITE_VECTORS"] == "1" {
            let entries = try MeshVectors.messages.map {
                MeshVectors.Entry(name: $0.name, hex: MeshVectors.hexString(try MeshCodec.encode($0.message)))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted]
            try encoder.encode(entries).write(to: MeshVectors.fileURL)
        }
        let vectors = try MeshVectors.load()
        #expect(vectors.count == MeshVectors.messages.count)
        for (name, message) in MeshVectors.messages {
            let bytes = try #require(vectors[name], "vector \(name) missing")
            let decoded = try MeshCodec.decode(bytes)
            #expect(decoded == message, "vector \(name)")
            #expect(try MeshCodec.encode(decoded) == bytes, "vector \(name) re-encodes differently")
        }
    }

    /// The layout of `docs/mesh-protocol.md`, written out by hand for one message.
    @Test func handBuiltFrameMatchesTheSpecifiedLayout() throws {
        var expected: [UInt8] = Array("chat".utf8) + [0, UInt8(ascii: "G"), 0] + Array("room1".utf8) + [0]
        expected += [1, 3]  // version 1, kind 3 (group)
        expected += [0, 6] + Array("node-a".utf8)  // origin
        expected += [0, 0, 0, 0, 0, 0, 0, 9]  // epoch
        expected += [0, 0, 0, 0, 0, 0, 0, 2]  // sequence
        expected += [0, 0, 0, 0, 0, 0, 0, 5]  // message id
        expected += [0, 1, 0, 3] + Array("n.x".utf8)  // one excluded id
        expected += [1, 4] + Array("json".utf8) + [0, 0, 0, 2] + Array("{}".utf8)  // one payload
        let message = MeshMessage(
            header: MeshHeader(origin: "node-a", epoch: 9, sequence: 2, messageID: 5),
            body: .hub(.group(GroupMessage(hub: "chat", group: "room1", excluded: ["n.x"], payloads: Payloads(["json": Array("{}".utf8)]))))
        )
        #expect(try MeshCodec.encode(message) == expected)
        #expect(try MeshCodec.decode(expected) == message)
    }

    @Test func topicsAreTerminatedSoPrefixesDoNotCollide() throws {
        #expect(Topic.group(hub: "chat", group: "room1").bytes == Array("chat\0G\0room1\0".utf8))
        let room10 = Topic.group(hub: "chat", group: "room10").bytes
        #expect(!room10.starts(with: Topic.group(hub: "chat", group: "room1").bytes))
        #expect(Topic.all(hub: "chat").bytes == Array("chat\0A\0".utf8))
        #expect(Topic.node(hub: "chat", member: "n1").bytes == Array("chat\0N\0n1\0".utf8))
        #expect(Topic.user(hub: "chat", user: "u").bytes == Array("chat\0U\0u\0".utf8))
    }

    @Test func everyTruncationIsRejectedWithAClearError() throws {
        for (name, message) in MeshVectors.messages {
            let bytes = try MeshCodec.encode(message)
            for length in 0..<bytes.count {
                do {
                    _ = try MeshCodec.decode(Array(bytes.prefix(length)))
                    Issue.record("\(name) truncated to \(length) bytes decoded")
                } catch {
                    #expect([.truncated, .badTopic].contains(error.code), "\(name)@\(length): \(error)")
                    #expect(!error.message.isEmpty)
                }
            }
        }
    }

    @Test func wrongVersionUnknownKindAndTrailingBytesAreRejected() throws {
        let bytes = try MeshCodec.encode(MeshVectors.messages[0].message)
        let versionOffset = Array("chat\0A\0".utf8).count
        var wrongVersion = bytes
        wrongVersion[versionOffset] = 2
        #expect { try MeshCodec.decode(wrongVersion) } throws: { ($0 as? MeshProtocolError)?.code == .unsupportedVersion }
        var unknownKind = bytes
        unknownKind[versionOffset + 1] = 77
        #expect { try MeshCodec.decode(unknownKind) } throws: { ($0 as? MeshProtocolError)?.code == .unknownKind }
        var mismatched = bytes
        mismatched[versionOffset + 1] = 3  // says group, topic says all
        #expect { try MeshCodec.decode(mismatched) } throws: { ($0 as? MeshProtocolError)?.code == .badTopic }
        #expect { try MeshCodec.decode(bytes + [0]) } throws: { ($0 as? MeshProtocolError)?.code == .trailingBytes }
        #expect { try MeshCodec.decode(bytes, maxFrameSize: 10) } throws: { ($0 as? MeshProtocolError)?.code == .tooLarge }
    }

    @Test func invalidNamesAreRefusedWhenEncoding() {
        let bad: [MeshMessage.Body] = [
            .hub(.group(GroupMessage(hub: "chat", group: "", payloads: Payloads([:])))),
            .hub(.group(GroupMessage(hub: "chat", group: "a\0b", payloads: Payloads([:])))),
            .hub(.all(AllMessage(hub: "", payloads: Payloads([:])))),
            .hub(.connection(ConnectionMessage(hub: "chat", connectionID: "no-owner", payloads: Payloads([:])))),
        ]
        for body in bad {
            #expect(throws: MeshProtocolError.self) { try MeshCodec.encode(MeshMessage(header: MeshVectors.header, body: body)) }
        }
    }

    @Test func hugeDeclaredCountsDoNotAllocateOrCrash() throws {
        // An All message whose excluded-count claims 65535 entries in a tiny frame.
        var bytes = Array("chat\0A\0".utf8) + [1, 1, 0, 1, UInt8(ascii: "a")] + [UInt8](repeating: 0, count: 24)
        bytes += [0xFF, 0xFF]
        #expect { try MeshCodec.decode(bytes) } throws: { ($0 as? MeshProtocolError)?.code == .truncated }
    }

    /// Random bytes and random mutations of valid frames: decode returns or throws, never traps.
    @Test func fuzzDecoderWithRandomAndMutatedFrames() throws {
        var random = SplitMix64(seed: 0x4855_424D_4553_4821)
        let seeds = try MeshVectors.messages.map { try MeshCodec.encode($0.message) }
        var decoded = 0
        var rejected = 0
        for iteration in 0..<60_000 {
            var frame: [UInt8]
            if iteration % 3 == 0 {
                frame = (0..<Int(random.next() % 96)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            } else {
                frame = seeds[Int(random.next() % UInt64(seeds.count))]
                for _ in 0..<(1 + random.next() % 4) where !frame.isEmpty {
                    let index = Int(random.next() % UInt64(frame.count))
                    switch random.next() % 4 {
                    case 0: frame[index] = UInt8(truncatingIfNeeded: random.next())
                    case 1: frame.remove(at: index)
                    case 2: frame.insert(UInt8(truncatingIfNeeded: random.next()), at: index)
                    default: frame[index] ^= 0x80
                    }
                }
            }
            do {
                let message = try MeshCodec.decode(frame)
                // Whatever decodes must re-encode to something that decodes to the same message.
                #expect(try MeshCodec.decode(MeshCodec.encode(message)) == message)
                decoded += 1
            } catch {
                rejected += 1
            }
        }
        #expect(decoded > 0 && rejected > 0)
    }
}

/// A small deterministic PRNG for fuzz loops.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
