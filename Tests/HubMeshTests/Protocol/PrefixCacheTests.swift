import Testing

@testable import HubMesh

/// The receive path decodes a stream's frames with a cache of the previous frame's prefix, and the
/// publish path encodes after a cached prefix: both must give exactly what the plain codec gives.
@Suite("Mesh codec prefix caches")
struct PrefixCacheTests {
    static func frame(
        origin: String = "node-a", epoch: UInt64 = 7, sequence: UInt64, _ envelope: HubEnvelope
    ) throws -> [UInt8] {
        try MeshCodec.encode(
            MeshMessage(header: MeshHeader(origin: origin, epoch: epoch, sequence: sequence, messageID: sequence), body: .hub(envelope)))
    }

    static func group(_ group: String = "room", hub: String = "chat", _ text: String = "{}") -> HubEnvelope {
        .group(GroupMessage(hub: hub, group: group, payloads: Payloads(["json": Array(text.utf8)])))
    }

    /// Decodes with the cache and without; both must agree (same message and topic, or both fail).
    static func agree(_ frame: [UInt8], _ cache: inout MeshCodec.PrefixCache) -> Bool {
        let plain = frame.withUnsafeBytes { bytes in
            Result { () throws(MeshProtocolError) in try MeshCodec.decodeWithTopic(bytes, maxFrameSize: 1 << 20) }
        }
        let cached = frame.withUnsafeBytes { bytes in
            Result { () throws(MeshProtocolError) in try MeshCodec.decode(bytes, maxFrameSize: 1 << 20, cache: &cache) }
        }
        switch (plain, cached) {
        case (.success(let a), .success(let b)): return a.message == b.message && Array(frame[0..<a.topicLength]) == b.topic
        case (.failure, .failure): return true
        default: return false
        }
    }

    @Test func aStreamDecodesTheSameWithTheCacheAsWithout() throws {
        var frames: [[UInt8]] = []
        for sequence in UInt64(1)...5 { frames.append(try Self.frame(sequence: sequence, Self.group("{\"n\":\(sequence)}"))) }
        frames.append(try Self.frame(origin: "node-b", sequence: 1, Self.group()))  // another origin
        frames.append(try Self.frame(epoch: 8, sequence: 1, Self.group()))  // the same origin restarted
        frames.append(try Self.frame(sequence: 6, Self.group("other")))  // another topic
        frames.append(
            try Self.frame(sequence: 7, .group(GroupMessage(hub: "chat", group: "room", excluded: ["node-a.x"], payloads: Payloads(["json": [1]])))))
        frames.append(try Self.frame(sequence: 8, .all(AllMessage(hub: "chat", payloads: Payloads(["json": [2], "messagepack": [3]])))))
        frames.append(try Self.frame(sequence: 9, .user(UserMessage(hub: "chat", userID: "u1", payloads: Payloads(["json": [4]])))))
        frames.append(
            try Self.frame(sequence: 10, .connection(ConnectionMessage(hub: "chat", connectionID: "node-a.c1", payloads: Payloads(["json": [5]])))))
        frames.append(try Self.frame(sequence: 11, .group(GroupMessage(hub: "chat", group: "room", payloads: Payloads([:])))))  // a flush
        frames.append(
            try MeshCodec.encode(MeshMessage(header: MeshHeader(origin: "node-a", epoch: 7, sequence: 0, messageID: 1), body: .control(.bye))))
        var cache = MeshCodec.PrefixCache()
        for frame in frames + frames.reversed() + frames {
            #expect(Self.agree(frame, &cache))
        }
    }

    @Test func aFrameThatOnlySharesThePrefixIsStillCheckedInFull() throws {
        var cache = MeshCodec.PrefixCache()
        let good = try Self.frame(sequence: 1, Self.group())
        #expect(Self.agree(good, &cache))
        #expect(!cache.prefix.isEmpty)
        // Every truncation, and trailing garbage, after a cached prefix fails as it would without the cache.
        for length in 0..<good.count {
            #expect(Self.agree(Array(good[0..<length]), &cache))
            _ = Self.agree(good, &cache)
        }
        #expect(Self.agree(good + [0], &cache))
        // A connection message whose id is not owned by the topic's member stays refused.
        let connection = try Self.frame(
            sequence: 2, .connection(ConnectionMessage(hub: "chat", connectionID: "node-a.c1", payloads: Payloads(["json": [1]]))))
        #expect(Self.agree(connection, &cache))
        var forged = connection
        let id = Array("node-a.c1".utf8)
        let at = try #require((0...(forged.count - id.count)).last { Array(forged[$0..<($0 + id.count)]) == id })
        forged[at] = UInt8(ascii: "x")
        #expect(Self.agree(forged, &cache))
        #expect((try? MeshCodec.decode(forged)) == nil)
    }

    @Test func encodingAfterACachedPrefixGivesTheSameBytes() throws {
        let envelopes: [HubEnvelope] = [
            Self.group(), Self.group("other", hub: "hub2", "[1,2]"),
            .group(GroupMessage(hub: "chat", group: "room", excluded: ["node-a.x", "node-b.y"], payloads: Payloads(["json": [1]]))),
            .all(AllMessage(hub: "chat", payloads: Payloads(["json": [2], "messagepack": [3]]))),
            .user(UserMessage(hub: "chat", userID: "ü-user", payloads: Payloads(["json": [4]]))),
        ]
        for (index, envelope) in envelopes.enumerated() {
            let key = try #require(MeshCodec.PrefixKey(envelope))
            let prefix = try MeshCodec.prefix(for: envelope, key: key, origin: "node-a", epoch: 7)
            #expect(prefix.matches(key, origin: "node-a", epoch: 7))
            #expect(!prefix.matches(key, origin: "node-b", epoch: 7))
            #expect(!prefix.matches(key, origin: "node-a", epoch: 8))
            var frame = try MeshCodec.encode(envelope, after: prefix)
            MeshCodec.patchNumbering(&frame, at: prefix.bytes.count, sequence: UInt64(index + 1), messageID: 99)
            let expected = try MeshCodec.encode(
                MeshMessage(header: MeshHeader(origin: "node-a", epoch: 7, sequence: UInt64(index + 1), messageID: 99), body: .hub(envelope)))
            #expect(frame == expected)
            #expect(prefix.topic == (try MeshCodec.topic(for: .hub(envelope))))
        }
        #expect(MeshCodec.PrefixKey(.connection(ConnectionMessage(hub: "chat", connectionID: "node-a.c", payloads: Payloads([:])))) == nil)
        // Names are still checked when the prefix is built.
        let bad = Self.group("bad\u{0}name")
        #expect(throws: MeshProtocolError.self) { try MeshCodec.prefix(for: bad, key: MeshCodec.PrefixKey(bad)!, origin: "node-a", epoch: 7) }
    }

    @Test func theReplayBufferKeepsTopicsApartWhileInterleavingAndEvicting() {
        typealias Instant = StateMachineTests.TestInstant
        let now = Instant(offset: .zero)
        let a = Topic.group(hub: "chat", group: "a")
        let b = Topic.group(hub: "chat", group: "b")
        var buffer = ReplayBuffer<Instant>(capacity: 4, maxAge: .seconds(10))
        var sequences: [Topic: UInt64] = [:]
        var expected: [(Topic, UInt64)] = []
        for topic in [a, a, b, a, b, b, a, a, b, a] {
            let sequence = sequences[topic, default: 0] + 1
            sequences[topic] = sequence
            buffer.append(topic: topic, sequence: sequence, frame: topic.bytes + [UInt8(sequence)], now: now)
            expected.append((topic, sequence))
        }
        // The last four appended are held, each under its own topic.
        let held = expected.suffix(4)
        for topic in [a, b] {
            let mine = held.filter { $0.0 == topic }.map(\.1)
            let lookup = buffer.frames(topic: topic, range: 1...sequences[topic]!)
            #expect(lookup.frames == mine.map { topic.bytes + [UInt8($0)] })
            // Gone: everything before the oldest frame still held (all of the topic if none is).
            let gone: ClosedRange<UInt64>?
            if let oldest = mine.first {
                gone = oldest > 1 ? 1...(oldest - 1) : nil
            } else {
                gone = 1...sequences[topic]!
            }
            #expect(lookup.gone == gone)
        }
        #expect(buffer.count == 4)
    }
}
