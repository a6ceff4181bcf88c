import Foundation
import HubMesh
import Logging
import ServiceLifecycle
import UnixSignals

/// A standalone hub node: a mesh member and a hub server, run together until SIGINT or SIGTERM.
///
/// This is what `hubmesh-node` runs; tests can run it in-process too. Once the HTTP server listens
/// and the mesh join is done, it reports a line
/// `ready node=<id> http=http://127.0.0.1:<port> mesh=tcp://127.0.0.1:<port> hubs=<a,b> joined=true`.
public enum HubNode {
    /// Runs the node until a graceful shutdown signal (or cancellation).
    /// - Parameters:
    ///   - configuration: the node's settings.
    ///   - logger: the logger for everything.
    ///   - gracefulShutdownSignals: signals that stop the node gracefully.
    ///   - output: receives the `ready` line (default: stdout, flushed).
    public static func run(
        _ configuration: NodeConfiguration,
        logger: Logger = Logger(label: "hubmesh.node"),
        gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        output: @escaping @Sendable (String) -> Void = HubNode.printLine
    ) async throws {
        let (host, port) = try configuration.httpAddress()
        let member: MeshMember
        var mesh = MeshConfiguration(memberID: configuration.id, role: .node, endpoint: configuration.mesh, join: configuration.join)
        mesh.highWaterMark = configuration.meshHighWaterMark
        mesh.maxBatchEnvelopes = configuration.meshMaxBatch
        mesh.sendImmediately = configuration.meshSendImmediately
        mesh.ioThreadBatchScheduling = configuration.meshIOBatchScheduling
        mesh.forgetAfter = configuration.meshForgetAfter
        do {
            member = try MeshMember(configuration: mesh, logger: logger)
        } catch {
            throw HubServerError(code: .startup, message: "the mesh member cannot start: \(error.message)")
        }
        let (listening, listeningContinuation) = AsyncStream<HubServer.Listening>.makeStream()
        let hubs = configuration.makeHubs()
        var serverConfiguration = HubServerConfiguration(
            host: host,
            port: port,
            session: configuration.session,
            auth: configuration.auth,
            staticDirectory: configuration.staticDirectory,
            detailedErrors: configuration.detailedErrors,
            metrics: configuration.metrics
        )
        serverConfiguration.corsOrigins = configuration.corsOrigins
        let server = try await HubServer(
            configuration: serverConfiguration,
            hubs: hubs,
            backplane: .mesh(member),
            logger: logger
        ) { address in
            listeningContinuation.yield(address)
            listeningContinuation.finish()
        }
        let announcer = ReadyAnnouncer(member: member, listening: listening, hubs: hubs.map(\.name), logger: logger, output: output)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: member),
                    .init(service: server),
                    .init(service: ConnectionDrainer(server: server), successTerminationBehavior: .ignore),
                    .init(service: announcer, successTerminationBehavior: .ignore),
                ],
                gracefulShutdownSignals: gracefulShutdownSignals,
                logger: logger
            )
        )
        try await group.run()
    }

    /// Writes a line to stdout at once (tests read it while the node runs).
    @Sendable public static func printLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
