/// Type 2: one item of the stream `invocationId`.
public struct StreamItemMessage: Sendable, Hashable {
    /// Optional string headers; no header is defined by the protocol.
    public var headers: [String: String]
    /// The stream the item belongs to.
    public var invocationId: String
    /// The item.
    public var item: HubValue

    /// Creates a stream item.
    public init(headers: [String: String] = [:], invocationId: String, item: HubValue) {
        self.headers = headers
        self.invocationId = invocationId
        self.item = item
    }
}
