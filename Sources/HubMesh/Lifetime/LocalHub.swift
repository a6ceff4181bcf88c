import Logging
import Synchronization

/// The connections, groups and users of one hub in this process, and delivery to them.
/// Thread-safe; delivery never blocks (connections queue their writes).
public final class LocalHub: Sendable {
    struct State: ~Copyable {
        var connections: [String: any HubConnection] = [:]
        var groups: [String: Set<String>] = [:]
        var connectionGroups: [String: Set<String>] = [:]
        var users: [String: Set<String>] = [:]
        /// The connections of each group that has had a message since it last changed: a fan-out
        /// takes this array instead of looking every member up. Dropped whenever the group changes.
        var groupRecipients: [String: [any HubConnection]] = [:]
    }

    /// The hub.
    public let hub: String
    let state = Mutex(State())
    let logger: Logger
    private let missingProtocol = Atomic<Int>(0)

    /// Creates an empty hub.
    public init(hub: String, logger: Logger) {
        self.hub = hub
        self.logger = logger
    }

    /// Adds a connection.
    func add(_ connection: any HubConnection) {
        state.withLock { state in
            // An id added again replaces its connection, in the groups it was in too.
            if state.connections.updateValue(connection, forKey: connection.connectionID) != nil {
                for group in state.connectionGroups[connection.connectionID] ?? [] { state.groupRecipients[group] = nil }
            }
            if let user = connection.userID { state.users[user, default: []].insert(connection.connectionID) }
        }
    }

    /// Removes a connection. Returns it and the groups it was in, or `nil` if unknown.
    func remove(_ connectionID: String) -> (connection: any HubConnection, groups: Set<String>)? {
        state.withLock { state in
            guard let connection = state.connections.removeValue(forKey: connectionID) else { return nil }
            let groups = state.connectionGroups.removeValue(forKey: connectionID) ?? []
            for group in groups {
                state.groupRecipients[group] = nil
                state.groups[group]?.remove(connectionID)
                if state.groups[group]?.isEmpty == true { state.groups[group] = nil }
            }
            if let user = connection.userID {
                state.users[user]?.remove(connectionID)
                if state.users[user]?.isEmpty == true { state.users[user] = nil }
            }
            return (connection, groups)
        }
    }

    /// Adds a local connection to a group.
    /// - Returns: `true` if it was added, `false` if it was already in; `nil` if there is no such connection.
    func addToGroup(_ connectionID: String, _ group: String) -> Bool? {
        state.withLock { state in
            guard state.connections[connectionID] != nil else { return nil }
            guard state.connectionGroups[connectionID, default: []].insert(group).inserted else { return false }
            state.groupRecipients[group] = nil
            state.groups[group, default: []].insert(connectionID)
            return true
        }
    }

    /// Removes a local connection from a group.
    /// - Returns: `true` if it was removed, `false` if it was not in; `nil` if there is no such connection.
    func removeFromGroup(_ connectionID: String, _ group: String) -> Bool? {
        state.withLock { state in
            guard state.connections[connectionID] != nil else { return nil }
            guard state.connectionGroups[connectionID]?.remove(group) != nil else { return false }
            state.groupRecipients[group] = nil
            state.groups[group]?.remove(connectionID)
            if state.groups[group]?.isEmpty == true { state.groups[group] = nil }
            return true
        }
    }

    /// Whether a connection is here.
    public func contains(_ connectionID: String) -> Bool { state.withLock { $0.connections[connectionID] != nil } }

    /// How many connections are here.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// How many groups have local members.
    public var groupCount: Int { state.withLock { $0.groups.count } }

    // MARK: - Delivery

    /// Delivers a hub envelope received from the mesh to the local recipients.
    public func deliver(_ envelope: HubEnvelope) {
        switch envelope {
        case .all(let m): deliverAll(m.payloads, excluding: m.excluded)
        case .connection(let m): deliverConnection(m.connectionID, m.payloads)
        case .group(let m): deliverGroup(m.group, m.payloads, excluding: m.excluded)
        case .user(let m): deliverUser(m.userID, m.payloads)
        case .groupManagement, .ack: break
        }
    }

    func deliverAll(_ payloads: Payloads, excluding excluded: [String]) {
        let targets = state.withLock { state in
            excluded.isEmpty ? Array(state.connections.values) : state.connections.filter { !excluded.contains($0.key) }.map(\.value)
        }
        write(payloads, to: targets)
    }

    func deliverConnection(_ connectionID: String, _ payloads: Payloads) {
        guard let connection = state.withLock({ $0.connections[connectionID] }) else { return }
        write(payloads, to: [connection])
    }

    func deliverGroup(_ group: String, _ payloads: Payloads, excluding excluded: [String]) {
        let targets = state.withLock { state -> [any HubConnection] in
            let all: [any HubConnection]
            if let cached = state.groupRecipients[group] {
                all = cached
            } else {
                guard let members = state.groups[group] else { return [] }
                all = members.compactMap { state.connections[$0] }
                state.groupRecipients[group] = all
            }
            return excluded.isEmpty ? all : all.filter { !excluded.contains($0.connectionID) }
        }
        write(payloads, to: targets)
    }

    func deliverUser(_ userID: String, _ payloads: Payloads) {
        let targets = state.withLock { state -> [any HubConnection] in
            (state.users[userID] ?? []).compactMap { state.connections[$0] }
        }
        write(payloads, to: targets)
    }

    func write(_ payloads: Payloads, to connections: [any HubConnection]) {
        // One shared message per protocol, so transports encode each payload once for all recipients.
        var shared: [(name: String, message: SharedMessage)] = []
        shared.reserveCapacity(payloads.entries.count)
        for connection in connections {
            let name = connection.protocolName
            if let message = shared.first(where: { $0.name == name })?.message {
                connection.write(message)
            } else if let bytes = payloads[name] {
                let message = SharedMessage(bytes)
                shared.append((name, message))
                connection.write(message)
            } else {
                missingProtocol.add(1, ordering: .relaxed)
                logger.warning(
                    "message has no payload for the connection's protocol; not delivered",
                    metadata: ["hubmesh.connection.id": "\(connection.connectionID)", "hubmesh.protocol": "\(name)"]
                )
            }
        }
    }
}
