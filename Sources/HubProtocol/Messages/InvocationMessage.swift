/// Type 1: the caller asks the callee to run method `target` with `arguments`.
///
/// Without an `invocationId` the invocation is non-blocking and the callee must not answer it.
public struct InvocationMessage: Sendable, Hashable {
    /// Optional string headers; no header is defined by the protocol.
    public var headers: [String: String]
    /// The id the caller expects in the `Completion`, or nil for a non-blocking invocation.
    public var invocationId: String?
    /// The name of the method to run (case-sensitive).
    public var target: String
    /// The method's arguments.
    public var arguments: [HubValue]
    /// Ids of the upload streams the caller will send with `StreamItem` messages.
    public var streamIds: [String]

    /// Creates an invocation.
    public init(
        headers: [String: String] = [:],
        invocationId: String? = nil,
        target: String,
        arguments: [HubValue] = [],
        streamIds: [String] = []
    ) {
        self.headers = headers
        self.invocationId = invocationId
        self.target = target
        self.arguments = arguments
        self.streamIds = streamIds
    }
}
