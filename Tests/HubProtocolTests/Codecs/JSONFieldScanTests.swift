import Testing

@testable import HubProtocol

/// JSON hub messages are decoded straight into their known properties (no map of the whole
/// object, names compared as bytes, strings scanned a word at a time). These tests hold that path
/// to the plain one it replaced: parse the whole document into a ``HubValue``, then pick the fields.
@Suite("JSON messages decoded without a map")
struct JSONFieldScanTests {
    /// The plain path: the whole document as a value, then the fields of its map.
    static func reference(_ payload: [UInt8]) -> Result<HubMessage, HubProtocolError> {
        do throws(HubProtocolError) {
            return .success(try JSONHubProtocol.decodePayloadThroughValue(payload))
        } catch {
            return .failure(error)
        }
    }

    static func decoded(_ payload: [UInt8]) -> Result<HubMessage, HubProtocolError> {
        do throws(HubProtocolError) {
            return .success(try JSONHubProtocol.decodePayload(payload[...]))
        } catch {
            return .failure(error)
        }
    }

    static func expectSame(_ payload: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = reference(payload)
        let actual = decoded(payload)
        #expect(actual == expected, "\(String(decoding: payload, as: UTF8.self))", sourceLocation: sourceLocation)
    }

    @Test(
        "hand-picked objects decode as the plain path decodes them",
        arguments: [
            #"{"type":1,"target":"Send","arguments":["a"]}"#,
            #"  {"type":1,"target":"Send","arguments":["a"]}  "#,
            #"{"typ\u0065":1,"t\u0061rget":"Send","arguments":[]}"#,
            #"{"type":1,"t\u0079pe":1,"target":"Send","arguments":[]}"#,
            #"{"type":1,"type":2,"target":"Send","arguments":[]}"#,
            #"{"type":1,"type":2,"target":"Send","arguments":[] "#,
            #"{"type":1,"type":2,"unknown":[1,}"#,
            #"{"type":1,"target":"Send","arguments":[],"typeX":5,"typ":3,"argumentsXXXXXXXX":1,"argumentsXXXXXXX":1}"#,
            #"{"type":1,"target":"Send","arguments":[],"ty\u0000pe":1,"type\u0000":2}"#,
            #"{"type":1,"target":"Send","arguments":[],"tÿpe":1,"invocationId":null,"headers":{"h":"v"}}"#,
            #"{"type":7,"error":"bye","allowReconnect":true}"#,
            #"{"type":3,"invocationId":"1","result":{"type":9,"target":"nested"}}"#,
            #"{"type":3,"invocationId":"1","result":1,"error":"both"}"#,
            #"{"type":1,"target":"Send","arguments":[]} x"#,
            #"{"type":1,"target":"Send","arguments":[]}}"#,
            #"{}"#,
            #"{ }"#,
            #"{"#,
            #"{"type""#,
            #"{"type":"#,
            #"{"type":1"#,
            #"{"type":1,"#,
            #"{type:1}"#,
            #"{"type":1;"target":"x"}"#,
            #"[1,2]"#,
            #""text""#,
            #"12"#,
            #"null"#,
            #"[1,"#,
            " ",
        ])
    func handPicked(_ text: String) {
        Self.expectSame(Array(text.utf8))
    }

    @Test("an object nested to the depth limit, and one level deeper, decode as the plain path decodes them")
    func depth() {
        for levels in [JSONScanner.defaultMaxDepth - 2, JSONScanner.defaultMaxDepth - 1, JSONScanner.defaultMaxDepth] {
            let nested = String(repeating: "[", count: levels) + String(repeating: "]", count: levels)
            Self.expectSame(Array(#"{"type":1,"target":"Send","arguments":\#(nested)}"#.utf8))
        }
    }

    @Test("random mutations of valid messages decode (or fail) exactly as the plain path decodes them")
    func mutations() throws {
        var random = SplitMix64(seed: 0x5EED_F1E1D)
        let payloads = try DecoderFuzzTests.corpus().compactMap { bytes -> [UInt8]? in
            guard bytes.first == UInt8(ascii: "{"), let end = bytes.firstIndex(of: JSONHubProtocol.recordSeparator) else { return nil }
            return Array(bytes[..<end])
        }
        #expect(payloads.count >= 11)
        var decodedCount = 0
        for iteration in 0..<20_000 {
            let payload = DecoderFuzzTests.mutate(payloads[iteration % payloads.count], using: &random)
            let expected = Self.reference(payload)
            #expect(Self.decoded(payload) == expected, "\(hexString(payload))")
            if case .success = expected { decodedCount += 1 }
        }
        // Some mutations stay valid, so the comparison covers decoding, not only errors.
        #expect(decodedCount > 200)
    }

    /// Values each property may take in ``generatedObjects()``: right and wrong JSON types.
    static let propertyValues: [(name: String, values: [String])] = [
        ("type", ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "10", "1.0", "\"1\""]),
        ("target", [#""Send""#, "1", "null"]),
        ("arguments", ["[]", #"[1,"x",{"k":[true]}]"#, "{}"]),
        ("invocationId", [#""7""#, "null", "5"]),
        ("headers", [#"{"a":"b"}"#, #"{"a":1}"#, "null", "[]"]),
        ("streamIds", [#"["s"]"#, "[1]", "null"]),
        ("item", ["1", "null", #"{"type":1}"#]),
        ("result", [#""x""#, "null"]),
        ("error", [#""e""#, "null", "3"]),
        ("allowReconnect", ["true", "1", "null"]),
        ("sequenceId", ["5", "-1", #""x""#, "18446744073709551615"]),
        ("unknown", [#"{"deep":[1,2,{"type":3}]}"#]),
    ]

    /// Random objects of known (and one unknown) properties: random order, values, repeats,
    /// whitespace, and names sometimes spelled with a `\u` escape.
    static func generatedObjects(count: Int, using random: inout SplitMix64) -> [[UInt8]] {
        let spaces = ["", " ", "\n\t "]
        return (0..<count).map { _ in
            var properties: [String] = []
            for (name, values) in propertyValues where Bool.random(using: &random) || name == "type" {
                var spelled = name
                if Int.random(in: 0..<5, using: &random) == 0 {
                    let position = spelled.index(spelled.startIndex, offsetBy: Int.random(in: 0..<name.count, using: &random))
                    let scalar = spelled[position].unicodeScalars.first!.value
                    spelled.replaceSubrange(position...position, with: "\\u00" + String(scalar, radix: 16))
                }
                let space = spaces.randomElement(using: &random)!
                properties.append("\"\(spelled)\"\(space):\(space)\(values.randomElement(using: &random)!)")
                if Int.random(in: 0..<30, using: &random) == 0 { properties.append(properties[properties.count - 1]) }
            }
            properties.shuffle(using: &random)
            let space = spaces.randomElement(using: &random)!
            return Array("\(space){\(properties.joined(separator: ",\(space)"))}\(space)".utf8)
        }
    }

    @Test("random objects of known properties decode (or fail) exactly as the plain path decodes them")
    func generated() {
        var random = SplitMix64(seed: 0xF1E1D5)
        var decodedCount = 0
        var duplicates = 0
        for payload in Self.generatedObjects(count: 20_000, using: &random) {
            let expected = Self.reference(payload)
            #expect(Self.decoded(payload) == expected, "\(String(decoding: payload, as: UTF8.self))")
            switch expected {
            case .success: decodedCount += 1
            case .failure(let error) where error.message.hasPrefix("Duplicate"): duplicates += 1
            case .failure: break
            }
        }
        #expect(decodedCount > 1_000)
        #expect(duplicates > 100)
    }

    @Test("a word of plain ASCII ends at the first quote, backslash, control or non-ASCII byte")
    func plainPrefix() {
        func prefix(_ word: [UInt8]) -> Int {
            PlainASCII.prefixLength(word.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        }
        for filler in [UInt8(ascii: "a"), 0x20, 0x7F, UInt8(ascii: "!"), UInt8(ascii: "]")] {
            #expect(prefix([UInt8](repeating: filler, count: 8)) == 8)
            for byte in 0...255 {
                let special = byte < 0x20 || byte >= 0x80 || byte == 0x22 || byte == 0x5C
                for position in 0..<8 {
                    var word = [UInt8](repeating: filler, count: 8)
                    word[position] = UInt8(byte)
                    #expect(prefix(word) == (special ? position : 8), "byte 0x\(String(byte, radix: 16)) at \(position)")
                }
            }
        }
        var random = SplitMix64(seed: 42)
        let pool: [UInt8] = [0x00, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7E, 0x7F, 0x80, 0xC3, 0xFF, 0x61, 0x7A]
        for _ in 0..<20_000 {
            let word = (0..<8).map { _ in pool.randomElement(using: &random) ?? 0 }
            let expected = word.firstIndex { $0 < 0x20 || $0 >= 0x80 || $0 == 0x22 || $0 == 0x5C } ?? 8
            #expect(prefix(word) == expected, "\(hexString(word))")
        }
    }

    @Test("strings of every length up to 40 with an escape, a non-ASCII or a forbidden byte at every position")
    func stringsAroundWords() throws {
        // (as written in JSON, the text it stands for, or nil: the document is invalid)
        let inserts: [(json: String, text: String?)] = [
            (#"\""#, "\""), (#"\\"#, "\\"), (#"\u00e9"#, "é"), ("é", "é"), ("😀", "😀"),
            ("\u{1}", nil), ("\u{1F}", nil), ("\"", nil), ("\u{7F}", "\u{7F}"),
        ]
        for length in 0...40 {
            let plain = String(repeating: "x", count: length)
            for position in 0...length {
                for insert in inserts {
                    let json = String(plain.prefix(position)) + insert.json + String(plain.dropFirst(position))
                    let expected = insert.text.map { String(plain.prefix(position)) + $0 + String(plain.dropFirst(position)) }
                    let message = Array(#"{"type":1,"target":"\#(json)","arguments":[]}"#.utf8)
                    let value = try? HubValue(json: Array("\"\(json)\"".utf8))
                    if let expected {
                        #expect(value == .string(expected), "\(json)")
                        guard case .invocation(let invocation)? = try? JSONHubProtocol.decodePayload(message[...]) else {
                            Issue.record("\(json) did not decode")
                            continue
                        }
                        #expect(invocation.target == expected)
                    } else {
                        #expect(value == nil, "\(json)")
                        #expect(throws: HubProtocolError.self) { try JSONHubProtocol.decodePayload(message[...]) }
                    }
                }
            }
        }
    }

    @Test("the record separator is found from where the reader left off")
    func separatorSearch() {
        let bytes: [UInt8] = [0x7B, 0x1E, 0x7D, 0x20, 0x1E]
        #expect(JSONMessageReader.firstSeparator(in: bytes, from: 0) == 1)
        #expect(JSONMessageReader.firstSeparator(in: bytes, from: 1) == 1)
        #expect(JSONMessageReader.firstSeparator(in: bytes, from: 2) == 4)
        #expect(JSONMessageReader.firstSeparator(in: bytes, from: 5) == nil)
        #expect(JSONMessageReader.firstSeparator(in: [0x7B, 0x7D], from: 0) == nil)
        #expect(JSONMessageReader.firstSeparator(in: [], from: 0) == nil)
    }
}
