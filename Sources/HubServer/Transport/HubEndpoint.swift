import HubMesh
import Synchronization

/// One hub as served by this process: its definition, dispatcher and lifetime manager.
final class HubEndpoint: Sendable {
    let hub: Hub
    let dispatcher: HubDispatcher
    let lifetime: any HubLifetimeManager
    let metrics: ServerMetrics
    private let connected = Atomic<Int>(0)

    init(hub: Hub, lifetime: any HubLifetimeManager, detailedErrors: Bool) {
        self.hub = hub
        self.dispatcher = HubDispatcher(hub: hub, detailedErrors: detailedErrors)
        self.lifetime = lifetime
        self.metrics = ServerMetrics(hub: hub.name)
    }

    /// Connections that finished their handshake and are still open.
    var connectionCount: Int { connected.load(ordering: .relaxed) }

    func connectionOpened() {
        connected.add(1, ordering: .relaxed)
        metrics.open.increment()
        metrics.opened.increment()
    }

    func connectionClosed() {
        connected.subtract(1, ordering: .relaxed)
        metrics.open.decrement()
    }
}
