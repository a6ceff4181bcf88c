/// Transcodes JSON text straight into MessagePack bytes, without building a ``HubValue`` tree.
///
/// Container headers are written as one-byte placeholders and patched when the container ends;
/// only containers with 16 or more elements need the extra header bytes inserted. Integers stay
/// integers (smallest format), other numbers become float64, strings are unescaped.
struct JSONToMessagePackSink: JSONEventSink {
    var out: [UInt8]
    private var scratch: [UInt8] = []

    init(out: [UInt8]) {
        self.out = out
    }

    mutating func literal(_ value: HubValue) {
        MessagePackWriter.write(value, into: &out)
    }

    mutating func number(_ raw: UnsafeBufferPointer<UInt8>, isInteger: Bool) {
        if isInteger, let integer = JSONScanner.parseInteger(raw) {
            MessagePackWriter.write(integer, into: &out)
        } else {
            MessagePackWriter.writeDouble(JSONScanner.parseDouble(raw), into: &out)
        }
    }

    mutating func string(_ raw: UnsafeBufferPointer<UInt8>, hasEscapes: Bool) {
        guard hasEscapes else {
            MessagePackWriter.writeString(utf8: raw, into: &out)
            return
        }
        scratch.removeAll(keepingCapacity: true)
        JSONScanner.unescape(raw, into: &scratch)
        MessagePackWriter.writeStringHeader(scratch.count, into: &out)
        out.append(contentsOf: scratch)
    }

    mutating func beginContainer(isMap: Bool) -> Int {
        out.append(isMap ? 0x80 : 0x90)
        return out.count - 1
    }

    mutating func endContainer(_ token: Int, count: Int, isMap: Bool) {
        MessagePackWriter.patchContainerHeader(at: token, count: count, isMap: isMap, into: &out)
    }
}

enum JSONArrayInput {
    /// Validates that `json` is exactly one JSON array and returns the range of the array text
    /// (without surrounding whitespace).
    static func validate(_ json: UnsafeBufferPointer<UInt8>) throws(HubProtocolError) -> Range<Int> {
        var scanner = JSONScanner(bytes: json)
        let start = try expectArrayStart(&scanner)
        var sink = JSONValidatingSink()
        try scanner.walkValue(depth: 0, into: &sink)
        let end = scanner.index
        try scanner.expectEnd()
        return start..<end
    }

    /// Appends the MessagePack form of the JSON array `json` to `out`.
    static func transcode(_ json: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) throws(HubProtocolError) {
        var scanner = JSONScanner(bytes: json)
        _ = try expectArrayStart(&scanner)
        var sink = JSONToMessagePackSink(out: [])
        swap(&sink.out, &out)
        defer { swap(&sink.out, &out) }
        try scanner.walkValue(depth: 0, into: &sink)
        try scanner.expectEnd()
    }

    private static func expectArrayStart(_ scanner: inout JSONScanner) throws(HubProtocolError) -> Int {
        let first = try scanner.nextToken(expecting: "a JSON array of arguments")
        guard first == UInt8(ascii: "[") else {
            throw HubProtocolError(
                code: .invalidJSON,
                message: "The arguments must be a JSON array, found \(scanner.unexpectedDescription(first))"
            )
        }
        return scanner.index
    }
}
