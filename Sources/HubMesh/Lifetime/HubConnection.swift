/// A client connection held by this process, as the lifetime managers see it.
public protocol HubConnection: AnyObject, Sendable {
    /// The connection id; for mesh nodes it starts with the member id (see ``ConnectionID``).
    var connectionID: String { get }
    /// The authenticated user, if any.
    var userID: String? { get }
    /// The hub protocol the client speaks (`json`, `messagepack`): picks the payload it receives.
    var protocolName: String { get }
    /// Queues framed bytes for the client. Called from the mesh I/O thread: must not block.
    func write(_ bytes: [UInt8])
    /// Queues a message shared with other recipients (a fan-out). Called from the mesh I/O thread:
    /// must not block. The default writes `message.bytes`.
    func write(_ message: SharedMessage)
}

extension HubConnection {
    public func write(_ message: SharedMessage) { write(message.bytes) }
}
