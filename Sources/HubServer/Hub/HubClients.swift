/// The clients of one hub, to pick recipients from: SignalR's `IHubClients`.
public struct HubClients: Sendable {
    let sender: HubSender

    /// Every connection of the hub.
    public var all: ClientProxy { proxy(.all(excluding: [])) }

    /// Every connection except `connectionIDs`.
    public func allExcept(_ connectionIDs: [String]) -> ClientProxy { proxy(.all(excluding: connectionIDs)) }

    /// One connection.
    public func client(_ connectionID: String) -> ClientProxy { proxy(.connections([connectionID])) }

    /// Several connections.
    public func clients(_ connectionIDs: [String]) -> ClientProxy { proxy(.connections(connectionIDs)) }

    /// The members of a group.
    public func group(_ name: String) -> ClientProxy { proxy(.groups([name], excluding: [])) }

    /// The members of a group except `connectionIDs`.
    public func groupExcept(_ name: String, _ connectionIDs: [String]) -> ClientProxy {
        proxy(.groups([name], excluding: connectionIDs))
    }

    /// The members of several groups (a connection in two groups receives the message twice, as in SignalR).
    public func groups(_ names: [String]) -> ClientProxy { proxy(.groups(names, excluding: [])) }

    /// Every connection of a user.
    public func user(_ userID: String) -> ClientProxy { proxy(.users([userID])) }

    /// Every connection of several users.
    public func users(_ userIDs: [String]) -> ClientProxy { proxy(.users(userIDs)) }

    func proxy(_ target: ClientProxy.Target) -> ClientProxy { ClientProxy(target: target, sender: sender) }
}

/// The clients of a hub as seen by the caller of a method: SignalR's `IHubCallerClients`.
public struct HubCallerClients: Sendable {
    /// The caller's connection id.
    public let callerID: String
    /// Every recipient choice that does not depend on the caller.
    public let hub: HubClients

    /// The caller.
    public var caller: ClientProxy { hub.client(callerID) }

    /// Every connection of the hub except the caller.
    public var others: ClientProxy { hub.allExcept([callerID]) }

    /// The members of a group except the caller.
    public func othersInGroup(_ name: String) -> ClientProxy { hub.groupExcept(name, [callerID]) }

    /// Every connection of the hub.
    public var all: ClientProxy { hub.all }

    /// Every connection except `connectionIDs`.
    public func allExcept(_ connectionIDs: [String]) -> ClientProxy { hub.allExcept(connectionIDs) }

    /// One connection.
    public func client(_ connectionID: String) -> ClientProxy { hub.client(connectionID) }

    /// Several connections.
    public func clients(_ connectionIDs: [String]) -> ClientProxy { hub.clients(connectionIDs) }

    /// The members of a group.
    public func group(_ name: String) -> ClientProxy { hub.group(name) }

    /// The members of a group except `connectionIDs`.
    public func groupExcept(_ name: String, _ connectionIDs: [String]) -> ClientProxy { hub.groupExcept(name, connectionIDs) }

    /// The members of several groups.
    public func groups(_ names: [String]) -> ClientProxy { hub.groups(names) }

    /// Every connection of a user.
    public func user(_ userID: String) -> ClientProxy { hub.user(userID) }

    /// Every connection of several users.
    public func users(_ userIDs: [String]) -> ClientProxy { hub.users(userIDs) }
}
