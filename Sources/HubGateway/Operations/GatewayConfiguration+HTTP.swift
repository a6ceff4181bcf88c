import Prometheus

extension GatewayConfiguration {
    /// The gateway's operations endpoint: `GET /metrics` and `GET /health` over HTTP/1.1.
    public struct HTTP: Sendable {
        /// The address to listen on. Default `127.0.0.1` (loopback only: nothing here needs the outside).
        public var host: String
        /// The port; `0` picks a free one (see ``Gateway/waitForHTTP()``). Default 7001.
        public var port: Int
        /// When true, a port already in use is logged as a warning and the gateway serves without HTTP
        /// (what `hubmesh-gateway` does for its default address); when false it stops the gateway with
        /// a ``GatewayError`` `.bind`. Default false.
        public var ifAvailable: Bool
        /// The registry served at `/metrics`; `nil` answers `/metrics` with 404. The process must send
        /// swift-metrics to it (`MetricsSystem.bootstrap(PrometheusMetricsFactory(registry:))`) before
        /// the gateway is created. Default nil.
        public var metrics: PrometheusCollectorRegistry?

        /// Creates the settings; see each property for its default.
        public init(host: String = "127.0.0.1", port: Int = 7001, ifAvailable: Bool = false, metrics: PrometheusCollectorRegistry? = nil) {
            self.host = host
            self.port = port
            self.ifAvailable = ifAvailable
            self.metrics = metrics
        }

        /// Parses `HOST:PORT` (`[::1]:7001` for IPv6; an empty host means `127.0.0.1`).
        /// - Throws: ``GatewayError`` `.configuration` when it is not that.
        public static func address(_ text: String) throws(GatewayError) -> (host: String, port: Int) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
                throw GatewayError(
                    code: .configuration, message: "--http '\(text)' must be HOST:PORT, e.g. 127.0.0.1:7001 (port 0 picks one), or none")
            }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return (host.isEmpty ? "127.0.0.1" : host, port)
        }
    }
}
