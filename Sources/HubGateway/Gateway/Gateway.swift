import Foundation
import HubMesh
import Logging
import ServiceLifecycle

/// The HubMesh gateway: a mesh member with no connections, through which services in any language
/// publish hub messages (`docs/gateway-protocol.md`).
///
/// It owns a ``MeshMember`` (role gateway) and an ingress thread that owns a ZeroMQ ROUTER: each
/// request is decoded, validated, published — blocking while the mesh is behind — and answered
/// once the mesh accepted it. With ``GatewayConfiguration/http`` it also serves `GET /metrics` and
/// `GET /health` over HTTP. Run it as a `Service`; add a ``Pipeline`` for `--stdin` mode.
///
/// ```swift
/// let gateway = try Gateway(configuration: GatewayConfiguration(join: ["tcp://127.0.0.1:6000"]))
/// let group = ServiceGroup(configuration: .init(services: [gateway], gracefulShutdownSignals: [.sigterm], logger: logger))
/// try await group.run()
/// ```
public final class Gateway: Service, Sendable {
    /// The configuration it was created with.
    public let configuration: GatewayConfiguration
    /// The gateway's mesh member.
    public let member: MeshMember
    /// The ingress endpoint as bound (with the chosen port for port 0); `nil` without a ROUTER.
    public let ingressEndpoint: String?
    let processor: RequestProcessor
    let state: GatewayStateBox
    let ingress: IngressLoop?
    let http: OperationsServer?
    let logger: Logger

    /// Creates the gateway and binds its sockets, so a port conflict is reported here, at once.
    /// Nothing runs until ``run()``.
    public init(configuration: GatewayConfiguration, logger: Logger = Logger(label: "hubmesh.gateway")) throws(GatewayError) {
        self.configuration = configuration
        self.logger = logger
        var mesh = configuration.mesh
        mesh.role = .gateway
        do {
            member = try MeshMember(configuration: mesh, logger: logger)
        } catch {
            let code: GatewayError.Code = error.code == .transport ? .bind : .configuration
            let message = error.message.replacingOccurrences(of: "Address already in use", with: "the address is in use by another process")
            throw GatewayError(code: code, message: "cannot start the mesh member: \(message); choose another --mesh endpoint or --id")
        }
        let state = GatewayStateBox()
        let member = self.member
        self.state = state
        processor = RequestProcessor(idempotency: configuration.idempotency, state: state, logger: logger) {
            member.flushPublishes()
        } publish: { envelope, deferWake throws(HubMeshError) in
            try member.publishBlocking(envelope, deferWake: deferWake)
        }
        if let endpoint = configuration.ingressEndpoint {
            let loop = try IngressLoop(
                configuration: configuration, endpoint: endpoint, context: member.zeroMQContext, processor: processor, logger: logger)
            ingress = loop
            ingressEndpoint = loop.endpoint
        } else {
            ingress = nil
            ingressEndpoint = nil
        }
        let ingressEndpoint = self.ingressEndpoint
        http = configuration.http.map { settings in
            OperationsServer(configuration: settings, logger: logger) {
                GatewayHealth(state: state.current, member: member, ingress: ingressEndpoint)
            }
        }
    }

    /// The mesh endpoint other members join through, as bound.
    public var meshEndpoint: String { member.info.routerEndpoint }

    /// Whether the gateway has joined its mesh and accepts requests.
    public var isReady: Bool { state.current == .ready }

    /// Whether the gateway was ever ready, even if it is stopping now.
    public var wasReady: Bool { state.wasReady }

    /// What `GET /health` answers now.
    public var health: GatewayHealth { GatewayHealth(state: state.current, member: member, ingress: ingressEndpoint) }

    /// Waits until the HTTP endpoint listens (or gives up).
    /// - Returns: its URL (`http://127.0.0.1:7001`, with the chosen port for port 0), or `nil` without
    ///   ``GatewayConfiguration/http``, when its address was in use with ``GatewayConfiguration/HTTP/ifAvailable``, or once stopped.
    /// - Throws: ``GatewayError`` `.bind` when it could not listen (``run()`` fails with it too);
    ///   `.cancelled` when the calling task is cancelled before the endpoint is settled.
    public func waitForHTTP() async throws(GatewayError) -> String? {
        try await http?.waitUntilListening()
    }

    /// Runs the HTTP endpoint, the mesh member and the ingress until a graceful shutdown (or
    /// cancellation). On shutdown the ingress stops first — queued requests are answered
    /// `unavailable`, replies flushed — then the member flushes what was accepted and leaves the
    /// mesh, and the HTTP endpoint (answering `stopping` meanwhile) closes last.
    /// - Throws: ``GatewayError`` `.bind` when the HTTP address cannot be bound.
    public func run() async throws {
        let front = GatewayFront(gateway: self)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let http { services.append(.init(service: http)) }
        services.append(.init(service: member))
        services.append(
            .init(service: front, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
        )
        try await ServiceGroup(configuration: .init(services: services, logger: logger)).run()
    }

    /// Waits until the gateway is ready (joined) or stopping, or the timeout passes.
    /// - Returns: whether it is ready.
    public func waitUntilReady(timeout: Duration? = nil) async -> Bool {
        let deadline = timeout.map { ContinuousClock.now.advanced(by: $0) }
        while state.current == .starting {
            if let deadline, ContinuousClock.now >= deadline { return false }
            do { try await Task.sleep(for: .milliseconds(10)) } catch { return false }
        }
        return state.current == .ready
    }

    /// Pipeline mode (protocol section 10): requests as NDJSON lines on `input`, one reply line
    /// each on `output`, published through this gateway. Run it beside the gateway in a `ServiceGroup`.
    public func pipeline(input: Int32 = 0, output: Int32 = 1) -> Pipeline {
        Pipeline(gateway: self, input: input, output: output)
    }
}

/// Waits for the join, runs the ingress thread, and stops it on shutdown.
struct GatewayFront: Service {
    let gateway: Gateway

    func run() async throws {
        let state = gateway.state
        let ingress = gateway.ingress
        await withDiscardingTaskGroup { group in
            if let ingress {
                group.addTask {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let thread = Thread {
                            ingress.run()
                            continuation.resume()
                        }
                        thread.name = "hubmesh-ingress"
                        thread.start()
                    }
                }
            }
            group.addTask { await waitForJoin() }
            try? await gracefulShutdown()
            state.markStopping()
            ingress?.stop()
        }
    }

    /// Marks the gateway ready once its member has joined; warns every `joinTimeout` until then.
    private func waitForJoin() async {
        let member = gateway.member
        var warnAt = ContinuousClock.now.advanced(by: gateway.configuration.joinTimeout)
        while gateway.state.current == .starting {
            if member.snapshot.joined {
                gateway.state.markReady()
                gateway.logger.info(
                    "gateway serving",
                    metadata: ["hubmesh.gateway.ingress": "\(gateway.ingressEndpoint ?? "none")", "hubmesh.gateway.mesh": "\(gateway.meshEndpoint)"]
                )
                return
            }
            if ContinuousClock.now >= warnAt {
                gateway.logger.warning(
                    "not joined yet: requests are answered unavailable",
                    metadata: ["hubmesh.gateway.join": "\(gateway.configuration.mesh.join)"]
                )
                warnAt = ContinuousClock.now.advanced(by: gateway.configuration.joinTimeout)
            }
            do { try await Task.sleep(for: .milliseconds(10)) } catch { return }
        }
    }
}
