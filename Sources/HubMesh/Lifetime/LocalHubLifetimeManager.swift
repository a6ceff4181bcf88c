import Logging

/// A ``HubLifetimeManager`` for a single process: no mesh, everything delivered locally.
public struct LocalHubLifetimeManager: HubLifetimeManager {
    /// The local state.
    public let local: LocalHub
    public var hub: String { local.hub }

    /// Creates a manager for `hub`.
    public init(hub: String, logger: Logger = Logger(label: "hubmesh.hub")) {
        local = LocalHub(hub: hub, logger: logger)
    }

    public func onConnected(_ connection: any HubConnection) async { local.add(connection) }
    public func onDisconnected(_ connectionID: String) async { _ = local.remove(connectionID) }
    public func sendAll(_ payloads: Payloads, excluding excluded: [String]) async throws { local.deliverAll(payloads, excluding: excluded) }
    public func sendConnection(_ connectionID: String, _ payloads: Payloads) async throws { local.deliverConnection(connectionID, payloads) }
    public func sendGroup(_ group: String, _ payloads: Payloads, excluding excluded: [String]) async throws {
        local.deliverGroup(group, payloads, excluding: excluded)
    }
    public func sendUser(_ userID: String, _ payloads: Payloads) async throws { local.deliverUser(userID, payloads) }

    public func addToGroup(connectionID: String, group: String) async throws {
        guard local.addToGroup(connectionID, group) != nil else { throw Self.unknown(connectionID) }
    }

    public func removeFromGroup(connectionID: String, group: String) async throws {
        guard local.removeFromGroup(connectionID, group) != nil else { throw Self.unknown(connectionID) }
    }

    static func unknown(_ connectionID: String) -> HubMeshError {
        HubMeshError(code: .unknownConnection, message: "no connection '\(connectionID)' on this server")
    }
}
