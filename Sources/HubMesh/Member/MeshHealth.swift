/// The mesh as one member sees it: the part of `GET /health` that hub nodes and gateways share.
///
/// Built from a ``MeshSnapshot``: the peers with their state, whether the join completed, the
/// loss and repair counters, and a status that says whether this member still has the mesh.
public struct MeshHealth: Sendable, Codable, Hashable {
    /// Whether this member has the mesh.
    public enum Status: String, Sendable, Codable, Hashable {
        /// Joined, and every peer is alive (or there are none).
        case ok
        /// Joined; at least one peer is dead, at least one alive.
        case degraded
        /// Joined, but every peer is dead: this member lost the mesh.
        case isolated
        /// The start-up join is not done yet.
        case starting

        /// The HTTP status for it: 503 while starting and when isolated, else 200.
        public var httpStatus: Int {
            switch self {
            case .ok, .degraded: return 200
            case .isolated, .starting: return 503
            }
        }
    }

    /// One peer as this member sees it.
    public struct Member: Sendable, Codable, Hashable {
        /// The member id.
        public var id: String
        /// `node`, `gateway` or `member`.
        public var role: String
        /// `alive` or `dead`.
        public var state: String
        /// Its ROUTER endpoint.
        public var endpoint: String
        /// Milliseconds since it was last heard from.
        public var silentForMs: Int

        /// Creates a member entry.
        public init(id: String, role: String, state: String, endpoint: String, silentForMs: Int) {
            self.id = id
            self.role = role
            self.state = state
            self.endpoint = endpoint
            self.silentForMs = silentForMs
        }
    }

    /// What the mesh delivered, lost and repaired since this member started.
    public struct Delivery: Sendable, Codable, Hashable {
        /// Sequence gaps seen on received topics.
        public var gapsDetected: Int
        /// Messages missed and then replayed by their origin.
        public var messagesRepaired: Int
        /// Messages lost for good (also logged with origin, topic and range).
        public var messagesLost: Int
        /// Times a stalled subscriber made this member's fan-out lossy for a while.
        public var stalls: Int
        /// Mesh frames that could not be decoded.
        public var decodeErrors: Int

        /// Creates the counters.
        public init(gapsDetected: Int, messagesRepaired: Int, messagesLost: Int, stalls: Int, decodeErrors: Int) {
            self.gapsDetected = gapsDetected
            self.messagesRepaired = messagesRepaired
            self.messagesLost = messagesLost
            self.stalls = stalls
            self.decodeErrors = decodeErrors
        }
    }

    /// Whether this member has the mesh.
    public var status: Status
    /// Whether the start-up join completed.
    public var joined: Bool
    /// The peers, sorted by id.
    public var members: [Member]
    /// Loss and repair counters.
    public var delivery: Delivery

    /// The health as of `snapshot`.
    public init(snapshot: MeshSnapshot) {
        joined = snapshot.joined
        members = snapshot.peers.map { peer in
            Member(
                id: peer.info.id,
                role: Self.role(peer.info.role),
                state: peer.alive ? "alive" : "dead",
                endpoint: peer.info.routerEndpoint,
                silentForMs: Self.milliseconds(peer.silentFor)
            )
        }
        .sorted { $0.id < $1.id }
        let counters = snapshot.counters
        delivery = Delivery(
            gapsDetected: counters.gapsDetected,
            messagesRepaired: counters.messagesRepaired,
            messagesLost: counters.messagesLost,
            stalls: counters.stalls,
            decodeErrors: counters.decodeErrors
        )
        let dead = members.filter { $0.state == "dead" }.count
        if !snapshot.joined {
            status = .starting
        } else if dead > 0 && dead == members.count {
            status = .isolated
        } else if dead > 0 {
            status = .degraded
        } else {
            status = .ok
        }
    }

    /// The name of a role as health reports spell it.
    public static func role(_ role: MemberInfo.Role) -> String {
        switch role {
        case .node: return "node"
        case .gateway: return "gateway"
        case .member: return "member"
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
