import Testing

@testable import HubProtocol

@Suite("JSON reading and writing")
struct JSONTests {
    @Test("integers stay integers, other numbers become doubles")
    func numbers() throws {
        #expect(try HubValue(jsonText: "42") == .int(42))
        #expect(try HubValue(jsonText: "-7") == .int(-7))
        #expect(try HubValue(jsonText: "0") == .int(0))
        #expect(try HubValue(jsonText: "42.0") == .double(42))
        #expect(try HubValue(jsonText: "1e3") == .double(1000))
        #expect(try HubValue(jsonText: "-0.5E-2") == .double(-0.005))
        #expect(try HubValue(jsonText: "9223372036854775807") == .int(Int64.max))
        #expect(try HubValue(jsonText: "-9223372036854775808") == .int(Int64.min))
        #expect(try HubValue(jsonText: "9223372036854775808") == .uint(9_223_372_036_854_775_808))
        #expect(try HubValue(jsonText: "18446744073709551615") == .uint(UInt64.max))
        #expect(try HubValue(jsonText: "18446744073709551616") == .double(18_446_744_073_709_551_616))
        #expect(try HubValue(jsonText: "-9223372036854775809") == .double(-9_223_372_036_854_775_808.0))
        #expect(try HubValue(jsonText: "1e400") == .double(.infinity))
        #expect(try HubValue(jsonText: "0.1") == .double(0.1))
    }

    @Test("literals, strings, containers and whitespace")
    func structure() throws {
        let value = try HubValue(jsonText: " { \"a\" : [ true , false , null ] ,\n\t\"b\":{}, \"c\":[] ,\"d\":\"x\" } \r\n")
        #expect(value == ["a": [true, false, nil], "b": .map([]), "c": [], "d": "x"])
        #expect(value["d"] == "x")
        #expect(value["missing"] == nil)
    }

    @Test("object keys keep their order, duplicates are kept")
    func keyOrder() throws {
        let value = try HubValue(jsonText: #"{"z":1,"a":2,"z":3}"#)
        #expect(value == .map([.init(key: "z", value: 1), .init(key: "a", value: 2), .init(key: "z", value: 3)]))
    }

    @Test("escapes and surrogate pairs decode")
    func escapes() throws {
        let value = try HubValue(jsonText: #""q\"b\\s\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00""#)
        #expect(value == .string("q\"b\\s/\u{8}\u{C}\n\r\tAé€😀"))
        #expect(try HubValue(json: utf8("\"h\u{e9}llo \u{1F600}\"")) == .string("héllo 😀"))
    }

    @Test(
        "invalid JSON is rejected with .invalidJSON",
        arguments: [
            "", " ", "{", "}", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{'a':1}", "01", "-", "1.", ".5",
            "1e", "1e+", "+1", "tru", "nul", "falsey", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
            "\"\\ud800\\u0041\"", "[1 2]", "NaN", "Infinity", "1 2", "[] []", "\"\u{01}\"", "// c\n1", "[\"\\",
        ]
    )
    func invalid(_ text: String) {
        let error = capturedError { try HubValue(jsonText: text) }
        #expect(error?.code == .invalidJSON, "\(text.debugDescription) gave \(String(describing: error))")
        #expect(error?.message.isEmpty == false)
    }

    @Test(
        "invalid UTF-8 inside strings is rejected",
        arguments: [
            [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22],
            [0x22, 0xE2, 0x82, 0x22], [0x22, 0x80, 0x22], [0x22, 0xF0, 0x8F, 0xBF, 0xBF, 0x22], [0x22, 0xC3],
        ] as [[UInt8]]
    )
    func invalidUTF8(_ bytes: [UInt8]) {
        #expect(capturedError { try HubValue(json: bytes) }?.code == .invalidJSON)
    }

    @Test("nesting is limited to 64 levels")
    func depth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try HubValue(jsonText: ok) }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(capturedError { try HubValue(jsonText: deep) }?.code == .nestingTooDeep)
        let hostile = String(repeating: "{\"a\":", count: 100_000)
        #expect(capturedError { try HubValue(jsonText: hostile) }?.code == .nestingTooDeep)
    }

    @Test("writing produces compact JSON")
    func writing() throws {
        let value: HubValue = ["s": "a\"b\\c\n\u{1}é", "i": -12, "u": .uint(UInt64.max), "d": 1.5, "n": nil, "b": [true, false]]
        #expect(try value.jsonText() == #"{"s":"a\"b\\c\n\u0001é","i":-12,"u":18446744073709551615,"d":1.5,"n":null,"b":[true,false]}"#)
        #expect(try HubValue.double(1).jsonText() == "1.0")
        #expect(try HubValue.double(0.1).jsonText() == "0.1")
        #expect(try HubValue.int(Int64.min).jsonText() == "-9223372036854775808")
        #expect(try HubValue.binary([0, 1, 2, 250]).jsonText() == "\"AAEC+g==\"")
        #expect(try HubValue.map([.init(key: 7, value: "x")]).jsonText() == #"{"7":"x"}"#)
    }

    @Test("values JSON cannot represent are rejected when writing")
    func unwritable() {
        #expect(capturedError { try HubValue.double(.nan).jsonText() }?.code == .unsupportedValue)
        #expect(capturedError { try HubValue.double(-.infinity).jsonText() }?.code == .unsupportedValue)
        #expect(capturedError { try HubValue.map([.init(key: [1], value: 1)]).jsonText() }?.code == .unsupportedValue)
    }

    @Test("write then parse gives the same value")
    func roundTrip() throws {
        let values: [HubValue] = [
            nil, true, 0, -1, 127, 128, -33, 65_536, .int(Int64.max), .int(Int64.min), .uint(UInt64.max), 3.25, -0.001, 1e300,
            "", "text with \u{7F} and \u{2028} and 😀", ["nested": [[], .map([]), [1, [2, [3]]]]],
        ]
        for value in values {
            #expect(try HubValue(json: try value.jsonBytes()) == value)
        }
    }

    @Test("base64 round trips all lengths")
    func base64() throws {
        for length in 0..<10 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            var text: [UInt8] = []
            Base64.encode(bytes, into: &text)
            #expect(Base64.decode(String(decoding: text, as: UTF8.self)) == bytes)
        }
        #expect(Base64.decode("AAE") == nil)
        #expect(Base64.decode("A=AA") == nil)
        #expect(Base64.decode("AA*A") == nil)
    }
}
