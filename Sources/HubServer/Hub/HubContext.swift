import HubMesh
import HubProtocol
import Logging

/// What a hub method or hook knows about its call: the caller, and the means to reach clients.
public struct HubContext: Sendable {
    /// The hub's name.
    public let hub: String
    /// The caller's connection id (it names the node that holds the connection).
    public let connectionID: String
    /// The authenticated user, if the client presented a valid token.
    public let user: HubUser?
    /// Recipients to send to: the caller, others, groups, users, ...
    public let clients: HubCallerClients
    /// Group membership changes.
    public let groups: HubGroups
    /// A logger with the connection's metadata.
    public let logger: Logger

    /// Creates a context; the server makes one per connection.
    public init(
        hub: String,
        connectionID: String,
        user: HubUser?,
        lifetime: any HubLifetimeManager,
        protocols: [any HubProtocolCodec] = HubProtocols.all,
        logger: Logger
    ) {
        self.hub = hub
        self.connectionID = connectionID
        self.user = user
        let sender = HubSender(lifetime: lifetime, protocols: protocols)
        self.clients = HubCallerClients(callerID: connectionID, hub: HubClients(sender: sender))
        self.groups = HubGroups(lifetime: lifetime)
        self.logger = logger
    }

    /// The user id (the token's `sub`), if authenticated.
    public var userID: String? { user?.id }

    /// The token's claims; empty for anonymous clients.
    public var claims: [String: HubValue] { user?.claims ?? [:] }
}
