/// The MessagePack forms the gateway writes (section 7.2): smallest integer formats, float64, str
/// (never bin), and array/map headers patched once the element count is known.
enum MessagePackOutput {
    /// Appends a non-negative integer in its smallest format.
    static func writeUnsigned(_ value: UInt64, into out: inout [UInt8]) {
        switch value {
        case 0..<0x80:
            out.append(UInt8(value))
        case 0x80...0xFF:
            out.append(0xCC)
            out.append(UInt8(value))
        case 0x100...0xFFFF:
            out.append(0xCD)
            appendBigEndian(value, bytes: 2, into: &out)
        case 0x1_0000...0xFFFF_FFFF:
            out.append(0xCE)
            appendBigEndian(value, bytes: 4, into: &out)
        default:
            out.append(0xCF)
            appendBigEndian(value, bytes: 8, into: &out)
        }
    }

    /// Appends `-magnitude` (1 ≤ magnitude ≤ 2⁶³) in its smallest signed format.
    static func writeNegative(magnitude: UInt64, into out: inout [UInt8]) {
        let pattern = 0 &- magnitude  // two's complement of the negative value
        switch magnitude {
        case 1...32:
            out.append(UInt8(truncatingIfNeeded: pattern))
        case 33...0x80:
            out.append(0xD0)
            out.append(UInt8(truncatingIfNeeded: pattern))
        case 0x81...0x8000:
            out.append(0xD1)
            appendBigEndian(pattern, bytes: 2, into: &out)
        case 0x8001...0x8000_0000:
            out.append(0xD2)
            appendBigEndian(pattern, bytes: 4, into: &out)
        default:
            out.append(0xD3)
            appendBigEndian(pattern, bytes: 8, into: &out)
        }
    }

    /// Appends a float64.
    static func writeDouble(_ value: Double, into out: inout [UInt8]) {
        out.append(0xCB)
        appendBigEndian(value.bitPattern, bytes: 8, into: &out)
    }

    /// Appends the header of a str of `count` bytes.
    static func writeStringHeader(_ count: Int, into out: inout [UInt8]) {
        switch count {
        case 0...31:
            out.append(0xA0 | UInt8(count))
        case 32...0xFF:
            out.append(0xD9)
            out.append(UInt8(count))
        case 0x100...0xFFFF:
            out.append(0xDA)
            appendBigEndian(UInt64(count), bytes: 2, into: &out)
        default:
            out.append(0xDB)
            appendBigEndian(UInt64(count), bytes: 4, into: &out)
        }
    }

    /// The size of a str header for `count` bytes.
    static func stringHeaderSize(_ count: Int) -> Int {
        count < 32 ? 1 : count <= 0xFF ? 2 : count <= 0xFFFF ? 3 : 5
    }

    /// Appends a str.
    static func writeString(_ utf8: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        writeStringHeader(utf8.count, into: &out)
        out.appendBytes(utf8)
    }

    /// Replaces the one-byte placeholder at `position` with the real header of a container of
    /// `count` elements, inserting the extra bytes of array16/map16/array32/map32 when needed.
    static func patchContainerHeader(at position: Int, count: Int, isMap: Bool, into out: inout [UInt8]) {
        if count < 16 {
            out[position] = (isMap ? 0x80 : 0x90) | UInt8(count)
            return
        }
        var header: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0)
        let length: Int
        if count <= 0xFFFF {
            header = (isMap ? 0xDE : 0xDC, UInt8(count >> 8), UInt8(count & 0xFF), 0, 0)
            length = 3
        } else {
            header = (isMap ? 0xDF : 0xDD, UInt8(count >> 24 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF))
            length = 5
        }
        withUnsafeBytes(of: &header) { bytes in
            out.replaceSubrange(position..<position + 1, with: bytes.prefix(length))
        }
    }

    @inline(__always)
    static func appendBigEndian(_ value: UInt64, bytes: Int, into out: inout [UInt8]) {
        var shift = (bytes - 1) * 8
        while shift >= 0 {
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            shift -= 8
        }
    }
}
