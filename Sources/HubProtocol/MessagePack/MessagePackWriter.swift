/// Appends MessagePack to a byte buffer, always in the smallest format for each value (as
/// MessagePack-CSharp does): fixint/uint8..64 for non-negative integers, negative fixint/int8..64 for
/// negative ones, float64 for doubles, fixstr/str8/16/32, bin8/16/32, fixarray/array16/32 and
/// fixmap/map16/32.
enum MessagePackWriter {
    /// Appends any value.
    static func write(_ value: HubValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(0xC0)
        case .bool(let flag): out.append(flag ? 0xC3 : 0xC2)
        case .int(let number): writeInt(number, into: &out)
        case .uint(let number): writeUInt(number, into: &out)
        case .double(let number): writeDouble(number, into: &out)
        case .string(let text): writeString(text, into: &out)
        case .binary(let bytes): writeBinary(bytes, into: &out)
        case .array(let elements):
            writeArrayHeader(elements.count, into: &out)
            for element in elements { write(element, into: &out) }
        case .map(let entries):
            writeMapHeader(entries.count, into: &out)
            for entry in entries {
                write(entry.key, into: &out)
                write(entry.value, into: &out)
            }
        }
    }

    static func writeNil(into out: inout [UInt8]) {
        out.append(0xC0)
    }

    static func writeBool(_ flag: Bool, into out: inout [UInt8]) {
        out.append(flag ? 0xC3 : 0xC2)
    }

    static func writeInt(_ value: Int64, into out: inout [UInt8]) {
        if value >= 0 {
            writeUInt(UInt64(value), into: &out)
        } else if value >= -32 {
            out.append(UInt8(truncatingIfNeeded: value))
        } else if value >= Int64(Int8.min) {
            out.append(0xD0)
            out.append(UInt8(truncatingIfNeeded: value))
        } else if value >= Int64(Int16.min) {
            out.append(0xD1)
            appendBigEndian(UInt16(truncatingIfNeeded: value), into: &out)
        } else if value >= Int64(Int32.min) {
            out.append(0xD2)
            appendBigEndian(UInt32(truncatingIfNeeded: value), into: &out)
        } else {
            out.append(0xD3)
            appendBigEndian(UInt64(bitPattern: value), into: &out)
        }
    }

    static func writeUInt(_ value: UInt64, into out: inout [UInt8]) {
        if value <= 0x7F {
            out.append(UInt8(value))
        } else if value <= UInt64(UInt8.max) {
            out.append(0xCC)
            out.append(UInt8(value))
        } else if value <= UInt64(UInt16.max) {
            out.append(0xCD)
            appendBigEndian(UInt16(value), into: &out)
        } else if value <= UInt64(UInt32.max) {
            out.append(0xCE)
            appendBigEndian(UInt32(value), into: &out)
        } else {
            out.append(0xCF)
            appendBigEndian(value, into: &out)
        }
    }

    static func writeDouble(_ value: Double, into out: inout [UInt8]) {
        out.append(0xCB)
        appendBigEndian(value.bitPattern, into: &out)
    }

    static func writeString(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { writeString(utf8: $0, into: &out) }
    }

    static func writeString(utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        writeStringHeader(utf8.count, into: &out)
        out.append(contentsOf: utf8)
    }

    static func writeStringHeader(_ length: Int, into out: inout [UInt8]) {
        if length < 32 {
            out.append(0xA0 | UInt8(length))
        } else if length <= Int(UInt8.max) {
            out.append(0xD9)
            out.append(UInt8(length))
        } else if length <= Int(UInt16.max) {
            out.append(0xDA)
            appendBigEndian(UInt16(length), into: &out)
        } else {
            out.append(0xDB)
            appendBigEndian(UInt32(truncatingIfNeeded: length), into: &out)
        }
    }

    static func writeBinary(_ bytes: [UInt8], into out: inout [UInt8]) {
        if bytes.count <= Int(UInt8.max) {
            out.append(0xC4)
            out.append(UInt8(bytes.count))
        } else if bytes.count <= Int(UInt16.max) {
            out.append(0xC5)
            appendBigEndian(UInt16(bytes.count), into: &out)
        } else {
            out.append(0xC6)
            appendBigEndian(UInt32(truncatingIfNeeded: bytes.count), into: &out)
        }
        out.append(contentsOf: bytes)
    }

    static func writeArrayHeader(_ count: Int, into out: inout [UInt8]) {
        writeContainerHeader(count, fix: 0x90, format16: 0xDC, into: &out)
    }

    static func writeMapHeader(_ count: Int, into out: inout [UInt8]) {
        writeContainerHeader(count, fix: 0x80, format16: 0xDE, into: &out)
    }

    /// Writes an array (`fix` 0x90) or map (`fix` 0x80) header; the 32-bit format is `format16 + 1`.
    private static func writeContainerHeader(_ count: Int, fix: UInt8, format16: UInt8, into out: inout [UInt8]) {
        if count < 16 {
            out.append(fix | UInt8(count))
        } else if count <= Int(UInt16.max) {
            out.append(format16)
            appendBigEndian(UInt16(count), into: &out)
        } else {
            out.append(format16 + 1)
            appendBigEndian(UInt32(truncatingIfNeeded: count), into: &out)
        }
    }

    /// Rewrites a one-byte container header at `position` (written as a placeholder before the
    /// elements) for `count` elements, inserting the extra header bytes when `count` is 16 or more.
    static func patchContainerHeader(at position: Int, count: Int, isMap: Bool, into out: inout [UInt8]) {
        if count < 16 {
            out[position] = (isMap ? 0x80 : 0x90) | UInt8(count)
            return
        }
        var header: [UInt8] = []
        if isMap { writeMapHeader(count, into: &header) } else { writeArrayHeader(count, into: &header) }
        out[position] = header[0]
        out.insert(contentsOf: header[1...], at: position + 1)
    }

    @inline(__always)
    static func appendBigEndian<Integer: FixedWidthInteger>(_ value: Integer, into out: inout [UInt8]) {
        var shift = Integer.bitWidth - 8
        while shift >= 0 {
            out.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }
}

extension HubValue {
    /// The value as MessagePack bytes, in the smallest format for each value.
    public func messagePackBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        MessagePackWriter.write(self, into: &out)
        return out
    }
}
