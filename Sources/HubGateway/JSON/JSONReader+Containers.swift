extension JSONReader {
    /// Consumes the opening `{` or `[` of a container at nesting level `depth`.
    /// - Returns: `true` if the container is empty (its closer was consumed too).
    @inline(__always)
    mutating func open(_ opener: UInt8, depth: Int) throws(JSONSyntaxError) -> Bool {
        guard depth <= Self.maxDepth else { throw error("JSON is nested deeper than \(Self.maxDepth) levels") }
        index += 1
        let closer = opener == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
        if try peekToken(expecting: opener == UInt8(ascii: "{") ? "a property name or '}'" : "a value or ']'") == closer {
            index += 1
            return true
        }
        return false
    }

    /// Consumes `"key":` inside an object.
    @inline(__always)
    mutating func readKey() throws(JSONSyntaxError) -> StringToken {
        let quote = try peekToken(expecting: "a property name")
        guard quote == UInt8(ascii: "\"") else { throw unexpected(quote, expecting: "a property name in double quotes") }
        let key = try scanString()
        try expect(UInt8(ascii: ":"), "':' after a property name")
        return key
    }

    /// After a member or element: consumes `,` (returns `true`: another follows) or the closer (`false`).
    @inline(__always)
    mutating func next(closer: UInt8) throws(JSONSyntaxError) -> Bool {
        let byte = try peekToken(expecting: "',' or the end of the container")
        index += 1
        if byte == UInt8(ascii: ",") { return true }
        if byte == closer { return false }
        index -= 1
        throw unexpected(byte, expecting: closer == UInt8(ascii: "}") ? "',' or '}'" : "',' or ']'")
    }

    /// Consumes and validates one value of any type; its containers start at level `depth + 1`.
    mutating func skipValue(depth: Int) throws(JSONSyntaxError) {
        let byte = try peekToken(expecting: "a JSON value")
        switch byte {
        case UInt8(ascii: "{"):
            if try open(byte, depth: depth + 1) { return }
            repeat {
                _ = try readKey()
                try skipValue(depth: depth + 1)
            } while try next(closer: UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            if try open(byte, depth: depth + 1) { return }
            repeat {
                try skipValue(depth: depth + 1)
            } while try next(closer: UInt8(ascii: "]"))
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        default:
            _ = try scanLiteral()
        }
    }

    /// After the top-level value: only whitespace may follow.
    mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected data after the JSON object") }
    }
}
