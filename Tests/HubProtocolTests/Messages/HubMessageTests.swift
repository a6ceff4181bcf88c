import Testing

@testable import HubProtocol

@Suite("HubMessage")
struct HubMessageTests {
    @Test("message types carry the spec's numbers and names")
    func types() {
        #expect(HubMessageType.allCases.map(\.rawValue) == Array(1...9))
        let names = HubMessageType.allCases.map(\.displayName)
        #expect(
            names == ["Invocation", "StreamItem", "Completion", "StreamInvocation", "CancelInvocation", "Ping", "Close", "Ack", "Sequence"]
        )
    }

    @Test("each message reports its type")
    func messageType() {
        let messages: [HubMessage] = [
            .invocation(InvocationMessage(target: "t")),
            .streamItem(StreamItemMessage(invocationId: "1", item: nil)),
            .completion(CompletionMessage(invocationId: "1")),
            .streamInvocation(StreamInvocationMessage(invocationId: "1", target: "t")),
            .cancelInvocation(CancelInvocationMessage(invocationId: "1")),
            .ping,
            .close(CloseMessage()),
            .ack(AckMessage(sequenceId: 1)),
            .sequence(SequenceMessage(sequenceId: 1)),
        ]
        #expect(messages.map(\.type) == HubMessageType.allCases)
    }

    @Test("defaults: no headers, non-blocking, no streams, void completion, plain close")
    func defaults() {
        let invocation = InvocationMessage(target: "t")
        #expect(invocation.headers.isEmpty && invocation.invocationId == nil && invocation.arguments.isEmpty && invocation.streamIds.isEmpty)
        #expect(CompletionMessage(invocationId: "1").outcome == .void)
        #expect(CloseMessage() == CloseMessage(error: nil, allowReconnect: false))
    }
}
