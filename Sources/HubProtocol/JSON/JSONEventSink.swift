/// Receives the values of a JSON document in document order, without building a ``HubValue`` tree.
///
/// Used to validate JSON without allocating and to transcode JSON straight to MessagePack.
protocol JSONEventSink {
    /// `null`, `true` or `false`.
    mutating func literal(_ value: HubValue)
    /// A validated number's text.
    mutating func number(_ raw: UnsafeBufferPointer<UInt8>, isInteger: Bool)
    /// A validated string's contents between the quotes (also used for object keys).
    mutating func string(_ raw: UnsafeBufferPointer<UInt8>, hasEscapes: Bool)
    /// An array or object starts; the returned token comes back in `endContainer`.
    mutating func beginContainer(isMap: Bool) -> Int
    /// An array or object with `count` elements (or key/value pairs) ends.
    mutating func endContainer(_ token: Int, count: Int, isMap: Bool)
}

/// A sink that ignores everything: walking with it validates the JSON.
struct JSONValidatingSink: JSONEventSink {
    @inline(__always) mutating func literal(_ value: HubValue) {}
    @inline(__always) mutating func number(_ raw: UnsafeBufferPointer<UInt8>, isInteger: Bool) {}
    @inline(__always) mutating func string(_ raw: UnsafeBufferPointer<UInt8>, hasEscapes: Bool) {}
    @inline(__always) mutating func beginContainer(isMap: Bool) -> Int { 0 }
    @inline(__always) mutating func endContainer(_ token: Int, count: Int, isMap: Bool) {}
}

extension JSONScanner {
    /// Walks one value at the current position, reporting it to `sink`.
    mutating func walkValue<Sink: JSONEventSink>(depth: Int, into sink: inout Sink) throws(HubProtocolError) {
        let byte = try nextToken(expecting: "a JSON value")
        switch byte {
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            try walkContainer(isMap: byte == UInt8(ascii: "{"), depth: depth + 1, into: &sink)
        case UInt8(ascii: "\""):
            let scanned = try scanString()
            sink.string(UnsafeBufferPointer(rebasing: bytes[scanned.range]), hasEscapes: scanned.hasEscapes)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let (range, isInteger) = try scanNumber()
            sink.number(UnsafeBufferPointer(rebasing: bytes[range]), isInteger: isInteger)
        default:
            sink.literal(try scanLiteral())
        }
    }

    private mutating func walkContainer<Sink: JSONEventSink>(
        isMap: Bool,
        depth: Int,
        into sink: inout Sink
    ) throws(HubProtocolError) {
        guard depth <= maxDepth else { throw .nestingTooDeep(limit: maxDepth, at: index) }
        index += 1
        let closer = isMap ? UInt8(ascii: "}") : UInt8(ascii: "]")
        let token = sink.beginContainer(isMap: isMap)
        var count = 0
        if try nextToken(expecting: isMap ? "a property name or '}'" : "a value or ']'") == closer {
            index += 1
            sink.endContainer(token, count: 0, isMap: isMap)
            return
        }
        while true {
            if isMap {
                let quote = try nextToken(expecting: "a property name")
                guard quote == UInt8(ascii: "\"") else {
                    throw unexpected(quote, expecting: "a property name in double quotes")
                }
                let key = try scanString()
                sink.string(UnsafeBufferPointer(rebasing: bytes[key.range]), hasEscapes: key.hasEscapes)
                let colon = try nextToken(expecting: "':'")
                guard colon == UInt8(ascii: ":") else { throw unexpected(colon, expecting: "':' after a property name") }
                index += 1
            }
            try walkValue(depth: depth, into: &sink)
            count += 1
            let separator = try nextToken(expecting: isMap ? "',' or '}'" : "',' or ']'")
            if separator == closer {
                index += 1
                sink.endContainer(token, count: count, isMap: isMap)
                return
            }
            guard separator == UInt8(ascii: ",") else {
                throw unexpected(separator, expecting: isMap ? "',' or '}' in an object" : "',' or ']' in an array")
            }
            index += 1
        }
    }
}
