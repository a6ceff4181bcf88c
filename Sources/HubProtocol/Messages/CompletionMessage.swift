/// Type 3: the invocation or stream `invocationId` has ended, with a result, an error or neither.
public struct CompletionMessage: Sendable, Hashable {
    /// How an invocation ended. The protocol forbids a result and an error together, so this is an enum.
    public enum Outcome: Sendable, Hashable {
        /// No result: a `void` method, or the end of a stream (MessagePack result kind 2).
        case void
        /// A result, which may be ``HubValue/null`` (MessagePack result kind 3).
        case result(HubValue)
        /// An error message (MessagePack result kind 1).
        case error(String)
    }

    /// Optional string headers; no header is defined by the protocol.
    public var headers: [String: String]
    /// The invocation or stream that ended.
    public var invocationId: String
    /// The result, the error, or neither.
    public var outcome: Outcome

    /// Creates a completion.
    public init(headers: [String: String] = [:], invocationId: String, outcome: Outcome = .void) {
        self.headers = headers
        self.invocationId = invocationId
        self.outcome = outcome
    }
}
