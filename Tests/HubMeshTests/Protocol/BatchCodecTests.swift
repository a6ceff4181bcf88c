import Testing

@testable import HubMesh

/// Batches: several frames of one origin and topic in one ZeroMQ message (`docs/mesh-protocol.md` 2.4).
@Suite("Mesh batches")
struct BatchCodecTests {
    static let origin = "node-a"

    static func frames(_ count: Int, group: String = "room", origin: String = origin, from first: UInt64 = 1) throws -> [[UInt8]] {
        try (0..<UInt64(count)).map { index in
            try PrefixCacheTests.frame(origin: origin, sequence: first + index, PrefixCacheTests.group(group, "{\"n\":\(first + index)}"))
        }
    }

    static func batch(_ frames: [[UInt8]], group: String = "room", origin: String = origin) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try MeshCodec.encodeBatch(topic: Topic.group(hub: "chat", group: group).bytes, origin: origin, epoch: 7, frames: frames, into: &bytes)
        return bytes
    }

    /// What a receiver does with one ZeroMQ message: the frames inside a batch, or `nil` when it is
    /// not one. Throws what `batchedFrames` throws.
    static func unpack(_ bytes: [UInt8]) throws(MeshProtocolError) -> [[UInt8]]? {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(MeshProtocolError) -> [[UInt8]]? in
                guard let topicLength = MeshCodec.batchTopicLength(buffer) else { return nil }
                return try MeshCodec.batchedFrames(buffer, topicLength: topicLength, maxFrameSize: 1 << 20).map { Array(buffer[$0]) }
            }
        }
        return try result.get()
    }

    static func error(_ bytes: [UInt8]) -> MeshProtocolError? {
        do {
            _ = try unpack(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func aBatchUnpacksIntoExactlyTheFramesPackedInOrder() throws {
        let frames = try Self.frames(5)
        let batch = try Self.batch(frames)
        #expect(try Self.unpack(batch) == frames)
        // Each frame inside decodes like the frame published alone.
        for (index, frame) in try #require(try Self.unpack(batch)).enumerated() {
            #expect(try MeshCodec.decode(frame).header.sequence == UInt64(index + 1))
        }
        // Scratch reuse: a second, smaller batch into the same buffer holds only its own frames.
        var scratch = batch
        let two = Array(frames.prefix(2))
        try MeshCodec.encodeBatch(topic: Topic.group(hub: "chat", group: "room").bytes, origin: Self.origin, epoch: 7, frames: two, into: &scratch)
        #expect(try Self.unpack(scratch) == two)
    }

    /// The layout in docs/mesh-protocol.md, section 2.4, byte for byte.
    @Test func handBuiltBatchMatchesTheSpecifiedLayout() throws {
        let frames = try Self.frames(2)
        var expected: [UInt8] = Array("chat\0G\0room\0".utf8)
        expected += [1, 7, 0, 6] + Array("node-a".utf8)
        expected += [0, 0, 0, 0, 0, 0, 0, 7] + [UInt8](repeating: 0, count: 16)
        expected += [0, 2]
        for frame in frames { expected += [0, 0, 0, UInt8(frame.count)] + frame }
        #expect(try Self.batch(frames) == expected)
    }

    @Test func singleFramesAreNotBatchesAndBatchesDoNotDecodeAsMessages() throws {
        for (name, message) in MeshVectors.messages {
            let frame = try MeshCodec.encode(message)
            #expect(try Self.unpack(frame) == nil, "\(name) taken for a batch")
        }
        let batch = try Self.batch(try Self.frames(3))
        let error = #expect(throws: MeshProtocolError.self) { try MeshCodec.decode(batch) }
        #expect(error?.code == .unknownKind)
        #expect(error?.message.contains("batch") == true, "\(String(describing: error))")
        // Nor inside a replay: the receiver decodes replayed frames one by one, and refuses a batch.
        let replay = try MeshCodec.encode(
            MeshMessage(header: MeshHeader(origin: "node-a", epoch: 7, sequence: 0, messageID: 1), body: .control(.replayData([batch]))))
        guard case .control(.replayData(let replayed)) = try MeshCodec.decode(replay).body else {
            Issue.record("replay data did not decode")
            return
        }
        #expect(throws: MeshProtocolError.self) { try MeshCodec.decode(replayed[0]) }
    }

    @Test func everyTruncationAndTrailingByteIsRejectedWithAClearError() throws {
        let batch = try Self.batch(try Self.frames(3))
        let topicLength = Topic.group(hub: "chat", group: "room").bytes.count
        for length in 0..<batch.count {
            let prefix = Array(batch.prefix(length))
            // A prefix too short to show its kind byte is not a batch at all; every longer one is refused.
            if length <= topicLength + 1 {
                #expect(try Self.unpack(prefix) == nil, "prefix of \(length) bytes")
            } else {
                let error = Self.error(prefix)
                #expect(error != nil, "prefix of \(length) bytes accepted")
                #expect(error?.message.isEmpty == false)
            }
        }
        #expect(Self.error(batch + [0])?.code == .trailingBytes)
    }

    @Test func forbiddenContentsAreRefused() throws {
        let frames = try Self.frames(2)
        let topicLength = Topic.group(hub: "chat", group: "room").bytes.count
        let countOffset = topicLength + 2 + 2 + Self.origin.utf8.count + 24

        // A frame of another topic, of another origin, a control message and a nested batch.
        let otherTopic = try Self.frames(1, group: "other")[0]
        #expect(Self.error(try Self.batch([frames[0], otherTopic]))?.code == .badTopic)
        let otherOrigin = try Self.frames(1, origin: "node-b", from: 2)[0]
        #expect(Self.error(try Self.batch([frames[0], otherOrigin]))?.code == .badValue)
        var control = frames[1]
        control[topicLength + 1] = MeshCodec.Kind.hello
        #expect(Self.error(try Self.batch([frames[0], control]))?.code == .unknownKind)
        var nested = frames[1]
        nested[topicLength + 1] = MeshCodec.Kind.batch
        #expect(Self.error(try Self.batch([frames[0], nested]))?.code == .unknownKind)

        // Fewer than 2 frames, a sequence number, a huge declared count, an overlong frame length.
        var batch = try Self.batch(frames)
        batch[countOffset + 1] = 1
        #expect(Self.error(batch)?.message.contains("at least 2") == true)
        batch = try Self.batch(frames)
        batch[countOffset - 9] = 1
        #expect(Self.error(batch)?.message.contains("must be 0") == true)
        batch = try Self.batch(frames)
        batch[countOffset] = 0xFF
        #expect(Self.error(batch)?.code == .truncated)
        batch = try Self.batch(frames)
        batch[countOffset + 2] = 0x7F
        #expect(Self.error(batch)?.code == .truncated)
        // A wrong version, and a batch larger than the receiver's limit.
        batch = try Self.batch(frames)
        batch[topicLength] = 2
        #expect(Self.error(batch)?.code == .unsupportedVersion)
        batch = try Self.batch(frames)
        let tooLarge = batch.withUnsafeBytes { buffer in
            Result { () throws(MeshProtocolError) in try MeshCodec.batchedFrames(buffer, topicLength: topicLength, maxFrameSize: 64) }
        }
        #expect(throws: MeshProtocolError.self) { try tooLarge.get() }

        // The encoder refuses batches of fewer than 2 frames.
        #expect(throws: MeshProtocolError.self) { try Self.batch([frames[0]]) }
    }

    /// Random bit flips and cuts of a good batch: never a trap, and whatever unpacks still holds only
    /// frames of the batch's topic and origin, of a hub kind.
    @Test func fuzzUnpackingWithMutatedBatches() throws {
        let good = try Self.batch(try Self.frames(4))
        let topic = Topic.group(hub: "chat", group: "room").bytes
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] ^= UInt8.random(in: 1...255, using: &generator)
            }
            if Bool.random(using: &generator) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator))) }
            guard let inner = try? Self.unpack(bytes) else { continue }
            #expect(inner.count >= 2)
            for frame in inner {
                #expect(Array(frame.prefix(topic.count)) == Array(bytes.prefix(topic.count)))
                #expect((1...4).contains(frame[topic.count + 1]))
            }
        }
    }
}
