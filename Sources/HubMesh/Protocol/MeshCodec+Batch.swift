#if canImport(Glibc)
    import Glibc
#endif

/// Batches: several published frames of one origin and one topic packed into one ZeroMQ message
/// (`docs/mesh-protocol.md`, section 2.4).
///
/// ZeroMQ spends most of its per-message cost on each message, not on each byte, so under load a
/// member packs the frames queued back to back for one topic into one message. Every frame inside is
/// exactly the frame that would have been published alone (and that the replay buffer keeps), so
/// receivers unpack a batch and handle its frames one by one: sequence numbers, gap repair and
/// ordering are untouched.
extension MeshCodec {
    /// Appends a batch of `frames` to `bytes`: `topic`, the header (kind batch, sequence and message
    /// id 0), a u16 count, then each frame as u32 length + bytes. The caller guarantees every frame
    /// was encoded by this member on `topic` (at least 2, at most 65,535).
    static func encodeBatch(
        topic: [UInt8],
        origin: String,
        epoch: UInt64,
        frames: some Collection<[UInt8]>,
        into bytes: inout [UInt8]
    ) throws(MeshProtocolError) {
        guard frames.count >= 2, frames.count <= Int(UInt16.max) else {
            throw MeshProtocolError(.badValue, "a batch holds 2 to 65535 frames, not \(frames.count)")
        }
        var writer = ByteWriter(reusing: &bytes)
        defer { writer.finish(into: &bytes) }
        try encodeHeaderStart(topic: topic, kind: Kind.batch, origin: origin, epoch: epoch, into: &writer)
        writer.u64(0)
        writer.u64(0)
        writer.u16(UInt16(frames.count))
        for frame in frames { try encodeBlob(frame, "batched frame", into: &writer) }
    }

    /// Whether `frame` is a batch, judged from its topic and kind byte alone (no allocation): the
    /// length of its topic if it is, `nil` for every other frame (those go to ``decode(_:maxFrameSize:)``).
    static func batchTopicLength(_ frame: UnsafeRawBufferPointer) -> Int? {
        guard let hubEnd = frame.firstIndex(of: 0), hubEnd > 0, hubEnd + 2 < frame.count, frame[hubEnd + 2] == 0 else { return nil }
        var topicEnd = hubEnd + 3
        switch frame[hubEnd + 1] {
        case Topic.Letter.all:
            break
        case Topic.Letter.node, Topic.Letter.group, Topic.Letter.user:
            guard let targetEnd = frame[topicEnd...].firstIndex(of: 0) else { return nil }
            topicEnd = targetEnd + 1
        default:
            return nil
        }
        guard topicEnd + 1 < frame.count, frame[topicEnd + 1] == Kind.batch else { return nil }
        return topicEnd
    }

    /// The byte ranges of the frames inside a batch, checked before any is used: the whole batch is
    /// refused if one part is malformed, so a receiver never handles half of one.
    ///
    /// Each frame must start with the batch's topic, be a hub envelope (kind all, connection, group or
    /// user: never a batch or a control message) and name the batch's origin. The frames themselves
    /// are decoded by the receiver one by one, like frames published alone.
    /// - Throws: ``MeshProtocolError`` for anything malformed, truncated, oversized or of an unknown
    ///   version. Never traps on bad input.
    static func batchedFrames(_ frame: UnsafeRawBufferPointer, topicLength: Int, maxFrameSize: Int) throws(MeshProtocolError) -> [Range<Int>] {
        guard frame.count <= maxFrameSize else {
            throw MeshProtocolError(.tooLarge, "frame of \(frame.count) bytes exceeds the limit of \(maxFrameSize)")
        }
        guard topicLength > 0, topicLength <= frame.count else { throw MeshProtocolError(.truncated, "a batch is shorter than its topic") }
        var reader = ByteReader(frame, offset: topicLength)
        let version = try reader.u8("version")
        guard version == Self.version else {
            throw MeshProtocolError(.unsupportedVersion, "mesh protocol version \(version) is not supported; this member speaks \(Self.version)")
        }
        guard try reader.u8("kind") == Kind.batch else { throw MeshProtocolError(.unknownKind, "not a batch") }
        let originStart = reader.offset
        let origin = try reader.string("origin")
        let originEnd = reader.offset
        guard ConnectionID.isValidMemberID(origin) else {
            throw MeshProtocolError(.badString, "origin '\(origin)' is not a valid member id")
        }
        _ = try reader.u64("epoch")
        guard try reader.u64("sequence") == 0, try reader.u64("message id") == 0 else {
            throw MeshProtocolError(.badValue, "a batch's sequence and message id must be 0")
        }
        let count = Int(try reader.u16("batched frame count"))
        guard count >= 2 else { throw MeshProtocolError(.badValue, "a batch holds at least 2 frames, not \(count)") }
        guard count * 4 <= reader.remaining else { throw MeshProtocolError(.truncated, "a batch declares \(count) frames") }
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(count)
        for _ in 0..<count {
            let length = Int(try reader.u32("batched frame length"))
            let start = reader.offset
            try reader.skip(length, "batched frame")
            // Topic, version, kind, then the same origin (u16 length and bytes) as the batch's own.
            let originLength = originEnd - originStart
            guard length >= topicLength + 2 + originLength else {
                throw MeshProtocolError(.truncated, "a batched frame of \(length) bytes is shorter than its topic and header")
            }
            let base = frame.baseAddress!
            guard memcmp(base, base + start, topicLength) == 0 else {
                throw MeshProtocolError(.badTopic, "a batched frame's topic differs from its batch's")
            }
            switch frame[start + topicLength + 1] {
            case Kind.all, Kind.connection, Kind.group, Kind.user: break
            default: throw MeshProtocolError(.unknownKind, "a batch may only hold hub envelopes (kinds 1 to 4)")
            }
            guard memcmp(base + originStart, base + start + topicLength + 2, originLength) == 0 else {
                throw MeshProtocolError(.badValue, "a batched frame's origin differs from its batch's")
            }
            ranges.append(start..<(start + length))
        }
        guard reader.remaining == 0 else { throw MeshProtocolError(.trailingBytes, "\(reader.remaining) bytes after the batch") }
        return ranges
    }
}
