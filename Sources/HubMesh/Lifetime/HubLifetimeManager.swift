/// The API a hub server calls to track connections and send messages, mirroring SignalR's
/// `HubLifetimeManager<THub>`. One instance serves one hub.
///
/// Messages are ``Payloads``: the invocation serialized once per hub protocol; each recipient gets
/// the bytes of its own protocol.
public protocol HubLifetimeManager: Sendable {
    /// The hub served.
    var hub: String { get }
    /// A connection finished its handshake. Returns once messages for it (all, its user, its id) can
    /// reach it from anywhere in the mesh.
    func onConnected(_ connection: any HubConnection) async
    /// A connection closed: it leaves its groups.
    func onDisconnected(_ connectionID: String) async
    /// Sends to every connection of the hub except `excluded` (SignalR's SendAll / SendAllExcept).
    func sendAll(_ payloads: Payloads, excluding excluded: [String]) async throws
    /// Sends to one connection (SendConnection). A connection that exists nowhere is ignored.
    func sendConnection(_ connectionID: String, _ payloads: Payloads) async throws
    /// Sends to the members of a group except `excluded` (SendGroup / SendGroupExcept).
    func sendGroup(_ group: String, _ payloads: Payloads, excluding excluded: [String]) async throws
    /// Sends to every connection of a user (SendUser).
    func sendUser(_ userID: String, _ payloads: Payloads) async throws
    /// Adds a connection, local or remote, to a group. Returns once group messages reach it.
    func addToGroup(connectionID: String, group: String) async throws
    /// Removes a connection, local or remote, from a group.
    func removeFromGroup(connectionID: String, group: String) async throws
}

extension HubLifetimeManager {
    /// Sends to every connection of the hub.
    public func sendAll(_ payloads: Payloads) async throws { try await sendAll(payloads, excluding: []) }
    /// Sends to the members of a group.
    public func sendGroup(_ group: String, _ payloads: Payloads) async throws { try await sendGroup(group, payloads, excluding: []) }
    /// Sends to several connections (SendConnections).
    public func sendConnections(_ connectionIDs: [String], _ payloads: Payloads) async throws {
        for id in connectionIDs { try await sendConnection(id, payloads) }
    }
    /// Sends to several groups (SendGroups); a connection in two groups receives the message twice, as in SignalR.
    public func sendGroups(_ groups: [String], _ payloads: Payloads) async throws {
        for group in groups { try await sendGroup(group, payloads, excluding: []) }
    }
    /// Sends to several users (SendUsers).
    public func sendUsers(_ userIDs: [String], _ payloads: Payloads) async throws {
        for user in userIDs { try await sendUser(user, payloads) }
    }
}
