import Prometheus

/// How a hub server is set up. Every field has a documented default.
public struct HubServerConfiguration: Sendable {
    /// The address the HTTP server binds. Default `127.0.0.1`.
    public var host: String
    /// The HTTP port; 0 picks a free one (see ``HubServer/port``). Default 5000.
    public var port: Int
    /// Per-connection timeouts and limits (SignalR defaults: keep-alive 15 s, client timeout 30 s,
    /// handshake 15 s, 32 KB messages; 1 MiB of buffered messages per client).
    public var session: SessionConfiguration
    /// Bearer token verification. Default: none, everyone anonymous.
    public var auth: AuthConfiguration
    /// How long a negotiated connection waits for its WebSocket. Default 30 s.
    public var negotiateTimeout: Duration
    /// A folder whose files are served at `/` (for a chat page), if any. Default nil.
    public var staticDirectory: String?
    /// Whether error messages of hub methods go to clients as they are. Default false: only
    /// ``HubError`` and mesh errors do, others become "an error on the server".
    public var detailedErrors: Bool
    /// The largest WebSocket frame accepted; a larger frame closes the socket with 1009. Default:
    /// four times the maximum message size, at least 64 KiB, so an oversized message gets a SignalR
    /// `Close` message with a clear error instead.
    public var webSocketMaxFrameSize: Int?
    /// The registry served at `GET /metrics` (Prometheus text format), if any. The server's metrics
    /// go through swift-metrics: bootstrap `MetricsSystem` with a `PrometheusMetricsFactory` on
    /// this registry for them to appear. Default nil: no `/metrics` route.
    public var metrics: PrometheusCollectorRegistry?
    /// Origins of web pages whose browser clients may negotiate (CORS), like
    /// `https://app.example.com`; `*` allows any. Default: none, so browsers only negotiate from
    /// pages of this server's own origin (``staticDirectory``). See ``corsOriginProblem(_:)``.
    /// Once set (other than `*`), WebSocket upgrades from pages of any other origin are refused
    /// with 403 too (`WebSocketOriginPolicy`); without it, WebSockets are open to every origin.
    public var corsOrigins: [String] = []

    /// Creates a configuration; see each property for its default.
    public init(
        host: String = "127.0.0.1",
        port: Int = 5000,
        session: SessionConfiguration = SessionConfiguration(),
        auth: AuthConfiguration = AuthConfiguration(),
        negotiateTimeout: Duration = .seconds(30),
        staticDirectory: String? = nil,
        detailedErrors: Bool = false,
        webSocketMaxFrameSize: Int? = nil,
        metrics: PrometheusCollectorRegistry? = nil
    ) {
        self.host = host
        self.port = port
        self.session = session
        self.auth = auth
        self.negotiateTimeout = negotiateTimeout
        self.staticDirectory = staticDirectory
        self.detailedErrors = detailedErrors
        self.webSocketMaxFrameSize = webSocketMaxFrameSize
        self.metrics = metrics
    }

    /// The frame limit in force.
    var effectiveMaxFrameSize: Int {
        webSocketMaxFrameSize ?? max(4 * session.connection.maxMessageSize, 1 << 16)
    }
}
