extension Array where Element == UInt8 {
    /// Appends raw bytes with one `memcpy` (`append(contentsOf:)` copies an `UnsafeRawBufferPointer`
    /// byte by byte, as it has no contiguous-storage fast path).
    @inline(__always)
    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: bytes.count))
    }
}
