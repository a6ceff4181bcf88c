import Glibc

/// Transcodes a request's `arguments` array in one pass into the two encodings the gateway ships
/// (section 7): canonical compact JSON (strings re-escaped canonically, numbers copied verbatim,
/// keys in the order given) and MessagePack (smallest integers, float64, str).
///
/// Syntax errors throw (`bad_json`); semantic problems — an integer outside −2⁶³…2⁶⁴−1, a float
/// that overflows a double, a repeated key in an argument object — are recorded in ``problem``
/// (`bad_request`) and the rest of the value is still validated. Buffers are reused between requests.
struct ArgumentsTranscoder {
    /// The canonical JSON text of the array.
    var json: [UInt8] = []
    /// The MessagePack array.
    var msgpack: [UInt8] = []
    /// The first semantic problem found, if any.
    var problem: String?
    private var scratch: [UInt8] = []
    /// Byte ranges, in `msgpack`, of the keys of the objects being transcoded (innermost last).
    private var keyRanges: [Range<Int>] = []

    /// Forgets the previous output, keeping the buffers' capacity.
    mutating func reset() {
        json.removeAll(keepingCapacity: true)
        msgpack.removeAll(keepingCapacity: true)
        keyRanges.removeAll(keepingCapacity: true)
        problem = nil
    }

    /// Transcodes the value at the reader's position, inside a container at level `depth`.
    mutating func transcodeValue(_ reader: inout JSONReader, depth: Int) throws(JSONSyntaxError) {
        let byte = try reader.peekToken(expecting: "a JSON value")
        if problem != nil { return try reader.skipValue(depth: depth) }
        switch byte {
        case UInt8(ascii: "["):
            try transcodeArray(&reader, depth: depth + 1)
        case UInt8(ascii: "{"):
            try transcodeObject(&reader, depth: depth + 1)
        case UInt8(ascii: "\""):
            _ = writeString(try reader.scanString(), reader)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let (range, isInteger) = try reader.scanNumber()
            writeNumber(UnsafeRawBufferPointer(rebasing: reader.bytes[range]), isInteger: isInteger)
        default:
            switch try reader.scanLiteral() {
            case .true:
                Self.appendASCII("true", into: &json)
                msgpack.append(0xC3)
            case .false:
                Self.appendASCII("false", into: &json)
                msgpack.append(0xC2)
            case .null:
                Self.appendASCII("null", into: &json)
                msgpack.append(0xC0)
            }
        }
    }

    /// Transcodes the array at the reader's position as a container at level `depth`.
    mutating func transcodeArray(_ reader: inout JSONReader, depth: Int) throws(JSONSyntaxError) {
        let header = msgpack.count
        msgpack.append(0x90)
        json.append(UInt8(ascii: "["))
        defer { json.append(UInt8(ascii: "]")) }
        if try reader.open(UInt8(ascii: "["), depth: depth) { return }
        var count = 0
        repeat {
            if count > 0 { json.append(UInt8(ascii: ",")) }
            try transcodeValue(&reader, depth: depth)
            count += 1
        } while try reader.next(closer: UInt8(ascii: "]"))
        if problem == nil { MessagePackOutput.patchContainerHeader(at: header, count: count, isMap: false, into: &msgpack) }
    }

    private mutating func transcodeObject(_ reader: inout JSONReader, depth: Int) throws(JSONSyntaxError) {
        let header = msgpack.count
        msgpack.append(0x80)
        json.append(UInt8(ascii: "{"))
        defer { json.append(UInt8(ascii: "}")) }
        if try reader.open(UInt8(ascii: "{"), depth: depth) { return }
        let firstKey = keyRanges.count
        defer { keyRanges.removeSubrange(firstKey...) }
        var seen: Set<[UInt8]>? = nil
        var count = 0
        repeat {
            if count > 0 { json.append(UInt8(ascii: ",")) }
            let key = try reader.readKey()
            if problem == nil {
                let range = writeString(key, reader)
                json.append(UInt8(ascii: ":"))
                checkDuplicate(range, firstKey: firstKey, seen: &seen)
            }
            try transcodeValue(&reader, depth: depth)
            count += 1
        } while try reader.next(closer: UInt8(ascii: "}"))
        if problem == nil { MessagePackOutput.patchContainerHeader(at: header, count: count, isMap: true, into: &msgpack) }
    }

    /// Records a problem if the key just written repeats one of the same object. Linear for small
    /// objects; a set past 16 keys, so a large object stays linear in time.
    private mutating func checkDuplicate(_ range: Range<Int>, firstKey: Int, seen: inout Set<[UInt8]>?) {
        let duplicate: Bool
        if seen != nil {
            duplicate = !seen!.insert(Array(msgpack[range])).inserted
        } else {
            duplicate = msgpack.withUnsafeBytes { buffer in
                keyRanges[firstKey...].contains { other in
                    other.count == range.count
                        && memcmp(buffer.baseAddress! + other.lowerBound, buffer.baseAddress! + range.lowerBound, range.count) == 0
                }
            }
            keyRanges.append(range)
            if keyRanges.count - firstKey > 16 {
                seen = Set(keyRanges[firstKey...].map { Array(msgpack[$0]) })
            }
        }
        if duplicate {
            problem = "an object in \"arguments\" repeats the key \"\(String(decoding: msgpack[range], as: UTF8.self))\"; keys must be unique"
        }
    }

    /// Writes a string to both outputs; returns the range of its UTF-8 bytes in `msgpack`.
    private mutating func writeString(_ token: JSONReader.StringToken, _ reader: JSONReader) -> Range<Int> {
        if !token.hasEscapes {
            let raw = reader.raw(token)
            json.append(UInt8(ascii: "\""))
            json.appendBytes(raw)
            json.append(UInt8(ascii: "\""))
            MessagePackOutput.writeStringHeader(raw.count, into: &msgpack)
            let start = msgpack.count
            msgpack.appendBytes(raw)
            return start..<msgpack.count
        }
        scratch.removeAll(keepingCapacity: true)
        reader.unescape(token, into: &scratch)
        scratch.withUnsafeBytes { JSONStringWriter.write($0, into: &json) }
        MessagePackOutput.writeStringHeader(scratch.count, into: &msgpack)
        let start = msgpack.count
        msgpack.append(contentsOf: scratch)
        return start..<msgpack.count
    }

    private mutating func writeNumber(_ raw: UnsafeRawBufferPointer, isInteger: Bool) {
        json.appendBytes(raw)
        if isInteger {
            guard let (negative, magnitude) = Self.parseInteger(raw) else {
                problem =
                    "the integer \(String(decoding: raw, as: UTF8.self)) in \"arguments\" is outside −2^63…2^64−1, "
                    + "which MessagePack cannot carry; send it as a string"
                return
            }
            if negative && magnitude > 0 {
                MessagePackOutput.writeNegative(magnitude: magnitude, into: &msgpack)
            } else {
                MessagePackOutput.writeUnsigned(magnitude, into: &msgpack)
            }
        } else {
            let text = String(decoding: raw, as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                problem = "the number \(text) in \"arguments\" is too large for a 64-bit float; send it as a string"
                return
            }
            MessagePackOutput.writeDouble(value, into: &msgpack)
        }
    }

    @inline(__always)
    static func appendASCII(_ text: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Parses a validated integer token; `nil` when it is outside −2⁶³…2⁶⁴−1.
    static func parseInteger(_ raw: UnsafeRawBufferPointer) -> (negative: Bool, magnitude: UInt64)? {
        var position = 0
        let negative = raw[0] == UInt8(ascii: "-")
        if negative { position = 1 }
        var value: UInt64 = 0
        while position < raw.count {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(raw[position] &- UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
            position += 1
        }
        if negative && value > UInt64(1) << 63 { return nil }
        return (negative, value)
    }
}
