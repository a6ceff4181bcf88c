import ArgumentParser
import Foundation
import HubGateway
import HubMesh
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `hubmesh-gateway`: publish hub messages into a HubMesh mesh from any language, over a ZeroMQ
/// ROUTER or NDJSON on stdin. Thin: flags → ``GatewayConfiguration`` → ``Gateway``.
@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubmesh-gateway",
        abstract: "Publish SignalR hub messages into a HubMesh mesh from any language.",
        discussion: [
            "Clients connect a ZeroMQ DEALER to the ingress ROUTER and send one JSON request per frame (docs/gateway-protocol.md), "
                + #"for example {"v":1,"id":"1","kind":"group","hub":"chat","group":"room-1","method":"newMessage","arguments":["bob","hi"]}, "#
                + #"and get one reply each, in order, once the mesh accepted the message: {"id":"1","ok":true}."#,
            "With --stdin the gateway reads NDJSON requests from standard input instead (\"v\" optional) and writes one reply line per "
                + "input line to standard output; it exits 0 at end of input. With --stdin and no --ingress, no ROUTER is bound.",
            "Operations: GET /metrics (Prometheus text: requests by outcome and code, mesh envelopes, gaps, losses, members) and "
                + "GET /health (JSON; 503 while starting, stopping, or when every peer is dead) are served over HTTP on --http, "
                + "by default 127.0.0.1:7001 if that port is free (a warning otherwise); --http none turns it off.",
            "Once it serves, the gateway prints a line with the word \"ready\" and its endpoints "
                + "(ready ingress=… mesh=… member=… http=http://…|none): on standard output, or on standard "
                + "error with --stdin. Logs go to standard error. SIGINT and SIGTERM stop it gracefully: queued requests are answered "
                + "\"unavailable\" and accepted messages are flushed to the mesh.",
        ].joined(separator: "\n\n")
    )

    @Option(help: "The ROUTER endpoint clients connect to; port 0 picks a free port. (default: tcp://127.0.0.1:7000, none with --stdin)")
    var ingress: String?

    @Option(help: "This gateway's mesh ROUTER endpoint (its PUB binds port + 1); port 0 picks free ports.")
    var mesh: String = "tcp://127.0.0.1:6100"

    @Option(help: "The mesh endpoint of an existing member to join through (repeatable).")
    var join: [String] = []

    @Option(help: "Declare a hub (repeatable); requests for other hubs get unknown_hub. Default: any hub.")
    var hub: [String] = []

    @Option(
        help: """
            HOST:PORT for GET /metrics and GET /health; port 0 picks a free port; "none" turns HTTP off. \
            (default: 127.0.0.1:7001 when that port is free, none with --stdin)
            """
    )
    var http: String?

    @Option(help: "The gateway's member id (1–64 of A–Z a–z 0–9 _ -). Default: gateway- and random characters.")
    var id: String?

    @Flag(help: "Pipeline mode: read NDJSON requests from stdin, write one reply line each to stdout.")
    var stdin = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "The largest request frame (or line) in bytes.")
    var maxFrameBytes: Int = 65_536

    @Option(help: "The most items in a batch.")
    var maxBatchItems: Int = 1000

    @Option(help: "How long an idempotency key is remembered, in seconds.")
    var idempotencySeconds: Int = 300

    @Option(help: "The most idempotency keys remembered.")
    var idempotencyKeys: Int = 100_000

    @Option(help: "Seconds to wait for the join before warning (or, with --stdin, giving up).")
    var joinTimeout: Int = 15

    @Option(help: "Mesh ZeroMQ high-water mark per peer, in messages (a message may be a batch of envelopes).")
    var meshHwm: Int32 = 10_000

    @Option(help: "Envelopes of one topic packed into one mesh message at most, under load (1: no batching).")
    var meshMaxBatch: Int = 64

    @Flag(
        help:
            "Run the mesh I/O thread under Linux SCHED_BATCH: waking it never preempts the ingress thread, so batches grow under load; it waits longer when other work fills the CPU."
    )
    var meshIoBatchScheduling = false

    @Option(help: "Seconds of silence after which a dead mesh peer is forgotten and its connections closed (0: never; seeds never are).")
    var meshForgetAfter: Int = 60

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        guard maxFrameBytes > 0, maxBatchItems > 0, idempotencySeconds > 0, idempotencyKeys > 0, joinTimeout > 0 else {
            throw ValidationError("limits must be positive")
        }
        if let problem = MeshConfiguration.flagProblem(highWaterMark: meshHwm, maxBatchEnvelopes: meshMaxBatch) { throw ValidationError(problem) }
        if let problem = MeshConfiguration.forgetAfterProblem(seconds: meshForgetAfter) { throw ValidationError(problem) }
        if let http, http != "none" {
            do { _ = try GatewayConfiguration.HTTP.address(http) } catch { throw ValidationError(error.message) }
        }
    }

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "hubmesh.gateway")
        let gateway: Gateway
        do {
            gateway = try Gateway(configuration: makeConfiguration(metrics: registry), logger: logger)
        } catch {
            Self.report("\(error)")
            throw ExitCode.failure
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: gateway)]
        if stdin {
            services.append(.init(service: gateway.pipeline(), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        do {
            try await withThrowingDiscardingTaskGroup { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask {
                    _ = await gateway.waitUntilReady()
                    guard gateway.wasReady else { return }  // a fast pipeline may be stopping already
                    let http: String?
                    // A bind failure, or cancelled because the group failed (an HTTP address in use, say)
                    // while this waited: the group reports the error, and no "ready" is printed for a
                    // gateway that is exiting with one.
                    do { http = try await gateway.waitForHTTP() } catch { return }
                    announce(gateway, http: http)
                }
            }
        } catch {
            Self.report("\(error)")
            throw ExitCode.failure
        }
    }

    func makeConfiguration(metrics: PrometheusCollectorRegistry?) throws(GatewayError) -> GatewayConfiguration {
        var configuration = try GatewayConfiguration(
            ingressEndpoint: ingress ?? (stdin ? nil : "tcp://127.0.0.1:7000"),
            meshEndpoint: mesh,
            join: join,
            memberID: id ?? "gateway-" + String((0..<6).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! }),
            hubs: Set(hub),
            limits: .init(maxFrameBytes: maxFrameBytes, maxBatchItems: maxBatchItems),
            idempotency: .init(ttl: .seconds(idempotencySeconds), maxKeys: idempotencyKeys),
            joinTimeout: .seconds(joinTimeout),
            http: makeHTTP(metrics: metrics)
        )
        configuration.mesh.highWaterMark = meshHwm
        configuration.mesh.maxBatchEnvelopes = meshMaxBatch
        configuration.mesh.ioThreadBatchScheduling = meshIoBatchScheduling
        configuration.mesh.forgetAfter = meshForgetAfter > 0 ? .seconds(meshForgetAfter) : nil
        return configuration
    }

    /// `--http`: an explicit address must be bound; the default (not in pipeline mode) is served if free.
    func makeHTTP(metrics: PrometheusCollectorRegistry?) throws(GatewayError) -> GatewayConfiguration.HTTP? {
        switch http {
        case "none"?: return nil
        case let address?:
            let (host, port) = try GatewayConfiguration.HTTP.address(address)
            return .init(host: host, port: port, metrics: metrics)
        case nil:
            return stdin ? nil : .init(host: "127.0.0.1", port: 7001, ifAvailable: true, metrics: metrics)
        }
    }

    /// The line scripts and tests wait for: stdout, or stderr in pipeline mode (stdout holds replies there).
    func announce(_ gateway: Gateway, http: String?) {
        var line = "hubmesh-gateway ready"
        if let ingress = gateway.ingressEndpoint { line += " ingress=\(ingress)" }
        line += " mesh=\(gateway.meshEndpoint) member=\(gateway.member.id) http=\(http ?? "none")"
        if stdin { line += " (pipeline mode: reading stdin)" }
        let handle = stdin ? FileHandle.standardError : FileHandle.standardOutput
        handle.write(Data((line + "\n").utf8))
    }

    static func report(_ message: String) {
        FileHandle.standardError.write(Data("hubmesh-gateway: error: \(message)\n".utf8))
    }
}
