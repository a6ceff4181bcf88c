import Testing

@testable import HubProtocol

@Suite("JSON hub protocol")
struct JSONHubProtocolTests {
    let codec = JSONHubProtocol()

    /// Every message type with its exact encoding, written by hand from the spec's JSON examples.
    static let examples: [(HubMessage, String)] = [
        (
            .invocation(InvocationMessage(target: "Send", arguments: [42, "Test Message"])),
            #"{"type":1,"target":"Send","arguments":[42,"Test Message"]}"#
        ),
        (
            .invocation(InvocationMessage(invocationId: "123", target: "Send", arguments: [42, "Test Message"])),
            #"{"type":1,"invocationId":"123","target":"Send","arguments":[42,"Test Message"]}"#
        ),
        (
            .invocation(InvocationMessage(invocationId: "123", target: "Send", arguments: [42], streamIds: ["1"])),
            #"{"type":1,"invocationId":"123","target":"Send","arguments":[42],"streamIds":["1"]}"#
        ),
        (
            .invocation(InvocationMessage(headers: ["Foo": "Bar"], invocationId: "123", target: "Send", arguments: [42, "Test Message"])),
            #"{"type":1,"headers":{"Foo":"Bar"},"invocationId":"123","target":"Send","arguments":[42,"Test Message"]}"#
        ),
        (
            .streamInvocation(StreamInvocationMessage(invocationId: "123", target: "Send", arguments: [42, "Test Message"])),
            #"{"type":4,"invocationId":"123","target":"Send","arguments":[42,"Test Message"]}"#
        ),
        (.streamItem(StreamItemMessage(invocationId: "123", item: 42)), #"{"type":2,"invocationId":"123","item":42}"#),
        (.completion(CompletionMessage(invocationId: "123")), #"{"type":3,"invocationId":"123"}"#),
        (.completion(CompletionMessage(invocationId: "123", outcome: .result(42))), #"{"type":3,"invocationId":"123","result":42}"#),
        (.completion(CompletionMessage(invocationId: "123", outcome: .result(nil))), #"{"type":3,"invocationId":"123","result":null}"#),
        (
            .completion(CompletionMessage(invocationId: "123", outcome: .error("It didn't work!"))),
            #"{"type":3,"invocationId":"123","error":"It didn't work!"}"#
        ),
        (.cancelInvocation(CancelInvocationMessage(invocationId: "123")), #"{"type":5,"invocationId":"123"}"#),
        (.ping, #"{"type":6}"#),
        (.close(CloseMessage()), #"{"type":7}"#),
        (.close(CloseMessage(error: "Connection closed because of an error!")), #"{"type":7,"error":"Connection closed because of an error!"}"#),
        (
            .close(CloseMessage(error: "Connection closed because of an error!", allowReconnect: true)),
            #"{"type":7,"error":"Connection closed because of an error!","allowReconnect":true}"#
        ),
        (.ack(AckMessage(sequenceId: 1394)), #"{"type":8,"sequenceId":1394}"#),
        (.sequence(SequenceMessage(sequenceId: 1234)), #"{"type":9,"sequenceId":1234}"#),
    ]

    @Test("every message type encodes to the exact spec bytes and decodes back")
    func exactBytes() throws {
        for (message, text) in Self.examples {
            let encoded = try codec.encode(message)
            #expect(encoded == record(text), "\(String(decoding: encoded, as: UTF8.self))")
            #expect(try codec.decodeMessages(record(text)) == [message])
            #expect(try codec.decodeMessage(ArraySlice(utf8(text))) == message)
        }
    }

    @Test("the spec's pretty-printed examples decode")
    func specExamples() throws {
        let text = """
            {
                "type": 1,
                "headers": {
                    "Foo": "Bar"
                },
                "invocationId": "123",
                "target": "Send",
                "arguments": [
                    42,
                    "Test Message"
                ]
            }
            """
        let expected = HubMessage.invocation(
            InvocationMessage(headers: ["Foo": "Bar"], invocationId: "123", target: "Send", arguments: [42, "Test Message"])
        )
        #expect(try codec.decodeMessages(record(text)) == [expected])
    }

    @Test("headers are written in sorted key order")
    func headerOrder() throws {
        let message = HubMessage.cancelInvocation(CancelInvocationMessage(headers: ["b": "2", "a": "1", "c": "3"], invocationId: "x"))
        #expect(try codec.encode(message) == record(#"{"type":5,"headers":{"a":"1","b":"2","c":"3"},"invocationId":"x"}"#))
    }

    @Test("arguments of every kind round trip")
    func argumentRoundTrip() throws {
        let arguments: [HubValue] = [nil, true, -5, .uint(UInt64.max), 2.5, "é\n\"", .binary([1, 2, 3]), [1, [2]], ["k": ["n": nil]]]
        let message = HubMessage.invocation(InvocationMessage(invocationId: "1", target: "t", arguments: arguments))
        let decoded = try codec.decodeMessages(try codec.encode(message))
        // Binary travels as base64 text in JSON, as in ASP.NET Core.
        var expected = arguments
        expected[6] = "AQID"
        #expect(decoded == [.invocation(InvocationMessage(invocationId: "1", target: "t", arguments: expected))])
    }

    @Test("unknown properties are ignored and null optional fields mean absent")
    func lenientParts() throws {
        #expect(try codec.decodeMessages(record(#"{"type":6,"extra":[1,{"x":null}],"headers":null}"#)) == [.ping])
        let invocation = try codec.decodeMessages(record(#"{"type":1,"invocationId":null,"target":"t","arguments":[],"streamIds":null}"#))
        #expect(invocation == [.invocation(InvocationMessage(target: "t"))])
        #expect(try codec.decodeMessages(record(#"{"type":7,"error":null}"#)) == [.close(CloseMessage())])
        #expect(try codec.decodeMessages(record(#"{"sequenceId":5,"type":8}"#)) == [.ack(AckMessage(sequenceId: 5))])
    }

    @Test(
        "malformed messages are rejected with .invalidMessage",
        arguments: [
            "[]", "42", "\"x\"", "null", "{}", #"{"type":"1"}"#, #"{"type":1.0}"#, #"{"type":null}"#, #"{"type":1,"arguments":[]}"#,
            #"{"type":1,"target":"x"}"#, #"{"type":1,"target":5,"arguments":[]}"#, #"{"type":1,"target":"x","arguments":{}}"#,
            #"{"type":1,"target":"x","arguments":[],"invocationId":5}"#, #"{"type":1,"target":"x","arguments":[],"streamIds":[1]}"#,
            #"{"type":1,"target":"x","arguments":[],"streamIds":"1"}"#, #"{"type":1,"target":"x","arguments":[],"headers":{"a":1}}"#,
            #"{"type":1,"target":"x","arguments":[],"headers":[]}"#, #"{"type":4,"target":"x","arguments":[]}"#,
            #"{"type":4,"invocationId":null,"target":"x","arguments":[]}"#, #"{"type":2,"invocationId":"1"}"#, #"{"type":2,"item":1}"#,
            #"{"type":3}"#, #"{"type":3,"invocationId":"1","result":1,"error":"e"}"#, #"{"type":3,"invocationId":"1","error":5}"#,
            #"{"type":5}"#, #"{"type":5,"invocationId":["1"]}"#, #"{"type":7,"allowReconnect":"yes"}"#, #"{"type":7,"error":false}"#,
            #"{"type":8}"#, #"{"type":8,"sequenceId":"1"}"#, #"{"type":8,"sequenceId":-1}"#, #"{"type":9,"sequenceId":1.5}"#,
            #"{"type":9,"sequenceId":18446744073709551615}"#, #"{"type":6,"type":6}"#, #"{"type":1,"target":"a","target":"b","arguments":[]}"#,
        ]
    )
    func invalidMessages(_ text: String) {
        let error = capturedError { try codec.decodeMessages(record(text)) }
        #expect(error?.code == .invalidMessage, "\(text) gave \(String(describing: error))")
        #expect(error?.message.isEmpty == false)
    }

    @Test("unknown message types are rejected", arguments: [#"{"type":0}"#, #"{"type":10}"#, #"{"type":-1}"#, #"{"type":4294967297}"#])
    func unknownTypes(_ text: String) {
        let error = capturedError { try codec.decodeMessages(record(text)) }
        #expect(error?.code == .unknownMessageType)
    }

    @Test("clear messages name the problem")
    func messages() {
        let both = capturedError { try codec.decodeMessages(record(#"{"type":3,"invocationId":"1","result":1,"error":"e"}"#)) }
        #expect(both?.message == "A Completion message must not have both 'result' and 'error'")
        let missing = capturedError { try codec.decodeMessages(record(#"{"type":1,"arguments":[]}"#)) }
        #expect(missing?.message == "Missing required property 'target'")
        let wrong = capturedError { try codec.decodeMessages(record(#"{"type":1,"target":5,"arguments":[]}"#)) }
        #expect(wrong?.message == "Expected 'target' to be a string, found integer")
        let unknown = capturedError { try codec.decodeMessages(record(#"{"type":12}"#)) }
        #expect(unknown?.message == "Unknown message type 12; expected 1 to 9")
    }

    @Test("bad JSON and empty messages are rejected")
    func badJSON() {
        #expect(capturedError { try codec.decodeMessages(record(#"{"type":"#)) }?.code == .invalidJSON)
        #expect(capturedError { try codec.decodeMessages(record("{\"type\":6}x")) }?.code == .invalidJSON)
        let empty = capturedError { try codec.decodeMessages([0x1E]) }
        #expect(empty?.code == .invalidMessage)
        #expect(empty?.message.hasPrefix("Empty JSON message") == true, "\(String(describing: empty))")
        #expect(capturedError { try codec.decodeMessages(record(#"{"type":6}"#) + utf8(#"{"type":6"#)) }?.code == .invalidMessage)
    }

    @Test("NaN cannot be encoded as JSON")
    func unencodable() {
        let message = HubMessage.streamItem(StreamItemMessage(invocationId: "1", item: .double(.nan)))
        #expect(capturedError { try codec.encode(message) }?.code == .unsupportedValue)
    }

    @Test("name and transfer format")
    func identity() {
        #expect(codec.name == "json")
        #expect(codec.transferFormat == .text)
        #expect(HubProtocols.named("json")?.name == "json")
        #expect(HubProtocols.named("messagepack")?.transferFormat == .binary)
        #expect(HubProtocols.named("JSON") == nil)
    }
}
