import HubProtocol
import Logging
import Prometheus

/// Everything `hubmesh-node` is started with; ``HubNode/run(_:logger:gracefulShutdownSignals:output:)`` runs it.
public struct NodeConfiguration: Sendable {
    /// The member id; it starts every connection id of this node. Default: random (`m-…`).
    public var id: String?
    /// Where HTTP and WebSockets listen, `host:port`; port 0 picks a free one. Default `127.0.0.1:5000`.
    public var http: String
    /// Where the mesh ROUTER listens (the PUB takes the next port). Default `tcp://127.0.0.1:6000`.
    public var mesh: String
    /// Mesh endpoints of existing members to join. Default: none (a new mesh).
    public var join: [String]
    /// The mesh's ZeroMQ high-water mark per peer (``MeshConfiguration/highWaterMark``). Default 10,000.
    public var meshHighWaterMark: Int32 = 10_000
    /// Envelopes of one topic per mesh message at most (``MeshConfiguration/maxBatchEnvelopes``). Default 64.
    public var meshMaxBatch: Int = 64
    /// Publishers send on their own threads (``MeshConfiguration/sendImmediately``). Default `false`.
    public var meshSendImmediately = false
    /// The mesh I/O thread runs under `SCHED_BATCH` (``MeshConfiguration/ioThreadBatchScheduling``). Default `false`.
    public var meshIOBatchScheduling = false
    /// Silence after which a dead mesh peer is forgotten (``MeshConfiguration/forgetAfter``); nil: never. Default 60 s.
    public var meshForgetAfter: Duration? = .seconds(60)
    /// The hubs served, each with `JoinGroup` and `LeaveGroup`. Default `["chat"]`.
    public var hubs: [String]
    /// Whether the example ``ChatHub`` methods are added to the hub `chat`. Default false.
    public var chat: Bool
    /// Whether the ``TestHub`` (hub `test`) is served. For tests only. Default false.
    public var testHub: Bool
    /// Who may join which group.
    public var groupPermission: GroupPermission
    /// Token verification and whether tokens are required.
    public var auth: AuthConfiguration
    /// Per-connection timeouts and limits.
    public var session: SessionConfiguration
    /// A folder served at `/`, if any.
    public var staticDirectory: String?
    /// Whether every hub method error message goes to clients.
    public var detailedErrors: Bool
    /// The registry served at `/metrics`, if any (see ``HubServerConfiguration/metrics``).
    public var metrics: PrometheusCollectorRegistry?
    /// Origins whose browser clients may negotiate (``HubServerConfiguration/corsOrigins``). Default: none.
    public var corsOrigins: [String] = []

    /// Creates a configuration; see each property for its default.
    public init(
        id: String? = nil,
        http: String = "127.0.0.1:5000",
        mesh: String = "tcp://127.0.0.1:6000",
        join: [String] = [],
        hubs: [String] = ["chat"],
        chat: Bool = false,
        testHub: Bool = false,
        groupPermission: GroupPermission = .open,
        auth: AuthConfiguration = AuthConfiguration(),
        session: SessionConfiguration = SessionConfiguration(),
        staticDirectory: String? = nil,
        detailedErrors: Bool = false,
        metrics: PrometheusCollectorRegistry? = nil
    ) {
        self.id = id
        self.http = http
        self.mesh = mesh
        self.join = join
        self.hubs = hubs
        self.chat = chat
        self.testHub = testHub
        self.groupPermission = groupPermission
        self.auth = auth
        self.session = session
        self.staticDirectory = staticDirectory
        self.detailedErrors = detailedErrors
        self.metrics = metrics
    }

    /// The hubs to serve, built from ``hubs``, ``chat`` and ``testHub``.
    public func makeHubs() -> [Hub] {
        var names = hubs.isEmpty ? ["chat"] : hubs
        if chat, !names.contains("chat") { names.append("chat") }
        var result: [Hub] = []
        for name in names {
            var hub = GroupHub.make(name: name, permission: groupPermission)
            if chat, name == "chat" { hub.merge(ChatHub.make(name: name)) }
            result.append(hub)
        }
        if testHub {
            var hub = GroupHub.make(name: "test", permission: groupPermission)
            hub.merge(TestHub.make(name: "test"))
            result.append(hub)
        }
        return result
    }

    /// Splits ``http`` into host and port.
    /// - Throws: ``HubServerError`` `.configuration` when it is not `host:port`.
    public func httpAddress() throws(HubServerError) -> (host: String, port: Int) {
        guard let colon = http.lastIndex(of: ":"), let port = Int(http[http.index(after: colon)...]), (0...65535).contains(port) else {
            throw HubServerError(code: .configuration, message: "--http '\(http)' must look like 127.0.0.1:5000")
        }
        var host = String(http[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }
}
