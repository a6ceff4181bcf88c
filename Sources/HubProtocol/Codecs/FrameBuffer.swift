/// The byte buffer behind the message readers: appended at the end, consumed from the front,
/// compacted lazily so that consuming is O(1) and memory does not grow without bound.
struct FrameBuffer: Sendable {
    private(set) var bytes: [UInt8] = []
    /// The position of the first unconsumed byte.
    private(set) var start = 0

    /// Unconsumed bytes.
    var count: Int { bytes.count - start }

    mutating func append(_ newBytes: some Collection<UInt8>) {
        if start > 0 && (start == bytes.count || start >= bytes.count / 2) {
            bytes.removeSubrange(0..<start)
            start = 0
        }
        // Through contiguous storage when there is one (arrays, slices, buffer pointers, NIO's
        // ByteBufferView): a caller outside this module reaches here unspecialized, and a generic
        // `append(contentsOf:)` looks up type metadata per call (2–4 % of a load client's profile).
        let copied: Void? = newBytes.withContiguousStorageIfAvailable { bytes.append(contentsOf: $0) }
        if copied == nil { bytes.append(contentsOf: newBytes) }
    }

    /// Marks everything before `position` as consumed.
    mutating func consume(upTo position: Int) {
        start = min(position, bytes.count)
        if start == bytes.count {
            bytes.removeAll(keepingCapacity: bytes.capacity <= 65_536)
            start = 0
        }
    }
}
