import Logging
import Metrics
import Prometheus

extension HubNode {
    /// Sends logs to stderr at `logLevel` and metrics to a new Prometheus registry (served at
    /// `/metrics` when passed as ``NodeConfiguration/metrics``). Call it once per process.
    /// - Throws: ``HubServerError`` `.configuration` for an unknown log level.
    public static func bootstrap(logLevel: String) throws(HubServerError) -> PrometheusCollectorRegistry {
        guard let level = Logger.Level(rawValue: logLevel) else {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw HubServerError(code: .configuration, message: "--log-level '\(logLevel)' must be one of \(levels)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
