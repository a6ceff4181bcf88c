/// Appends compact JSON text (no whitespace) to a byte buffer. No Foundation, no intermediate strings
/// except for floating point numbers.
enum JSONWriter {
    /// Appends `value` as JSON.
    ///
    /// Binary values become base64 strings, integer map keys become their decimal text.
    /// - Throws: `.unsupportedValue` for NaN or infinite numbers and for map keys that are neither
    ///   strings nor integers.
    static func write(_ value: HubValue, into out: inout [UInt8]) throws(HubProtocolError) {
        switch value {
        case .null: appendASCII("null", into: &out)
        case .bool(let flag): appendASCII(flag ? "true" : "false", into: &out)
        case .int(let number): writeInt(number, into: &out)
        case .uint(let number): writeUInt(number, into: &out)
        case .double(let number): try writeDouble(number, into: &out)
        case .string(let text): writeString(text, into: &out)
        case .binary(let bytes):
            out.append(UInt8(ascii: "\""))
            Base64.encode(bytes, into: &out)
            out.append(UInt8(ascii: "\""))
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                try write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .map(let entries):
            out.append(UInt8(ascii: "{"))
            for (position, entry) in entries.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                try writeKey(entry.key, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(entry.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeKey(_ key: HubValue, into out: inout [UInt8]) throws(HubProtocolError) {
        switch key {
        case .string(let text):
            writeString(text, into: &out)
        case .int(let number):
            out.append(UInt8(ascii: "\""))
            writeInt(number, into: &out)
            out.append(UInt8(ascii: "\""))
        case .uint(let number):
            out.append(UInt8(ascii: "\""))
            writeUInt(number, into: &out)
            out.append(UInt8(ascii: "\""))
        default:
            throw HubProtocolError(
                code: .unsupportedValue,
                message: "A map key of type \(key.kindName) cannot be written as JSON; JSON object keys must be strings"
            )
        }
    }

    /// Appends ASCII text verbatim.
    @inline(__always)
    static func appendASCII(_ text: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends a quoted, escaped JSON string.
    static func writeString(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { writeString(utf8: $0, into: &out) }
    }

    /// Appends a quoted, escaped JSON string from valid UTF-8 bytes.
    static func writeString(utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        for position in 0..<utf8.count {
            let byte = utf8[position]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<position]))
            appendEscape(for: byte, into: &out)
            runStart = position + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        out.append(UInt8(ascii: "\""))
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
            appendASCII("u00", into: &out)
            out.append(hex.utf8Start[Int(byte >> 4)])
            out.append(hex.utf8Start[Int(byte & 0x0F)])
        }
    }

    /// Appends a signed integer in decimal.
    static func writeInt(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            writeUInt(value.magnitude, into: &out)
        } else {
            writeUInt(UInt64(value), into: &out)
        }
    }

    /// Appends an unsigned integer in decimal.
    static func writeUInt(_ value: UInt64, into out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digitCount = 1
        var rest = value / 10
        while rest > 0 {
            digitCount += 1
            rest /= 10
        }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: digitCount))
        rest = value
        var position = start + digitCount - 1
        while position >= start {
            out[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            position -= 1
        }
    }

    /// Appends a finite double in its shortest round-trip form (`1.0`, `0.1`, `1e-05`).
    static func writeDouble(_ value: Double, into out: inout [UInt8]) throws(HubProtocolError) {
        guard value.isFinite else {
            throw HubProtocolError(code: .unsupportedValue, message: "The number \(value) cannot be written as JSON")
        }
        out.append(contentsOf: value.description.utf8)
    }
}

extension HubValue {
    /// The value as compact JSON bytes (UTF-8).
    /// - Throws: `.unsupportedValue` for NaN or infinite numbers and non-string, non-integer map keys.
    public func jsonBytes() throws(HubProtocolError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        try JSONWriter.write(self, into: &out)
        return out
    }

    /// The value as compact JSON text.
    public func jsonText() throws(HubProtocolError) -> String {
        String(decoding: try jsonBytes(), as: UTF8.self)
    }
}
