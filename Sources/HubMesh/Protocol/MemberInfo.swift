/// What members tell each other about a member.
public struct MemberInfo: Sendable, Equatable, Hashable {
    /// The kind of member.
    public enum Role: UInt8, Sendable, Hashable {
        /// A hub node with client connections.
        case node = 1
        /// A gateway: publishes, has no connections.
        case gateway = 2
        /// A bare mesh member (tools, tests).
        case member = 3
    }

    /// The member id; connection ids start with it.
    public var id: String
    /// Changes at every start, so a restart is told apart from the same run.
    public var epoch: UInt64
    /// What the member is.
    public var role: Role
    /// Where its PUB socket listens.
    public var publishEndpoint: String
    /// Where its ROUTER socket listens (the endpoint others `--join`).
    public var routerEndpoint: String

    /// Creates member info.
    public init(id: String, epoch: UInt64, role: Role, publishEndpoint: String, routerEndpoint: String) {
        self.id = id
        self.epoch = epoch
        self.role = role
        self.publishEndpoint = publishEndpoint
        self.routerEndpoint = routerEndpoint
    }
}
