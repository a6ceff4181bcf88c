import Metrics

/// The metrics of one hub on this node (swift-metrics; `hubmesh-node` exports them at `/metrics`).
///
/// - `hubmesh_server_connections{hub}`: open connections.
/// - `hubmesh_server_connections_total{hub}`: connections that completed their handshake.
/// - `hubmesh_server_closes_total{hub,reason}`: closes by reason (`clientClosed`, `normal`,
///   `clientTimeout`, `messageTooLarge`, `slowClient`, `tooManyPending`, `shutdown`, any other
///   protocol error code).
/// - `hubmesh_server_invocations_total{hub,outcome}`: client invocations, `ok` or `error`.
/// - `hubmesh_server_frames_sent_total{hub}`: WebSocket messages written to clients.
struct ServerMetrics: Sendable {
    let open: Meter
    let opened: Counter
    let sent: Counter
    private let hub: String

    init(hub: String) {
        self.hub = hub
        open = Meter(label: "hubmesh_server_connections", dimensions: [("hub", hub)])
        opened = Counter(label: "hubmesh_server_connections_total", dimensions: [("hub", hub)])
        sent = Counter(label: "hubmesh_server_frames_sent_total", dimensions: [("hub", hub)])
    }

    func closed(reason: String) {
        Counter(label: "hubmesh_server_closes_total", dimensions: [("hub", hub), ("reason", reason)]).increment()
    }

    func invoked(ok: Bool) {
        Counter(label: "hubmesh_server_invocations_total", dimensions: [("hub", hub), ("outcome", ok ? "ok" : "error")]).increment()
    }

    /// Upgrade and negotiate refusals, by HTTP status.
    static func refused(status: Int) {
        Counter(label: "hubmesh_server_refusals_total", dimensions: [("status", "\(status)")]).increment()
    }
}
