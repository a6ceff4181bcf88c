import Foundation
import HubMesh

/// What a gateway's `GET /health` answers: its state and the mesh as its member sees it.
///
/// `status` is the mesh's (``MeshHealth/Status``: `ok`, `degraded`, `isolated`, `starting`) or
/// `stopping` during a graceful shutdown. The HTTP status is 200 for `ok` and `degraded`, else 503:
/// a gateway that is starting, stopping or has lost every peer cannot deliver what it accepts.
public struct GatewayHealth: Sendable, Codable, Hashable {
    /// `ok`, `degraded`, `isolated`, `starting` or `stopping`.
    public var status: String
    /// The gateway's member id.
    public var member: String
    /// The ingress ROUTER endpoint as bound, if any.
    public var ingress: String?
    /// The gateway's mesh ROUTER endpoint.
    public var meshEndpoint: String
    /// Whether the mesh join completed.
    public var joined: Bool
    /// The other members, sorted by id.
    public var members: [MeshHealth.Member]
    /// Loss and repair counters of the gateway's mesh member.
    public var delivery: MeshHealth.Delivery

    init(state: GatewayState, member: MeshMember, ingress: String?) {
        let mesh = MeshHealth(snapshot: member.snapshot)
        switch state {
        case .starting: status = MeshHealth.Status.starting.rawValue
        case .ready: status = mesh.status.rawValue
        case .stopping: status = "stopping"
        }
        self.member = member.id
        self.ingress = ingress
        meshEndpoint = member.info.routerEndpoint
        joined = mesh.joined
        members = mesh.members
        delivery = mesh.delivery
    }

    /// The HTTP status to answer with: 200 for `ok` and `degraded`, else 503.
    public var httpStatus: Int { MeshHealth.Status(rawValue: status)?.httpStatus ?? 503 }

    /// The report as JSON (sorted keys).
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8))
    }
}
