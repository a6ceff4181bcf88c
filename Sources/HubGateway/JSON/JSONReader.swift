import HubProtocol

/// A JSON syntax error: what was wrong and where (byte offset in the frame).
struct JSONSyntaxError: Error, Equatable {
    var message: String
    var offset: Int
}

/// The lexical layer of the gateway's strict JSON reader (RFC 8259 over UTF-8 bytes).
///
/// Works on a buffer the caller keeps alive. Strings are validated (escapes, surrogate pairs, UTF-8
/// without overlongs or encoded surrogates, no raw control characters) but not decoded; callers
/// decode them only when they need the text. Every read is bounds-checked.
struct JSONReader {
    /// The deepest nesting accepted, counting the request object as level 1.
    static let maxDepth = 64

    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// A string's contents between its quotes, as positions in `bytes`.
    struct StringToken {
        var range: Range<Int>
        var hasEscapes: Bool
    }

    var isAtEnd: Bool { index >= bytes.count }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// Skips whitespace and returns the next byte without consuming it; fails at the end of input.
    @inline(__always)
    mutating func peekToken(expecting what: StaticString) throws(JSONSyntaxError) -> UInt8 {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of input, expected \(what)") }
        return bytes[index]
    }

    /// Consumes `expected` after optional whitespace.
    @inline(__always)
    mutating func expect(_ expected: UInt8, _ what: StaticString) throws(JSONSyntaxError) {
        let byte = try peekToken(expecting: what)
        guard byte == expected else { throw unexpected(byte, expecting: what) }
        index += 1
    }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, offset: index)
    }

    func unexpected(_ byte: UInt8, expecting what: StaticString) -> JSONSyntaxError {
        let shown = (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        return error("unexpected \(shown), expected \(what)")
    }

    /// The three literals.
    enum Literal {
        case `true`, `false`, null
    }

    /// Consumes `true`, `false` or `null` at the current byte.
    mutating func scanLiteral() throws(JSONSyntaxError) -> Literal {
        switch bytes[index] {
        case UInt8(ascii: "t"):
            try expectWord("true")
            return .true
        case UInt8(ascii: "f"):
            try expectWord("false")
            return .false
        case UInt8(ascii: "n"):
            try expectWord("null")
            return .null
        default:
            throw unexpected(bytes[index], expecting: "a JSON value")
        }
    }

    private mutating func expectWord(_ word: StaticString) throws(JSONSyntaxError) {
        let length = word.utf8CodeUnitCount
        guard index + length <= bytes.count else { throw error("unexpected end of input in a literal") }
        for offset in 0..<length where bytes[index + offset] != word.utf8Start[offset] {
            throw error("invalid literal, expected '\(word)'")
        }
        index += length
    }

    /// Consumes a number; reports its range and whether it has neither fraction nor exponent.
    mutating func scanNumber() throws(JSONSyntaxError) -> (range: Range<Int>, isInteger: Bool) {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: expected a digit") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw error("invalid number: leading zeros are not allowed") }
        } else {
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: expected a digit after '.'") }
            skipDigits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: expected a digit in the exponent") }
            skipDigits()
        }
        return (start..<index, isInteger)
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    @inline(__always)
    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    /// Consumes a string starting at its opening quote and validates its contents.
    mutating func scanString() throws(JSONSyntaxError) -> StringToken {
        index += 1
        let start = index
        var hasEscapes = false
        while index < bytes.count {
            // The common case first: a run of printable ASCII, scanned with a local index, eight
            // bytes at a time while none of them needs a closer look.
            var position = index
            let end = bytes.count
            while position + 8 <= end {
                let plain = PlainASCII.prefixLength(bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
                position += plain
                if plain < 8 { break }
            }
            while position < end {
                let byte = bytes[position]
                guard byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") else { break }
                position += 1
            }
            index = position
            guard index < end else { break }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let range = start..<index
                index += 1
                return StringToken(range: range, hasEscapes: hasEscapes)
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                try scanEscape()
            } else if byte < 0x20 {
                throw error("raw control character 0x\(String(byte, radix: 16)) in a string; escape it")
            } else if byte < 0x80 {
                index += 1
            } else {
                try scanUTF8Sequence()
            }
        }
        index = start - 1
        throw error("unterminated string")
    }

    private mutating func scanEscape() throws(JSONSyntaxError) {
        guard index + 1 < bytes.count else { throw error("unterminated escape sequence") }
        switch bytes[index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 2
        case UInt8(ascii: "u"):
            let unit = try hexQuad(at: index + 2)
            if (0xDC00...0xDFFF).contains(unit) { throw error("lone surrogate escape \\u\(String(unit, radix: 16))") }
            index += 6
            if (0xD800...0xDBFF).contains(unit) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                    (0xDC00...0xDFFF).contains(try hexQuad(at: index + 2))
                else {
                    index -= 6
                    throw error("lone surrogate escape \\u\(String(unit, radix: 16))")
                }
                index += 6
            }
        default:
            throw error("invalid escape sequence")
        }
    }

    /// The value of the four hex digits at `position`.
    func hexQuad(at position: Int) throws(JSONSyntaxError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw JSONSyntaxError(message: "truncated \\u escape", offset: position) }
        var value: UInt16 = 0
        for offset in 0..<4 {
            guard let digit = Self.hexValue(bytes[position + offset]) else {
                throw JSONSyntaxError(message: "invalid hex digit in a \\u escape", offset: position + offset)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Validates one multi-byte UTF-8 sequence (Unicode table 3-7: no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func scanUTF8Sequence() throws(JSONSyntaxError) {
        let lead = bytes[index]
        let length: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; second = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; second = 0x80...0x9F
        case 0xF0: length = 4; second = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; second = 0x80...0x8F
        default: throw error("invalid UTF-8 (byte 0x\(String(lead, radix: 16)))")
        }
        guard index + length <= bytes.count, second.contains(bytes[index + 1]) else { throw error("invalid UTF-8 sequence") }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
            throw error("invalid UTF-8 sequence")
        }
        index += length
    }
}
