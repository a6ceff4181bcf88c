extension JSONScanner {
    /// The text of a scanned string, with escapes decoded.
    func string(_ scanned: ScannedString) -> String {
        Self.text(of: scanned, in: bytes)
    }

    /// The text of a string scanned in `bytes`, with escapes decoded (for code that holds the bytes
    /// but not the scanner, such as a ``parseMembers(depth:_:)`` callback).
    static func text(of scanned: ScannedString, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[scanned.range])
        if !scanned.hasEscapes {
            return String(decoding: raw, as: UTF8.self)
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        Self.unescape(raw, into: &decoded)
        return String(decoding: decoded, as: UTF8.self)
    }

    /// The value of a scanned number: an exact integer when it is one and fits 64 bits, else a double.
    func number(_ range: Range<Int>, isInteger: Bool) -> HubValue {
        let raw = UnsafeBufferPointer(rebasing: bytes[range])
        if isInteger, let integer = Self.parseInteger(raw) {
            return integer
        }
        return .double(Self.parseDouble(raw))
    }

    /// Appends the UTF-8 bytes of the escaped string contents `raw`, which `scanString` validated.
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var index = 0
        var runStart = 0
        while index < raw.count {
            guard raw[index] == UInt8(ascii: "\\"), index + 1 < raw.count else {
                index += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: raw[runStart..<index]))
            let escaped = raw[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32(hexQuad(raw, at: index))
                index += 4
                if (0xD800...0xDBFF).contains(scalar), index + 6 <= raw.count {
                    let low = UInt32(hexQuad(raw, at: index + 2))
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low &- 0xDC00)
                    index += 6
                }
                appendUTF8(Unicode.Scalar(scalar) ?? "\u{FFFD}", into: &out)
            default: out.append(escaped)
            }
            runStart = index
        }
        if runStart < raw.count {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: raw[runStart..<raw.count]))
        }
    }

    private static func hexQuad(_ raw: UnsafeBufferPointer<UInt8>, at position: Int) -> UInt16 {
        var value: UInt16 = 0
        var offset = position
        while offset < min(position + 4, raw.count) {
            value = value << 4 | UInt16(hexValue(raw[offset]) ?? 0)
            offset += 1
        }
        return value
    }

    static func appendUTF8(_ scalar: Unicode.Scalar, into out: inout [UInt8]) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            out.append(UInt8(value))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (value >> 6)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (value >> 12)))
            out.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (value >> 18)))
            out.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        }
    }

    /// Parses an optionally negative run of decimal digits; nil when it does not fit 64 bits.
    static func parseInteger(_ raw: UnsafeBufferPointer<UInt8>) -> HubValue? {
        var index = 0
        let negative = raw.first == UInt8(ascii: "-")
        if negative { index = 1 }
        guard index < raw.count else { return nil }
        var magnitude: UInt64 = 0
        while index < raw.count {
            let digit = raw[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
            if magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
            return nil
        }
        if magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
        return .uint(magnitude)
    }

    /// Parses a validated JSON number as the nearest double (out-of-range values become ±infinity,
    /// as in JavaScript).
    static func parseDouble(_ raw: UnsafeBufferPointer<UInt8>) -> Double {
        if let value = Double(String(decoding: raw, as: UTF8.self)) {
            return value
        }
        return raw.first == UInt8(ascii: "-") ? -.infinity : .infinity
    }
}
