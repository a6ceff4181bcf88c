import Testing

@testable import HubProtocol

@Suite("HubValue")
struct HubValueTests {
    @Test("literals build the matching cases")
    func literals() {
        #expect(HubValue(nilLiteral: ()) == .null)
        #expect(true as HubValue == .bool(true))
        #expect(7 as HubValue == .int(7))
        #expect(7.5 as HubValue == .double(7.5))
        #expect("s" as HubValue == .string("s"))
        #expect([1, "a"] as HubValue == .array([.int(1), .string("a")]))
        #expect(["k": 1] as HubValue == .map([HubValue.Entry(key: .string("k"), value: .int(1))]))
        #expect(HubValue.object(["a": 1, "b": 2]) == ["a": 1, "b": 2])
    }

    @Test("accessors return the payload of the matching case only")
    func accessors() {
        let value: HubValue = ["name": "Ada", "age": 36, "tags": ["x"], "ok": true, "big": .uint(UInt64.max), "none": nil]
        #expect(value["name"]?.stringValue == "Ada")
        #expect(value["age"]?.int64Value == 36)
        #expect(value["age"]?.doubleValue == 36)
        #expect(value["big"]?.int64Value == nil)
        #expect(value["big"]?.doubleValue == Double(UInt64.max))
        #expect(value["tags"]?.arrayValue == ["x"])
        #expect(value["ok"]?.boolValue == true)
        #expect(value["none"]?.isNull == true)
        #expect(value["name"]?.int64Value == nil)
        #expect(HubValue.int(1)["name"] == nil)
        #expect(HubValue.uint(5).int64Value == 5)
    }

    @Test("kind names for error messages")
    func kindNames() {
        let values: [HubValue] = [nil, true, 1, .uint(1), 1.5, "s", .binary([]), [], .map([])]
        #expect(values.map(\.kindName) == ["null", "boolean", "integer", "integer", "number", "string", "binary", "array", "map"])
    }

    @Test("errors describe themselves with their code")
    func errorDescription() {
        let error = HubProtocolError(code: .messageTooLarge, message: "too big")
        #expect(error.description == "messageTooLarge: too big")
    }
}
