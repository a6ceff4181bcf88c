/// A hub message sent to every connection of a hub, minus exclusions.
public struct AllMessage: Sendable, Equatable {
    public var hub: String
    public var excluded: [String]
    public var payloads: Payloads
    public init(hub: String, excluded: [String] = [], payloads: Payloads) {
        self.hub = hub
        self.excluded = excluded
        self.payloads = payloads
    }
}

/// A hub message for one connection (routed to the member that owns it).
public struct ConnectionMessage: Sendable, Equatable {
    public var hub: String
    public var connectionID: String
    public var payloads: Payloads
    public init(hub: String, connectionID: String, payloads: Payloads) {
        self.hub = hub
        self.connectionID = connectionID
        self.payloads = payloads
    }
}

/// A hub message for the members of a group, minus exclusions.
public struct GroupMessage: Sendable, Equatable {
    public var hub: String
    public var group: String
    public var excluded: [String]
    public var payloads: Payloads
    public init(hub: String, group: String, excluded: [String] = [], payloads: Payloads) {
        self.hub = hub
        self.group = group
        self.excluded = excluded
        self.payloads = payloads
    }
}

/// A hub message for every connection of one user.
public struct UserMessage: Sendable, Equatable {
    public var hub: String
    public var userID: String
    public var payloads: Payloads
    public init(hub: String, userID: String, payloads: Payloads) {
        self.hub = hub
        self.userID = userID
        self.payloads = payloads
    }
}

/// Add or remove.
public enum GroupAction: UInt8, Sendable, Equatable {
    case add = 1
    case remove = 2
}

/// An internal request to the member owning `connectionID` to add it to or remove it from a group.
/// Travels only between members, answered by an ``Ack``.
public struct GroupManagement: Sendable, Equatable {
    public var hub: String
    public var action: GroupAction
    public var group: String
    public var connectionID: String
    /// Matches the ``Ack``; unique per requesting member and epoch.
    public var ackID: UInt64
    public init(hub: String, action: GroupAction, group: String, connectionID: String, ackID: UInt64) {
        self.hub = hub
        self.action = action
        self.group = group
        self.connectionID = connectionID
        self.ackID = ackID
    }
}

/// The answer to a ``GroupManagement`` request: done, or refused with a code and a reason.
public struct Ack: Sendable, Equatable {
    public var hub: String
    public var ackID: UInt64
    /// `nil` when the request succeeded.
    public var error: HubMeshError?
    public init(hub: String, ackID: UInt64, error: HubMeshError? = nil) {
        self.hub = hub
        self.ackID = ackID
        self.error = error
    }
}

/// The five hub message kinds and acks.
public enum HubEnvelope: Sendable, Equatable {
    case all(AllMessage)
    case connection(ConnectionMessage)
    case group(GroupMessage)
    case user(UserMessage)
    case groupManagement(GroupManagement)
    case ack(Ack)

    /// Whether this is a *flush*: an `all`, `connection`, `group` or `user` envelope without
    /// payloads. It carries nothing to deliver; its sequence number lets receivers see a gap at the
    /// end of a stream (docs/mesh-protocol.md §5).
    public var isFlush: Bool {
        switch self {
        case .all(let m): return m.payloads.entries.isEmpty
        case .connection(let m): return m.payloads.entries.isEmpty
        case .group(let m): return m.payloads.entries.isEmpty
        case .user(let m): return m.payloads.entries.isEmpty
        case .groupManagement, .ack: return false
        }
    }

    /// The hub the envelope belongs to.
    public var hub: String {
        switch self {
        case .all(let m): return m.hub
        case .connection(let m): return m.hub
        case .group(let m): return m.hub
        case .user(let m): return m.hub
        case .groupManagement(let m): return m.hub
        case .ack(let m): return m.hub
        }
    }
}
