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
}
