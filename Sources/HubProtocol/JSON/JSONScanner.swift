/// The lexical layer of the strict JSON reader (RFC 8259): whitespace, literals, strings and numbers.
///
/// The scanner works on a buffer that the caller keeps alive for the scanner's lifetime (it is only
/// used inside `withUnsafeBufferPointer`). Every read is bounds-checked against `bytes.count`.
/// Strings are validated (escapes, surrogate pairs, UTF-8, no raw control characters) but not
/// decoded; drivers decode them only when they need the text.
struct JSONScanner {
    /// The maximum nesting of arrays and objects.
    static let defaultMaxDepth = 64

    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int = 0
    let maxDepth: Int

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = JSONScanner.defaultMaxDepth) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// A string's contents between its quotes, as positions in `bytes`.
    struct ScannedString {
        var range: Range<Int>
        var hasEscapes: Bool
    }

    /// The next byte, or nil at the end.
    @inline(__always)
    func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// Skips whitespace and returns the next byte, failing at the end of the input.
    mutating func nextToken(expecting what: @autoclosure () -> String) throws(HubProtocolError) -> UInt8 {
        skipWhitespace()
        guard index < bytes.count else {
            throw .invalidJSON("Unexpected end of data, expected \(what())", at: index)
        }
        return bytes[index]
    }

    func unexpected(_ byte: UInt8, expecting what: String) -> HubProtocolError {
        .invalidJSON("Unexpected \(unexpectedDescription(byte)), expected \(what)", at: index)
    }

    /// `'x'` for a printable ASCII byte, `byte 0x..` otherwise.
    func unexpectedDescription(_ byte: UInt8) -> String {
        if (0x21...0x7E).contains(byte) {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        return "byte 0x\(String(byte, radix: 16))"
    }

    /// Consumes `true`, `false` or `null`, starting at the current byte.
    mutating func scanLiteral() throws(HubProtocolError) -> HubValue {
        switch bytes[index] {
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            throw unexpected(bytes[index], expecting: "a JSON value")
        }
    }

    private mutating func expectLiteral(_ text: StaticString) throws(HubProtocolError) {
        let length = text.utf8CodeUnitCount
        guard index + length <= bytes.count else {
            throw .invalidJSON("Truncated literal, expected '\(text)'", at: index)
        }
        for offset in 0..<length where bytes[index + offset] != text.utf8Start[offset] {
            throw .invalidJSON("Invalid literal, expected '\(text)'", at: index)
        }
        index += length
    }

    /// Consumes a number and reports its range and whether it has neither fraction nor exponent.
    mutating func scanNumber() throws(HubProtocolError) -> (range: Range<Int>, isInteger: Bool) {
        let start = index
        var isInteger = true
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else {
            throw .invalidJSON("Invalid number: expected a digit", at: index)
        }
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = peek(), isDigit(next) {
                throw .invalidJSON("Invalid number: leading zeros are not allowed", at: index)
            }
        } else {
            skipDigits()
        }
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard let digit = peek(), isDigit(digit) else {
                throw .invalidJSON("Invalid number: expected a digit after the decimal point", at: index)
            }
            skipDigits()
        }
        if let exponent = peek(), exponent == UInt8(ascii: "e") || exponent == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek(), isDigit(digit) else {
                throw .invalidJSON("Invalid number: expected a digit in the exponent", at: index)
            }
            skipDigits()
        }
        return (start..<index, isInteger)
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    @inline(__always)
    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    /// Consumes a string starting at its opening quote and validates its contents.
    mutating func scanString() throws(HubProtocolError) -> ScannedString {
        index += 1
        let start = index
        var hasEscapes = false
        while index < bytes.count {
            if let base = bytes.baseAddress {
                var position = index
                while position + 8 <= bytes.count {
                    let plain = PlainASCII.prefixLength(UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
                    position += plain
                    if plain < 8 { break }
                }
                index = position
                guard index < bytes.count else { break }
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let range = start..<index
                index += 1
                return ScannedString(range: range, hasEscapes: hasEscapes)
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                try scanEscape()
            } else if byte < 0x20 {
                throw .invalidJSON("Control character 0x\(String(byte, radix: 16)) must be escaped in a string", at: index)
            } else if byte < 0x80 {
                index += 1
            } else {
                try scanUTF8Sequence()
            }
        }
        throw .invalidJSON("Unterminated string", at: start - 1)
    }

    private mutating func scanEscape() throws(HubProtocolError) {
        guard index + 1 < bytes.count else { throw .invalidJSON("Unterminated escape sequence", at: index) }
        switch bytes[index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 2
        case UInt8(ascii: "u"):
            let unit = try hexQuad(at: index + 2)
            index += 6
            if (0xDC00...0xDFFF).contains(unit) {
                throw .invalidJSON("Unpaired low surrogate \\u\(String(unit, radix: 16)) in string", at: index - 6)
            }
            if (0xD800...0xDBFF).contains(unit) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                    (0xDC00...0xDFFF).contains(try hexQuad(at: index + 2))
                else {
                    throw .invalidJSON("Unpaired high surrogate \\u\(String(unit, radix: 16)) in string", at: index - 6)
                }
                index += 6
            }
        default:
            throw .invalidJSON("Invalid escape sequence", at: index)
        }
    }

    /// The value of four hex digits at `position`.
    func hexQuad(at position: Int) throws(HubProtocolError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw .invalidJSON("Truncated \\u escape", at: position) }
        var value: UInt16 = 0
        for offset in 0..<4 {
            guard let digit = Self.hexValue(bytes[position + offset]) else {
                throw .invalidJSON("Invalid hex digit in \\u escape", at: position + offset)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Validates one multi-byte UTF-8 sequence (Unicode table 3-7: no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func scanUTF8Sequence() throws(HubProtocolError) {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw .invalidJSON("Invalid UTF-8 lead byte 0x\(String(lead, radix: 16))", at: index)
        }
        guard index + length <= bytes.count else { throw .invalidJSON("Truncated UTF-8 sequence", at: index) }
        guard secondRange.contains(bytes[index + 1]) else { throw .invalidJSON("Invalid UTF-8 sequence", at: index) }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
            throw .invalidJSON("Invalid UTF-8 sequence", at: index)
        }
        index += length
    }
}
