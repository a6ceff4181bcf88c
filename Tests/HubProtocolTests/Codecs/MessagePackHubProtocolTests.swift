import Testing

@testable import HubProtocol

@Suite("MessagePack hub protocol")
struct MessagePackHubProtocolTests {
    let codec = MessagePackHubProtocol()

    /// Payloads from the spec's MessagePack section that this encoder also writes byte for byte.
    static let specExamples: [(HubMessage, String)] = [
        (
            .invocation(InvocationMessage(invocationId: "xyz", target: "method", arguments: [42])),
            "96 01 80 a3 78 79 7a a6 6d 65 74 68 6f 64 91 2a 90"
        ),
        (.invocation(InvocationMessage(target: "method", arguments: [42])), "96 01 80 c0 a6 6d 65 74 68 6f 64 91 2a 90"),
        (
            .streamInvocation(StreamInvocationMessage(invocationId: "xyz", target: "method", arguments: [42])),
            "96 04 80 a3 78 79 7a a6 6d 65 74 68 6f 64 91 2a 90"
        ),
        (.streamItem(StreamItemMessage(invocationId: "xyz", item: 42)), "94 02 80 a3 78 79 7a 2a"),
        (.completion(CompletionMessage(invocationId: "xyz", outcome: .error("Error"))), "95 03 80 a3 78 79 7a 01 a5 45 72 72 6f 72"),
        (.completion(CompletionMessage(invocationId: "xyz")), "94 03 80 a3 78 79 7a 02"),
        (.completion(CompletionMessage(invocationId: "xyz", outcome: .result(42))), "95 03 80 a3 78 79 7a 03 2a"),
        (.cancelInvocation(CancelInvocationMessage(invocationId: "xyz")), "93 05 80 a3 78 79 7a"),
        (.ping, "91 06"),
        (.close(CloseMessage(error: "xyz", allowReconnect: true)), "93 07 a3 78 79 7a c3"),
        (
            .invocation(InvocationMessage(headers: ["x": "y", "z": "z"], invocationId: "xyz", target: "method", arguments: [42])),
            "96 01 82 a1 78 a1 79 a1 7a a1 7a a3 78 79 7a a6 6d 65 74 68 6f 64 91 2a 90"
        ),
    ]

    @Test("spec payloads encode byte for byte, with the VarInt length in front, and decode back")
    func specBytes() throws {
        for (message, payload) in Self.specExamples {
            let body = hex(payload)
            let expected = [UInt8(body.count)] + body
            #expect(hexString(try codec.encode(message)) == hexString(expected))
            #expect(try codec.decodeMessages(expected) == [message])
            #expect(try codec.decodeMessage(ArraySlice(body)) == message)
        }
    }

    @Test("Ping is exactly 02 91 06 on the wire")
    func ping() throws {
        #expect(try codec.encode(.ping) == [0x02, 0x91, 0x06])
    }

    @Test("spec payloads written in other forms decode")
    func alternativeForms() throws {
        let cases: [(String, HubMessage)] = [
            ("92 07 a3 78 79 7a", .close(CloseMessage(error: "xyz"))),
            ("92 07 c0", .close(CloseMessage())),
            ("92 08 cc 24", .ack(AckMessage(sequenceId: 36))),
            ("92 09 cc 13", .sequence(SequenceMessage(sequenceId: 19))),
            ("95 01 80 c0 a1 6d 90", .invocation(InvocationMessage(target: "m"))),
            ("98 01 80 c0 a1 6d 90 90 c3 c0", .invocation(InvocationMessage(target: "m"))),
            ("96 01 80 c0 a1 6d 90 91 a1 31", .invocation(InvocationMessage(target: "m", streamIds: ["1"]))),
            ("92 06 c0", .ping),
        ]
        for (payload, message) in cases {
            #expect(try codec.decodeMessage(ArraySlice(hex(payload))) == message, "\(payload)")
        }
    }

    @Test("the messages this encoder writes differently from the spec examples")
    func ownForms() throws {
        #expect(hexString(try codec.encode(.close(CloseMessage(error: "xyz")))) == "07 93 07 a3 78 79 7a c2")
        #expect(hexString(try codec.encode(.close(CloseMessage()))) == "04 93 07 c0 c2")
        #expect(hexString(try codec.encode(.ack(AckMessage(sequenceId: 36)))) == "03 92 08 24")
        #expect(hexString(try codec.encode(.sequence(SequenceMessage(sequenceId: 300)))) == "05 92 09 cd 01 2c")
        #expect(hexString(try codec.encode(.completion(CompletionMessage(invocationId: "1", outcome: .result(nil))))) == "07 95 03 80 a1 31 03 c0")
    }

    @Test("every message type round trips, including long messages with 2-byte prefixes")
    func roundTrip() throws {
        let long = String(repeating: "é", count: 500)
        let messages: [HubMessage] = [
            .invocation(InvocationMessage(headers: ["a": "b"], invocationId: "1", target: long, arguments: [.binary([0, 255]), 1.25, [nil]])),
            .streamInvocation(StreamInvocationMessage(invocationId: "2", target: "s", arguments: [["k": .uint(UInt64.max)]], streamIds: ["a", "b"])),
            .streamItem(StreamItemMessage(headers: ["h": long], invocationId: "3", item: -40_000)),
            .completion(CompletionMessage(invocationId: "4", outcome: .error(long))),
            .cancelInvocation(CancelInvocationMessage(invocationId: "5")),
            .ping,
            .close(CloseMessage(error: nil, allowReconnect: true)),
            .ack(AckMessage(sequenceId: Int64.max)),
            .sequence(SequenceMessage(sequenceId: 1)),
        ]
        var stream: [UInt8] = []
        for message in messages {
            try codec.encode(message, into: &stream)
        }
        #expect(try codec.decodeMessages(stream) == messages)
    }

    @Test(
        "malformed messages are rejected with .invalidMessage",
        arguments: [
            "01", "90", "91 a1 31", "91 cb 3f f0 00 00 00 00 00 00", "94 01 80 c0 a1 6d", "96 01 90 c0 a1 6d 90 90",
            "96 01 81 a1 61 01 c0 a1 6d 90 90", "96 01 81 01 a1 61 c0 a1 6d 90 90", "96 01 80 01 a1 6d 90 90", "96 01 80 c0 01 90 90",
            "96 01 80 c0 a1 6d 80 90", "96 01 80 c0 a1 6d 90 91 01", "96 04 80 c0 a1 6d 90 90", "93 02 80 a1 31", "94 02 80 01 01",
            "93 03 80 a1 31", "94 03 80 a1 31 04", "94 03 80 a1 31 03", "94 03 80 a1 31 01", "95 03 80 a1 31 01 01", "94 03 80 a1 31 a1 31",
            "92 05 80", "93 05 80 c0", "91 07", "93 07 c0 01", "92 07 01", "91 08", "92 08 ff", "92 08 a1 31", "92 09 c0",
        ]
    )
    func invalidMessages(_ payload: String) {
        let error = capturedError { try codec.decodeMessage(ArraySlice(hex(payload))) }
        #expect(error?.code == .invalidMessage, "\(payload) gave \(String(describing: error))")
    }

    @Test("unknown message types are rejected", arguments: ["91 00", "91 0a", "91 ff", "91 cf 00 00 00 01 00 00 00 01"])
    func unknownTypes(_ payload: String) {
        #expect(capturedError { try codec.decodeMessage(ArraySlice(hex(payload))) }?.code == .unknownMessageType)
    }

    @Test("bad MessagePack inside a frame is rejected")
    func badMessagePack() {
        #expect(capturedError { try codec.decodeMessage(ArraySlice(hex("91 06 c0"))) }?.code == .invalidMessagePack)
        #expect(capturedError { try codec.decodeMessage(ArraySlice(hex("92 06"))) }?.code == .invalidMessagePack)
        #expect(capturedError { try codec.decodeMessage(ArraySlice(hex("92 01 d6 ff 00 00 00 00"))) }?.code == .unsupportedValue)
        #expect(capturedError { try codec.decodeMessage([]) }?.code == .invalidMessage)
        #expect(capturedError { try codec.decodeMessages(hex("00")) }?.code == .invalidMessage)
    }

    @Test("clear messages name the problem")
    func messages() {
        let short = capturedError { try codec.decodeMessage(ArraySlice(hex("94 01 80 c0 a1 6d"))) }
        #expect(short?.message == "A MessagePack Invocation message needs at least 5 items, found 4")
        let kind = capturedError { try codec.decodeMessage(ArraySlice(hex("94 03 80 a1 31 04"))) }
        #expect(kind?.message == "Invalid Completion result kind 4; expected 1 (error), 2 (void) or 3 (result)")
    }
}
