extension JSONReader {
    /// The bytes of a scanned string token, escapes still in place.
    @inline(__always)
    func raw(_ token: StringToken) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[token.range])
    }

    /// The decoded text of a validated string token.
    func decode(_ token: StringToken) -> String {
        guard token.hasEscapes else { return String(decoding: raw(token), as: UTF8.self) }
        var scratch: [UInt8] = []
        scratch.reserveCapacity(token.range.count)
        unescape(token, into: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Appends the decoded UTF-8 bytes of a validated string token to `out`.
    func unescape(_ token: StringToken, into out: inout [UInt8]) {
        var position = token.range.lowerBound
        let end = token.range.upperBound
        while position < end {
            let byte = bytes[position]
            guard byte == UInt8(ascii: "\\") else {
                var runEnd = position + 1
                while runEnd < end, bytes[runEnd] != UInt8(ascii: "\\") { runEnd += 1 }
                out.appendBytes(UnsafeRawBufferPointer(rebasing: bytes[position..<runEnd]))
                position = runEnd
                continue
            }
            let escape = bytes[position + 1]
            position += 2
            switch escape {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                // Validated by the scanner: a BMP unit, or a high surrogate followed by `\u` and a low one.
                var scalar = UInt32((try? hexQuad(at: position)) ?? 0xFFFD)
                position += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    let low = UInt32((try? hexQuad(at: position + 2)) ?? 0xDC00)
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    position += 6
                }
                Self.appendUTF8(scalar, into: &out)
            default: out.append(escape)  // `"`, `\` and `/`
            }
        }
    }

    static func appendUTF8(_ scalar: UInt32, into out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(0xC0 | UInt8(scalar >> 6))
            out.append(0x80 | UInt8(scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(0xE0 | UInt8(scalar >> 12))
            out.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            out.append(0x80 | UInt8(scalar & 0x3F))
        default:
            out.append(0xF0 | UInt8(scalar >> 18))
            out.append(0x80 | UInt8(scalar >> 12 & 0x3F))
            out.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            out.append(0x80 | UInt8(scalar & 0x3F))
        }
    }

    /// Whether an unescaped token's bytes are exactly `word`.
    @inline(__always)
    func rawEquals(_ token: StringToken, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard token.range.count == count else { return false }
        let base = token.range.lowerBound
        for offset in 0..<count where bytes[base + offset] != word.utf8Start[offset] { return false }
        return true
    }
}

/// Canonical JSON string output (gateway protocol section 2.2).
enum JSONStringWriter {
    /// Appends `"…"` for valid UTF-8 `text`: escapes only `"`, `\` and control characters below U+0020
    /// (`\b \f \n \r \t`, `\u00xx` with lowercase hex for the others); everything else is literal.
    static func write(_ text: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        for position in 0..<text.count {
            let byte = text[position]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") { continue }
            out.appendBytes(UnsafeRawBufferPointer(rebasing: text[runStart..<position]))
            appendEscape(for: byte, into: &out)
            runStart = position + 1
        }
        out.appendBytes(UnsafeRawBufferPointer(rebasing: text[runStart..<text.count]))
        out.append(UInt8(ascii: "\""))
    }

    /// Appends the canonical form of a Swift string.
    static func write(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0), into: &out) }
    }

    private static func appendEscape(for byte: UInt8, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            out.append(UInt8(ascii: "u"))
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "0"))
            out.append(hex.utf8Start[Int(byte >> 4)])
            out.append(hex.utf8Start[Int(byte & 0x0F)])
        }
    }
}
