import Foundation
import HubMesh

/// What `GET /health` answers: the node, its hubs and connections, and the mesh as it sees it.
public struct HealthReport: Sendable, Codable, Hashable {
    /// One hub.
    public struct HubStatus: Sendable, Codable, Hashable {
        /// The hub's name.
        public var name: String
        /// Its open connections on this node.
        public var connections: Int
    }

    /// One mesh member as this node sees it.
    public struct MemberStatus: Sendable, Codable, Hashable {
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
    }

    /// What the mesh delivered, lost and repaired since the node started.
    public struct Delivery: Codable, Sendable, Hashable {
        /// Sequence gaps seen on received topics.
        public var gapsDetected: Int
        /// Messages missed and then replayed by their origin.
        public var messagesRepaired: Int
        /// Messages lost for good (also logged with origin, topic and range).
        public var messagesLost: Int
        /// Times a stalled subscriber made this node's fan-out lossy for a while.
        public var stalls: Int
        /// Mesh frames that could not be decoded.
        public var decodeErrors: Int
    }

    /// `ok`, `degraded` (a peer is dead), `isolated` (every peer is dead: the node lost the mesh) or
    /// `starting` (the mesh join is not done yet).
    public var status: String
    /// This node's id.
    public var node: String
    /// The HTTP port.
    public var port: Int
    /// The hubs served.
    public var hubs: [HubStatus]
    /// Open connections over all hubs.
    public var connections: Int
    /// The mesh ROUTER endpoint, if meshed.
    public var meshEndpoint: String?
    /// Whether the mesh join completed (true without a mesh).
    public var joined: Bool
    /// The other members, sorted by id.
    public var members: [MemberStatus]
    /// Loss and repair counters of the mesh (absent without a mesh).
    public var delivery: Delivery?

    /// The HTTP status to answer with: 503 while starting and when the node lost the mesh, else 200.
    public var httpStatus: Int { status == "starting" || status == "isolated" ? 503 : 200 }

    /// The report as JSON (sorted keys).
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8))
    }

    static func role(_ role: MemberInfo.Role) -> String {
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
