import Metrics

/// The mesh's swift-metrics instruments. Counters are fed with the deltas of ``MeshCounters`` by the
/// I/O thread every 100 ms (never per message), so a metrics backend costs the hot path nothing.
///
/// Names (Prometheus style): `hubmesh_envelopes_published_total{kind}`,
/// `hubmesh_envelopes_received_total{kind}`, `hubmesh_batches_total{direction}`, `hubmesh_gaps_detected_total`,
/// `hubmesh_messages_lost_total`, `hubmesh_gaps_repaired_total`, `hubmesh_messages_repaired_total`,
/// `hubmesh_stalls_total`, `hubmesh_link_resets_total`, `hubmesh_decode_errors_total`,
/// `hubmesh_group_requests_total{outcome}`, `hubmesh_backpressure_waits_total`,
/// `hubmesh_members{state}` (gauge), `hubmesh_joined` (gauge, 0/1).
struct MeshMetrics {
    private var last = MeshCounters()
    private let kinds = ["all", "connection", "group", "user"]
    private let published: [String: Counter]
    private let received: [String: Counter]
    private let batchesPublished = Counter(label: "hubmesh_batches_total", dimensions: [("direction", "published")])
    private let batchesReceived = Counter(label: "hubmesh_batches_total", dimensions: [("direction", "received")])
    private let gaps = Counter(label: "hubmesh_gaps_detected_total")
    private let lost = Counter(label: "hubmesh_messages_lost_total")
    private let gapsRepaired = Counter(label: "hubmesh_gaps_repaired_total")
    private let repaired = Counter(label: "hubmesh_messages_repaired_total")
    private let stalls = Counter(label: "hubmesh_stalls_total")
    private let linkResets = Counter(label: "hubmesh_link_resets_total")
    private let decodeErrors = Counter(label: "hubmesh_decode_errors_total")
    private let requests: [String: Counter]
    private let backpressure = Counter(label: "hubmesh_backpressure_waits_total")
    private let alive = Gauge(label: "hubmesh_members", dimensions: [("state", "alive")])
    private let dead = Gauge(label: "hubmesh_members", dimensions: [("state", "dead")])
    private let joined = Gauge(label: "hubmesh_joined")

    init() {
        published = Dictionary(
            uniqueKeysWithValues: kinds.map { ($0, Counter(label: "hubmesh_envelopes_published_total", dimensions: [("kind", $0)])) })
        received = Dictionary(
            uniqueKeysWithValues: kinds.map { ($0, Counter(label: "hubmesh_envelopes_received_total", dimensions: [("kind", $0)])) })
        requests = Dictionary(
            uniqueKeysWithValues: ["sent", "acked", "failed", "timeout"].map {
                ($0, Counter(label: "hubmesh_group_requests_total", dimensions: [("outcome", $0)]))
            }
        )
    }

    /// Reports what changed since the last call.
    mutating func update(_ snapshot: MeshSnapshot) {
        let now = snapshot.counters
        for kind in kinds {
            add(published[kind], now.published[kind, default: 0] - last.published[kind, default: 0])
            add(received[kind], now.received[kind, default: 0] - last.received[kind, default: 0])
        }
        add(batchesPublished, now.batchesPublished - last.batchesPublished)
        add(batchesReceived, now.batchesReceived - last.batchesReceived)
        add(gaps, now.gapsDetected - last.gapsDetected)
        add(lost, now.messagesLost - last.messagesLost)
        add(gapsRepaired, now.gapsRepaired - last.gapsRepaired)
        add(repaired, now.messagesRepaired - last.messagesRepaired)
        add(stalls, now.stalls - last.stalls)
        add(linkResets, now.linkResets - last.linkResets)
        add(decodeErrors, now.decodeErrors - last.decodeErrors)
        add(requests["sent"], now.requestsSent - last.requestsSent)
        add(requests["acked"], now.requestsAcked - last.requestsAcked)
        add(requests["failed"], now.requestsFailed - last.requestsFailed)
        add(requests["timeout"], now.requestsTimedOut - last.requestsTimedOut)
        add(backpressure, now.backpressureWaits - last.backpressureWaits)
        let aliveCount = snapshot.peers.filter(\.alive).count
        alive.record(aliveCount)
        dead.record(snapshot.peers.count - aliveCount)
        joined.record(snapshot.joined ? 1 : 0)
        last = now
    }

    private func add(_ counter: Counter?, _ delta: Int) {
        if delta > 0 { counter?.increment(by: delta) }
    }
}
