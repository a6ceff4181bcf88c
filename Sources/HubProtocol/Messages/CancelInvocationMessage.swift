/// Type 5: the caller asks the callee to cancel the invocation or stream `invocationId`.
public struct CancelInvocationMessage: Sendable, Hashable {
    /// Optional string headers; no header is defined by the protocol.
    public var headers: [String: String]
    /// The invocation or stream to cancel.
    public var invocationId: String

    /// Creates a cancellation.
    public init(headers: [String: String] = [:], invocationId: String) {
        self.headers = headers
        self.invocationId = invocationId
    }
}
