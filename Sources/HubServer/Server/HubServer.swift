import HubMesh
import HubProtocol
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A SignalR-compatible hub server on Hummingbird: `POST /hubs/{hub}/negotiate`, the WebSocket
/// endpoint `/hubs/{hub}`, `GET /health`, and optionally static files. Run it as a `Service`,
/// next to its mesh member when it has one:
///
/// ```swift
/// var chat = Hub("chat")
/// chat.on("Send") { (context: HubContext, text: String) in try await context.clients.all.send("Receive", text) }
/// let server = try await HubServer(configuration: .init(port: 5000), hubs: [chat], backplane: .local(nodeID: "n1"))
/// try await ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
/// ```
public final class HubServer: Service, Sendable {
    /// The address the server listens on, once it does.
    public struct Listening: Sendable, Hashable {
        /// The bound host.
        public var host: String
        /// The bound port (the real one when configured with 0).
        public var port: Int
    }

    /// The configuration.
    public let configuration: HubServerConfiguration
    /// How other processes' connections are reached.
    public let backplane: HubBackplane
    let endpoints: [String: HubEndpoint]
    let gate: ConnectionGate
    let originPolicy: WebSocketOriginPolicy
    let sessions = SessionRegistry()
    let flushers = LoopFlushers()
    let logger: Logger
    private let onListening: @Sendable (Listening) async -> Void
    private let boundPort = Atomic<Int>(0)

    /// Creates a server for `hubs` (names must be unique; a later hub with the same name is merged
    /// into the earlier one). `onListening` runs once the port is bound; the server accepts
    /// connections only after it returns, so it must return quickly.
    /// - Throws: ``HubServerError`` with `.configuration` for an unusable key or empty hub list.
    public init(
        configuration: HubServerConfiguration,
        hubs: [Hub],
        backplane: HubBackplane,
        logger: Logger = Logger(label: "hubmesh.server"),
        onListening: @escaping @Sendable (Listening) async -> Void = { _ in }
    ) async throws(HubServerError) {
        guard !hubs.isEmpty else { throw HubServerError(code: .configuration, message: "a hub server needs at least one hub") }
        if let problem = configuration.corsOrigins.lazy.compactMap(HubServerConfiguration.corsOriginProblem).first {
            throw HubServerError(code: .configuration, message: problem)
        }
        var merged: [String: Hub] = [:]
        for hub in hubs {
            guard !hub.name.isEmpty, !hub.name.contains("/"), !hub.name.utf8.contains(0) else {
                throw HubServerError(code: .configuration, message: "hub name '\(hub.name)' must be non-empty, without '/' or NUL")
            }
            merged[hub.name, default: Hub(hub.name)].merge(hub)
        }
        var endpoints: [String: HubEndpoint] = [:]
        for (name, hub) in merged {
            endpoints[name] = HubEndpoint(
                hub: hub,
                lifetime: backplane.makeLifetimeManager(hub: name, logger: logger),
                detailedErrors: configuration.detailedErrors
            )
        }
        self.configuration = configuration
        self.originPolicy = WebSocketOriginPolicy(corsOrigins: configuration.corsOrigins)
        self.backplane = backplane
        self.endpoints = endpoints
        self.logger = logger
        self.onListening = onListening
        self.gate = ConnectionGate(
            hubs: Set(endpoints.keys),
            memberID: backplane.nodeID,
            authenticator: try await Authenticator(configuration: configuration.auth),
            negotiated: NegotiatedConnections(timeout: configuration.negotiateTimeout)
        )
    }

    /// The HTTP port once listening (the real one when configured with 0), else nil.
    public var port: Int? {
        let port = boundPort.load(ordering: .acquiring)
        return port == 0 ? nil : port
    }

    /// The names of the hubs served.
    public var hubNames: [String] { endpoints.keys.sorted() }

    /// The clients of `hub`, to send to from outside a hub method; nil for an unknown hub.
    public func clients(of hub: String) -> HubClients? {
        endpoints[hub].map { HubClients(sender: HubSender(lifetime: $0.lifetime, protocols: HubProtocols.all)) }
    }

    /// The group manager of `hub`; nil for an unknown hub.
    public func groups(of hub: String) -> HubGroups? {
        endpoints[hub].map { HubGroups(lifetime: $0.lifetime) }
    }

    /// Open connections over all hubs.
    public var connectionCount: Int { endpoints.values.reduce(0) { $0 + $1.connectionCount } }

    /// Serves until a graceful shutdown or cancellation; open WebSockets get a `Close` message
    /// allowing reconnect.
    public func run() async throws {
        let application = Application(
            router: makeRouter(),
            server: HTTPServerBuilder { [self] responder in
                HubChannel(
                    responder: responder,
                    webSocket: WebSocketServerConfiguration(
                        maxFrameSize: configuration.effectiveMaxFrameSize,
                        autoPing: .disabled,
                        closeTimeout: configuration.session.closeGrace
                    ),
                    decide: { request, _ in await self.decideUpgrade(request) }
                )
            },
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "HubMesh"
            ),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? configuration.port
                boundPort.store(port, ordering: .releasing)
                logger.info("hub server listening", metadata: ["hubmesh.http.port": "\(port)", "hubmesh.hubs": "\(hubNames)"])
                await onListening(Listening(host: configuration.host, port: port))
            },
            logger: logger
        )
        let tickPeriod = SessionRegistry.tickPeriod(for: configuration.session)
        do {
            try await serve(application, tickPeriod: tickPeriod)
        } catch {
            await closeRemainingConnections()
            throw error
        }
        await closeRemainingConnections()
    }

    private func serve(_ application: some ApplicationProtocol, tickPeriod: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [sessions] in
                await sessions.runTicker(period: tickPeriod)
            }
            group.addTask {
                try await application.run()
            }
            defer { group.cancelAll() }
            // The application ends the server (the ticker only stops when cancelled).
            while let _ = try await group.next() {
                group.cancelAll()
            }
        }
    }

    /// WebSockets have no task in the HTTP server (``HubSocketHandler``), so its shutdown does not
    /// wait for them: what the ``ConnectionDrainer`` did not close (or all, without one) gets a
    /// `Close` message here, then at most the close grace, then its TCP connection is closed.
    private func closeRemainingConnections() async {
        guard sessions.count > 0 else { return }
        guard await sessions.drain(reason: Self.shutdownReason, timeout: configuration.session.closeGrace) > 0 else { return }
        let left = sessions.closeChannels()
        logger.info("closed the WebSocket connections that did not close in time", metadata: ["hubmesh.connections": "\(left)"])
    }

    /// The `Close` message's error when the server shuts down (clients may reconnect elsewhere).
    static let shutdownReason = "The server is shutting down"

    /// The health report.
    public func health() -> HealthReport {
        let hubs = endpoints.values.map { HealthReport.HubStatus(name: $0.hub.name, connections: $0.connectionCount) }
            .sorted { $0.name < $1.name }
        var report = HealthReport(
            status: "ok",
            node: backplane.nodeID,
            port: port ?? configuration.port,
            hubs: hubs,
            connections: hubs.reduce(0) { $0 + $1.connections },
            meshEndpoint: nil,
            joined: true,
            members: []
        )
        if case .mesh(let member) = backplane {
            let mesh = MeshHealth(snapshot: member.snapshot)
            report.status = mesh.status.rawValue
            report.meshEndpoint = member.info.routerEndpoint
            report.joined = mesh.joined
            report.members = mesh.members
            report.delivery = mesh.delivery
        }
        return report
    }
}
