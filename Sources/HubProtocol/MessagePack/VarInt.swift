/// The length prefix of MessagePack hub messages: an unsigned integer in 1–5 bytes, 7 bits per byte,
/// least significant group first, the high bit set on every byte but the last. The largest length
/// is 2 GB - 1 (`0xFF 0xFF 0xFF 0xFF 0x07`).
public enum VarInt {
    /// The longest prefix, in bytes.
    public static let maxLength = 5
    /// The largest length a prefix can carry.
    public static let maxValue = Int(Int32.max)

    /// The number of bytes of the prefix for `value`.
    public static func encodedLength(of value: Int) -> Int {
        var length = 1
        var rest = value >> 7
        while rest > 0 {
            length += 1
            rest >>= 7
        }
        return length
    }

    /// Appends the prefix for `value` (0...``maxValue``).
    public static func write(_ value: Int, into out: inout [UInt8]) {
        var rest = UInt32(truncatingIfNeeded: value)
        while rest >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }

    /// Reads a prefix at `start`.
    ///
    /// - Returns: the value and the prefix length, or nil when the prefix is not complete yet.
    /// - Throws: `.invalidLengthPrefix` when the prefix is longer than 5 bytes or exceeds 2 GB - 1.
    public static func read(
        _ bytes: some RandomAccessCollection<UInt8>,
        at start: Int
    ) throws(HubProtocolError) -> (value: Int, length: Int)? {
        var value = 0
        var offset = 0
        var position = bytes.index(bytes.startIndex, offsetBy: start, limitedBy: bytes.endIndex) ?? bytes.endIndex
        while position != bytes.endIndex {
            let byte = bytes[position]
            if offset == maxLength - 1 && byte > 0x07 {
                throw HubProtocolError(
                    code: .invalidLengthPrefix,
                    message: "The message length prefix is invalid: it exceeds 5 bytes or the maximum length of 2 GB"
                )
            }
            value |= Int(byte & 0x7F) << (7 * offset)
            offset += 1
            if byte & 0x80 == 0 {
                return (value, offset)
            }
            position = bytes.index(after: position)
        }
        return nil
    }

    /// Frames a MessagePack body: reserves room for the longest prefix, lets `body` append the
    /// message, then writes the real prefix in front of it (moving the body once if the prefix is
    /// shorter than 5 bytes).
    static func framed(
        capacity: Int,
        _ body: (inout [UInt8]) throws(HubProtocolError) -> Void
    ) throws(HubProtocolError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(capacity + maxLength)
        out.append(contentsOf: repeatElement(0, count: maxLength))
        try body(&out)
        let length = out.count - maxLength
        guard length <= maxValue else { throw .messageTooLarge(size: length, limit: maxValue) }
        let start = maxLength - encodedLength(of: length)
        var rest = length
        for position in start..<maxLength {
            out[position] = UInt8(truncatingIfNeeded: rest & 0x7F) | (position < maxLength - 1 ? 0x80 : 0)
            rest >>= 7
        }
        out.removeSubrange(0..<start)
        return out
    }
}
