import Metrics

/// The gateway's counters (swift-metrics): requests by outcome and code, frames received, replies dropped.
///
/// `hubmesh_gateway_requests_total{outcome="accepted"|"duplicate"|"rejected", code=…}` counts
/// requests and batch items; `hubmesh_gateway_frames_total{source="router"|"stdin"}` counts frames;
/// `hubmesh_gateway_replies_dropped_total{reason="backlog_full"|"client_gone"}` counts replies that
/// never reached their client: it stopped reading past the backlog limit, or disconnected.
struct GatewayMetrics: Sendable {
    let accepted: Counter
    let duplicate: Counter
    let rejected: [String: Counter]
    let routerFrames: Counter
    let stdinLines: Counter
    let repliesDroppedBacklogFull: Counter
    let repliesDroppedClientGone: Counter

    init() {
        let label = "hubmesh_gateway_requests_total"
        accepted = Counter(label: label, dimensions: [("outcome", "accepted")])
        duplicate = Counter(label: label, dimensions: [("outcome", "duplicate")])
        var rejected: [String: Counter] = [:]
        for code in IngressError.Code.allCodes {
            rejected[code.rawValue] = Counter(label: label, dimensions: [("outcome", "rejected"), ("code", code.rawValue)])
        }
        self.rejected = rejected
        routerFrames = Counter(label: "hubmesh_gateway_frames_total", dimensions: [("source", "router")])
        stdinLines = Counter(label: "hubmesh_gateway_frames_total", dimensions: [("source", "stdin")])
        repliesDroppedBacklogFull = Counter(label: "hubmesh_gateway_replies_dropped_total", dimensions: [("reason", "backlog_full")])
        repliesDroppedClientGone = Counter(label: "hubmesh_gateway_replies_dropped_total", dimensions: [("reason", "client_gone")])
    }

    func record(_ outcome: ItemOutcome) {
        switch outcome {
        case .accepted: accepted.increment()
        case .duplicate: duplicate.increment()
        case .rejected(let error): rejected[error.code.rawValue]?.increment()
        }
    }
}
