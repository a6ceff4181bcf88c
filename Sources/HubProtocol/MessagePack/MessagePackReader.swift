/// A strict MessagePack reader over a buffer that the caller keeps alive.
///
/// Supports every format of the MessagePack spec except extension types (including the timestamp
/// extension), which are rejected with `.unsupportedValue`. Every declared length is checked against
/// the bytes that remain before anything is allocated: an array of `n` elements needs at least `n`
/// bytes, a map at least `2n`. Nesting is limited to `maxDepth` levels. Strings must be valid UTF-8.
struct MessagePackReader {
    /// The default maximum nesting of arrays and maps.
    static let defaultMaxDepth = 64

    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int = 0
    let maxDepth: Int

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = MessagePackReader.defaultMaxDepth) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// The number of unread bytes.
    var remaining: Int { bytes.count - index }

    mutating func readByte() throws(HubProtocolError) -> UInt8 {
        guard index < bytes.count else { throw .invalidMessagePack("Unexpected end of data", at: index) }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func readBigEndian<Integer: FixedWidthInteger>(_ type: Integer.Type) throws(HubProtocolError) -> Integer {
        let size = Integer.bitWidth / 8
        guard size <= remaining else {
            throw .invalidMessagePack("Unexpected end of data, expected a \(size)-byte number", at: index)
        }
        var value: Integer = 0
        for offset in 0..<size {
            value = value << 8 | Integer(bytes[index + offset])
        }
        index += size
        return value
    }

    /// Reads `count` raw bytes, after checking that they are there.
    mutating func readBytes(count: Int) throws(HubProtocolError) -> UnsafeBufferPointer<UInt8> {
        guard count >= 0, count <= remaining else {
            throw .invalidMessagePack("Declared length \(count) exceeds the \(remaining) remaining bytes", at: index)
        }
        defer { index += count }
        return UnsafeBufferPointer(rebasing: bytes[index..<index + count])
    }

    /// Reads one complete value.
    mutating func readValue(depth: Int = 0) throws(HubProtocolError) -> HubValue {
        let start = index
        let byte = try readByte()
        switch byte {
        case 0x00...0x7F: return .int(Int64(byte))
        case 0x80...0x8F: return try readMap(count: Int(byte & 0x0F), depth: depth + 1)
        case 0x90...0x9F: return try readArray(count: Int(byte & 0x0F), depth: depth + 1)
        case 0xA0...0xBF: return try readString(length: Int(byte & 0x1F))
        case 0xC0: return .null
        case 0xC1: throw .invalidMessagePack("Byte 0xc1 is never used in MessagePack", at: start)
        case 0xC2: return .bool(false)
        case 0xC3: return .bool(true)
        case 0xC4: return .binary(Array(try readBytes(count: Int(try readByte()))))
        case 0xC5: return .binary(Array(try readBytes(count: Int(try readBigEndian(UInt16.self)))))
        case 0xC6: return .binary(Array(try readBytes(count: Int(try readBigEndian(UInt32.self)))))
        case 0xC7, 0xC8, 0xC9, 0xD4...0xD8: throw try unsupportedExtension(format: byte, at: start)
        case 0xCA: return .double(Double(Float(bitPattern: try readBigEndian(UInt32.self))))
        case 0xCB: return .double(Double(bitPattern: try readBigEndian(UInt64.self)))
        case 0xCC: return .int(Int64(try readByte()))
        case 0xCD: return .int(Int64(try readBigEndian(UInt16.self)))
        case 0xCE: return .int(Int64(try readBigEndian(UInt32.self)))
        case 0xCF:
            let value = try readBigEndian(UInt64.self)
            return value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
        case 0xD0: return .int(Int64(Int8(bitPattern: try readByte())))
        case 0xD1: return .int(Int64(Int16(bitPattern: try readBigEndian(UInt16.self))))
        case 0xD2: return .int(Int64(Int32(bitPattern: try readBigEndian(UInt32.self))))
        case 0xD3: return .int(Int64(bitPattern: try readBigEndian(UInt64.self)))
        case 0xD9: return try readString(length: Int(try readByte()))
        case 0xDA: return try readString(length: Int(try readBigEndian(UInt16.self)))
        case 0xDB: return try readString(length: Int(try readBigEndian(UInt32.self)))
        case 0xDC: return try readArray(count: Int(try readBigEndian(UInt16.self)), depth: depth + 1)
        case 0xDD: return try readArray(count: Int(try readBigEndian(UInt32.self)), depth: depth + 1)
        case 0xDE: return try readMap(count: Int(try readBigEndian(UInt16.self)), depth: depth + 1)
        case 0xDF: return try readMap(count: Int(try readBigEndian(UInt32.self)), depth: depth + 1)
        default: return .int(Int64(Int8(bitPattern: byte)))  // 0xE0...0xFF: negative fixint
        }
    }

    private mutating func readString(length: Int) throws(HubProtocolError) -> HubValue {
        let start = index
        let utf8 = try readBytes(count: length)
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw .invalidMessagePack("String is not valid UTF-8", at: start)
        }
        return .string(text)
    }

    private mutating func readArray(count: Int, depth: Int) throws(HubProtocolError) -> HubValue {
        guard depth <= maxDepth else { throw .nestingTooDeep(limit: maxDepth, at: index) }
        guard count <= remaining else {
            throw .invalidMessagePack("Array of \(count) elements exceeds the \(remaining) remaining bytes", at: index)
        }
        var elements: [HubValue] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            elements.append(try readValue(depth: depth))
        }
        return .array(elements)
    }

    private mutating func readMap(count: Int, depth: Int) throws(HubProtocolError) -> HubValue {
        guard depth <= maxDepth else { throw .nestingTooDeep(limit: maxDepth, at: index) }
        guard count <= remaining / 2 else {
            throw .invalidMessagePack("Map of \(count) entries exceeds the \(remaining) remaining bytes", at: index)
        }
        var entries: [HubValue.Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let key = try readValue(depth: depth)
            let value = try readValue(depth: depth)
            entries.append(HubValue.Entry(key: key, value: value))
        }
        return .map(entries)
    }

    /// Builds the error for an extension value (after reading its type byte when it is there).
    private mutating func unsupportedExtension(format: UInt8, at start: Int) throws(HubProtocolError) -> HubProtocolError {
        switch format {
        case 0xC7: _ = try readByte()
        case 0xC8: _ = try readBigEndian(UInt16.self)
        case 0xC9: _ = try readBigEndian(UInt32.self)
        default: break
        }
        let type = Int8(bitPattern: try readByte())
        let name = type == -1 ? " (timestamp)" : ""
        return HubProtocolError(
            code: .unsupportedValue,
            message: "MessagePack extension type \(type)\(name) at byte offset \(start) is not supported; "
                + "send dates as strings or numbers"
        )
    }
}

extension HubValue {
    /// Parses exactly one MessagePack value (nesting limited to 64 levels).
    /// - Throws: `.invalidMessagePack` for malformed, truncated or trailing data, `.unsupportedValue`
    ///   for extension types, `.nestingTooDeep`.
    public init(messagePack: some Collection<UInt8>) throws(HubProtocolError) {
        self = try withContiguousBytes(messagePack) { (buffer) throws(HubProtocolError) -> HubValue in
            var reader = MessagePackReader(bytes: buffer)
            let value = try reader.readValue()
            guard reader.remaining == 0 else {
                throw .invalidMessagePack("Unexpected \(reader.remaining) bytes after the value", at: reader.index)
            }
            return value
        }
    }
}
