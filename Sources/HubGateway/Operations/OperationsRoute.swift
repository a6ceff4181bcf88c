/// What the operations endpoint does with a request: a pure decision on method and path.
enum OperationsRoute: Equatable, Sendable {
    /// `GET /metrics`: the Prometheus text.
    case metrics
    /// `GET /health`: the ``GatewayHealth`` JSON.
    case health
    /// Any other path: 404.
    case notFound
    /// A known path with another method than GET: 405.
    case methodNotAllowed

    /// The paths served.
    static let paths = ["/health", "/metrics"]

    /// Decides on a request's method (as sent, e.g. `GET`) and path (query string allowed).
    init(method: String, path: String) {
        let path = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard Self.paths.contains(path) else {
            self = .notFound
            return
        }
        guard method == "GET" else {
            self = .methodNotAllowed
            return
        }
        self = path == "/metrics" ? .metrics : .health
    }
}
