/// Type 7: the sender is closing the connection, optionally because of an error.
public struct CloseMessage: Sendable, Hashable {
    /// Why the connection closes; nil for a normal close.
    public var error: String?
    /// Whether a client with automatic reconnect should reconnect.
    public var allowReconnect: Bool

    /// Creates a close message.
    public init(error: String? = nil, allowReconnect: Bool = false) {
        self.error = error
        self.allowReconnect = allowReconnect
    }
}
