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

    /// One mesh member as this node sees it (shared with the gateway's health).
    public typealias MemberStatus = MeshHealth.Member

    /// What the mesh delivered, lost and repaired since the node started (shared with the gateway's health).
    public typealias Delivery = MeshHealth.Delivery

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
    public var httpStatus: Int { MeshHealth.Status(rawValue: status)?.httpStatus ?? 200 }

    /// The report as JSON (sorted keys).
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8))
    }
}
