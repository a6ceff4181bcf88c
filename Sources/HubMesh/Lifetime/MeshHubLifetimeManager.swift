import Logging

/// A ``HubLifetimeManager`` that scales out over the mesh.
///
/// Local recipients are served directly (no network hop); every send is also published once, on
/// its topic, for the other members. Group changes for connections of other members go straight to
/// the owner, which acks or refuses.
public struct MeshHubLifetimeManager: HubLifetimeManager {
    /// The local state.
    public let local: LocalHub
    /// The member this hub publishes through.
    public let member: MeshMember
    public var hub: String { local.hub }

    /// Creates the manager and registers the hub with the member.
    public init(hub: String, member: MeshMember, logger: Logger = Logger(label: "hubmesh.hub")) {
        let local = LocalHub(hub: hub, logger: logger)
        self.local = local
        self.member = member
        member.register(hub: hub, deliver: { local.deliver($0.envelope) }) { request in
            await Self.handle(request, local: local, member: member)
        }
    }

    static func handle(_ request: GroupManagement, local: LocalHub, member: MeshMember) async -> HubMeshError? {
        do {
            try await changeLocal(request.action, request.connectionID, request.group, local: local, member: member)
            return nil
        } catch let error as HubMeshError {
            return error
        } catch {
            return HubMeshError(code: .refused, message: "\(error)")
        }
    }

    static func changeLocal(_ action: GroupAction, _ connectionID: String, _ group: String, local: LocalHub, member: MeshMember) async throws {
        let topic = Topic.group(hub: local.hub, group: group)
        switch action {
        case .add:
            guard let added = local.addToGroup(connectionID, group) else { throw LocalHubLifetimeManager.unknown(connectionID) }
            if added { await member.subscribe(topic) }
        case .remove:
            guard let removed = local.removeFromGroup(connectionID, group) else { throw LocalHubLifetimeManager.unknown(connectionID) }
            if removed { member.unsubscribe(topic) }
        }
    }

    public func onConnected(_ connection: any HubConnection) async {
        local.add(connection)
        await member.subscribe(.all(hub: hub))
        await member.subscribe(.node(hub: hub, member: member.id))
        if let user = connection.userID { await member.subscribe(.user(hub: hub, user: user)) }
    }

    public func onDisconnected(_ connectionID: String) async {
        guard let (connection, groups) = local.remove(connectionID) else { return }
        for group in groups { member.unsubscribe(.group(hub: hub, group: group)) }
        if let user = connection.userID { member.unsubscribe(.user(hub: hub, user: user)) }
        member.unsubscribe(.node(hub: hub, member: member.id))
        member.unsubscribe(.all(hub: hub))
    }

    public func sendAll(_ payloads: Payloads, excluding excluded: [String]) async throws {
        local.deliverAll(payloads, excluding: excluded)
        try await member.publish(.all(AllMessage(hub: hub, excluded: excluded, payloads: payloads)))
    }

    public func sendConnection(_ connectionID: String, _ payloads: Payloads) async throws {
        if ConnectionID.owner(of: connectionID) == member.id {
            local.deliverConnection(connectionID, payloads)
        } else {
            guard ConnectionID.owner(of: connectionID) != nil else { return }  // exists nowhere, as in SignalR: ignored
            try await member.publish(.connection(ConnectionMessage(hub: hub, connectionID: connectionID, payloads: payloads)))
        }
    }

    public func sendGroup(_ group: String, _ payloads: Payloads, excluding excluded: [String]) async throws {
        local.deliverGroup(group, payloads, excluding: excluded)
        try await member.publish(.group(GroupMessage(hub: hub, group: group, excluded: excluded, payloads: payloads)))
    }

    public func sendUser(_ userID: String, _ payloads: Payloads) async throws {
        local.deliverUser(userID, payloads)
        try await member.publish(.user(UserMessage(hub: hub, userID: userID, payloads: payloads)))
    }

    public func addToGroup(connectionID: String, group: String) async throws {
        try await change(.add, connectionID, group)
    }

    public func removeFromGroup(connectionID: String, group: String) async throws {
        try await change(.remove, connectionID, group)
    }

    func change(_ action: GroupAction, _ connectionID: String, _ group: String) async throws {
        guard !group.isEmpty, !group.utf8.contains(0) else {
            throw HubMeshError(code: .invalidName, message: "group names must be non-empty and contain no NUL byte")
        }
        if ConnectionID.owner(of: connectionID) == member.id {
            try await Self.changeLocal(action, connectionID, group, local: local, member: member)
        } else {
            try await member.requestGroupChange(hub: hub, action: action, group: group, connectionID: connectionID)
        }
    }
}
