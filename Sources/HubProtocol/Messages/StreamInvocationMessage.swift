/// Type 4: the caller asks the callee to run the streaming method `target`; results arrive as
/// `StreamItem` messages followed by a `Completion`.
public struct StreamInvocationMessage: Sendable, Hashable {
    /// Optional string headers; no header is defined by the protocol.
    public var headers: [String: String]
    /// The id of the stream (required).
    public var invocationId: String
    /// The name of the method to run (case-sensitive).
    public var target: String
    /// The method's arguments.
    public var arguments: [HubValue]
    /// Ids of the upload streams the caller will send with `StreamItem` messages.
    public var streamIds: [String]

    /// Creates a stream invocation.
    public init(
        headers: [String: String] = [:],
        invocationId: String,
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
