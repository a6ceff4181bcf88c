import HubMesh
import Logging

/// How a hub server reaches connections held by other processes.
public enum HubBackplane: Sendable {
    /// No other process: every send is delivered locally. `nodeID` starts connection ids.
    case local(nodeID: String)
    /// The ZeroMQ mesh, through this member (run it as a service next to the server).
    case mesh(MeshMember)

    /// The id that starts this node's connection ids.
    public var nodeID: String {
        switch self {
        case .local(let nodeID): return nodeID
        case .mesh(let member): return member.id
        }
    }

    func makeLifetimeManager(hub: String, logger: Logger) -> any HubLifetimeManager {
        switch self {
        case .local: return LocalHubLifetimeManager(hub: hub, logger: logger)
        case .mesh(let member): return MeshHubLifetimeManager(hub: hub, member: member, logger: logger)
        }
    }
}
