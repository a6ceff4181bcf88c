extension JSONScanner {
    /// Parses exactly one JSON document (one value with optional surrounding whitespace).
    mutating func parseDocument() throws(HubProtocolError) -> HubValue {
        let value = try parseValue(depth: 0)
        try expectEnd()
        return value
    }

    /// Fails unless only whitespace is left.
    mutating func expectEnd() throws(HubProtocolError) {
        skipWhitespace()
        if let byte = peek() {
            throw unexpected(byte, expecting: "the end of the JSON data")
        }
    }

    /// Parses one value at the current position into a ``HubValue``.
    mutating func parseValue(depth: Int) throws(HubProtocolError) -> HubValue {
        let byte = try nextToken(expecting: "a JSON value")
        switch byte {
        case UInt8(ascii: "{"):
            return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["):
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            return .string(string(try scanString()))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let (range, isInteger) = try scanNumber()
            return number(range, isInteger: isInteger)
        default:
            return try scanLiteral()
        }
    }

    private mutating func parseArray(depth: Int) throws(HubProtocolError) -> HubValue {
        guard depth <= maxDepth else { throw .nestingTooDeep(limit: maxDepth, at: index) }
        index += 1
        var elements: [HubValue] = []
        if try nextToken(expecting: "a value or ']'") == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            let separator = try nextToken(expecting: "',' or ']'")
            index += 1
            if separator == UInt8(ascii: "]") { return .array(elements) }
            guard separator == UInt8(ascii: ",") else {
                index -= 1
                throw unexpected(separator, expecting: "',' or ']' in an array")
            }
        }
    }

    private mutating func parseObject(depth: Int) throws(HubProtocolError) -> HubValue {
        var entries: [HubValue.Entry] = []
        let bytes = self.bytes
        try parseMembers(depth: depth) { name, value in
            entries.append(HubValue.Entry(key: .string(Self.text(of: name, in: bytes)), value: value))
        }
        return .map(entries)
    }

    /// Parses an object whose `{` is the current byte, handing each member's name (where it is in
    /// ``bytes``) and value to `member`, in order. The one place objects are parsed: into a
    /// ``HubValue`` map (``parseValue(depth:)``) or into a hub message's fields (`parseMessageFields`).
    mutating func parseMembers(
        depth: Int, _ member: (ScannedString, HubValue) throws(HubProtocolError) -> Void
    ) throws(HubProtocolError) {
        guard depth <= maxDepth else { throw .nestingTooDeep(limit: maxDepth, at: index) }
        index += 1
        if try nextToken(expecting: "a property name or '}'") == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            let name = try scanKey()
            try member(name, try parseValue(depth: depth))
            let separator = try nextToken(expecting: "',' or '}'")
            index += 1
            if separator == UInt8(ascii: "}") { return }
            guard separator == UInt8(ascii: ",") else {
                index -= 1
                throw unexpected(separator, expecting: "',' or '}' in an object")
            }
        }
    }

    /// Scans `"name" :` and returns where the name is.
    private mutating func scanKey() throws(HubProtocolError) -> ScannedString {
        let quote = try nextToken(expecting: "a property name")
        guard quote == UInt8(ascii: "\"") else { throw unexpected(quote, expecting: "a property name in double quotes") }
        let key = try scanString()
        let colon = try nextToken(expecting: "':'")
        guard colon == UInt8(ascii: ":") else { throw unexpected(colon, expecting: "':' after a property name") }
        index += 1
        return key
    }
}

extension HubValue {
    /// Parses a JSON document (strict RFC 8259, UTF-8, nesting limited to 64 levels).
    ///
    /// Integers that fit 64 bits stay integers; other numbers become ``double(_:)`` (numbers beyond
    /// the range of `Double` become ±infinity, as in JavaScript; JSON cannot write those back).
    /// - Throws: ``HubProtocolError`` with code `.invalidJSON` or `.nestingTooDeep`.
    public init(json: some Collection<UInt8>) throws(HubProtocolError) {
        self = try withContiguousBytes(json) { (buffer) throws(HubProtocolError) -> HubValue in
            var scanner = JSONScanner(bytes: buffer)
            return try scanner.parseDocument()
        }
    }

    /// Parses a JSON document from a string.
    public init(jsonText: String) throws(HubProtocolError) {
        try self.init(json: Array(jsonText.utf8))
    }
}
