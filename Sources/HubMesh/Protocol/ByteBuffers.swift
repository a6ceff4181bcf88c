/// Appends big-endian fields to a byte array.
struct ByteWriter {
    var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes into `scratch` (taken, emptied, capacity kept): a buffer reused across frames
    /// allocates nothing once grown. `writer.bytes` is handed back with ``finish(into:)``.
    init(reusing scratch: inout [UInt8]) {
        bytes = []
        swap(&bytes, &scratch)
        bytes.removeAll(keepingCapacity: true)
    }

    /// Hands the written bytes back to the scratch buffer they were taken from.
    mutating func finish(into scratch: inout [UInt8]) { swap(&bytes, &scratch) }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    // Fixed-size integers are appended in one call (one capacity check) rather than byte by byte.
    mutating func u16(_ value: UInt16) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// A string with a u16 length.
    mutating func string(_ value: String, field: String) throws(MeshProtocolError) {
        let count = value.utf8.count
        guard count <= Int(UInt16.max) else { throw MeshProtocolError(.tooLarge, "\(field) is \(count) bytes; the limit is 65535") }
        u16(UInt16(count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func raw(_ value: [UInt8]) { bytes.append(contentsOf: value) }
}

/// Reads big-endian fields from a buffer, checking every length against what is left.
///
/// Field names are autoclosures: they only become strings for an error (building them per field,
/// as `"\(field) length"` did, cost a string build on every decoded frame).
struct ByteReader {
    let buffer: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    var remaining: Int { buffer.count - offset }

    private mutating func need(_ count: Int, _ field: @autoclosure () -> String) throws(MeshProtocolError) {
        guard count <= remaining else {
            throw MeshProtocolError(.truncated, "\(field()) needs \(count) bytes at offset \(offset); \(remaining) left")
        }
    }

    mutating func u8(_ field: @autoclosure () -> String) throws(MeshProtocolError) -> UInt8 {
        try need(1, field())
        defer { offset += 1 }
        return buffer[offset]
    }

    mutating func u16(_ field: @autoclosure () -> String) throws(MeshProtocolError) -> UInt16 {
        try need(2, field())
        defer { offset += 2 }
        return UInt16(buffer[offset]) << 8 | UInt16(buffer[offset + 1])
    }

    mutating func u32(_ field: @autoclosure () -> String) throws(MeshProtocolError) -> UInt32 {
        try need(4, field())
        var value: UInt32 = 0
        for index in 0..<4 { value = value << 8 | UInt32(buffer[offset + index]) }
        offset += 4
        return value
    }

    mutating func u64(_ field: @autoclosure () -> String) throws(MeshProtocolError) -> UInt64 {
        try need(8, field())
        var value: UInt64 = 0
        for index in 0..<8 { value = value << 8 | UInt64(buffer[offset + index]) }
        offset += 8
        return value
    }

    mutating func bytes(_ count: Int, _ field: @autoclosure () -> String) throws(MeshProtocolError) -> [UInt8] {
        try need(count, field())
        defer { offset += count }
        return Array(UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + count]))
    }

    mutating func skip(_ count: Int, _ field: @autoclosure () -> String) throws(MeshProtocolError) {
        try need(count, field())
        offset += count
    }

    /// A string with a u16 length; must be valid UTF-8.
    mutating func string(_ field: @autoclosure () -> String) throws(MeshProtocolError) -> String {
        let count = Int(try u16("\(field()) length"))
        return try string(count: count, field())
    }

    /// A string of `count` bytes; must be valid UTF-8. Read in place: no intermediate array, and
    /// ASCII skips the generic validating initializer (which looked up type metadata per call).
    mutating func string(count: Int, _ field: @autoclosure () -> String) throws(MeshProtocolError) -> String {
        try need(count, field())
        defer { offset += count }
        return try Self.utf8(UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + count]), field())
    }

    /// A NUL-terminated string (a topic part). Empty is allowed here; callers check.
    mutating func terminated(_ field: @autoclosure () -> String) throws(MeshProtocolError) -> String {
        var end = offset
        while end < buffer.count && buffer[end] != 0 { end += 1 }
        guard end < buffer.count else { throw MeshProtocolError(.badTopic, "topic part \(field()) is not NUL-terminated") }
        defer { offset = end + 1 }
        return try Self.utf8(UnsafeRawBufferPointer(rebasing: buffer[offset..<end]), field())
    }

    static func utf8(_ bytes: UnsafeRawBufferPointer, _ field: @autoclosure () -> String) throws(MeshProtocolError) -> String {
        let utf8 = bytes.assumingMemoryBound(to: UInt8.self)
        // Names are nearly always ASCII: skip the generic validating initializer for them.
        if !utf8.contains(where: { $0 >= 0x80 }) { return String(decoding: utf8, as: UTF8.self) }
        guard let string = String(validating: utf8, as: UTF8.self) else {
            throw MeshProtocolError(.badString, "\(field()) is not valid UTF-8")
        }
        return string
    }
}
