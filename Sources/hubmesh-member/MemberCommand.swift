import ArgumentParser
import Foundation
import HubMesh
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// A bare mesh member driven by line commands on stdin: the demo of the mesh, and the process the
/// multi-process tests drive. Every output line starts with a word a script can match.
@main
struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubmesh-member",
        abstract: "Run a bare HubMesh mesh member that exchanges envelopes and prints what arrives.",
        discussion: """
            Commands on stdin, one per line:
              connect <user|-> [quiet] [json]
                                             create a local test connection; prints 'connected <id>'.
                                             'json': it speaks the SignalR json protocol and receives what a
                                             gateway publishes; an invocation whose only argument is an
                                             integer N counts as number N in 'stats'
              disconnect <id>                remove it
              add <id> <group> / remove <id> <group>
                                             group management (the connection may live on any member)
              all <text> [ex1,ex2]           send to every connection (minus exclusions)
              group <group> <text> [ex1,ex2] send to a group
              user <user> <text>             send to a user's connections
              conn <id> <text>               send to one connection
              mixed <count> <group> <user> <conn>
                                             a numbered stream 'm:1'... cycling all/group/user/conn
              burst <group> <count>          publish 'n:1'..'n:count' to a group as fast as accepted
              tick <group> <seconds>         publish 't:<n>' to a group every 100 ms for <seconds>
              stats                          per-connection counts: 'stats <id> <count> <orderErrors> <last>'
              members                        'member <id> <alive|dead>' lines
              health                         'health <json>': the mesh part of a node's GET /health
              metrics                        'metric <line>' per Prometheus exposition line, then 'metrics end'
              quit
            With --demo, no stdin is read: the member publishes a counter to group 'demo' every second
            and prints what it receives.
            """
    )

    @Option(help: "Member id (connection ids start with it).")
    var id: String = "member-\(ProcessInfo.processInfo.processIdentifier)"

    @Option(help: "ROUTER endpoint to bind; port 0 picks a free one.")
    var mesh: String = "tcp://127.0.0.1:6000"

    @Option(help: "PUB endpoint to bind (default: mesh port + 1).")
    var publish: String?

    @Option(help: "ROUTER endpoint of an existing member to join through (repeatable).")
    var join: [String] = []

    @Option(help: "Hub name.")
    var hub: String = "chat"

    @Option(help: "Heartbeat interval in milliseconds.")
    var heartbeatMs: Int = 500

    @Option(help: "Silence in milliseconds after which a peer is declared dead.")
    var deadAfterMs: Int = 2500

    @Option(help: "Silence in milliseconds after which a dead peer is forgotten and its connections closed (0 = never; seeds never are).")
    var forgetAfterMs: Int = 60_000

    @Option(help: "Envelopes kept for replay to members that missed some (0 turns repair off).")
    var replayCapacity: Int = 200_000

    @Option(help: "Milliseconds the PUB may be blocked by a stalled subscriber before fan-out turns lossy for 1 s (0 = never).")
    var stallTimeoutMs: Int = 500

    @Option(help: "Milliseconds a receiver waits for a replay before declaring messages lost.")
    var repairTimeoutMs: Int = 5000

    @Option(help: "ZeroMQ high-water mark per peer, in messages (a message may be a batch of envelopes).")
    var hwm: Int32 = 10_000

    @Option(help: "Envelopes of one topic packed into one ZeroMQ message at most, under load (1: no batching).")
    var maxBatch: Int = 64

    @Flag(help: "Send each published envelope on the publishing thread instead of the I/O thread: lower latency, less throughput (no batches).")
    var sendImmediately = false

    @Flag(
        help:
            "Run the I/O thread under Linux SCHED_BATCH: waking it never preempts a publisher, so batches grow under load; it waits longer when other work fills the CPU."
    )
    var ioBatchScheduling = false

    @Option(help: "Kernel socket buffer size in bytes for PUB and SUB (default: the OS default).")
    var socketBuffer: Int32?

    @Flag(help: "Demo mode: publish a counter every second and print deliveries.")
    var demo = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func validate() throws {
        if forgetAfterMs < 0 || (forgetAfterMs > 0 && forgetAfterMs <= deadAfterMs) {
            throw ValidationError("--forget-after-ms must be longer than --dead-after-ms (\(deadAfterMs)), or 0 for never")
        }
        if let problem = MeshConfiguration.flagProblem(highWaterMark: hwm, maxBatchEnvelopes: maxBatch, hwmFlag: "--hwm", batchFlag: "--max-batch") {
            throw ValidationError(problem)
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "hubmesh.member")
        var configuration = MeshConfiguration(
            memberID: id,
            role: .member,
            endpoint: mesh,
            publishEndpoint: publish,
            join: join,
            heartbeatInterval: .milliseconds(heartbeatMs),
            deadAfter: .milliseconds(deadAfterMs),
            replayCapacity: replayCapacity,
            stallTimeout: stallTimeoutMs > 0 ? .milliseconds(stallTimeoutMs) : nil,
            repairTimeout: .milliseconds(repairTimeoutMs)
        )
        configuration.highWaterMark = hwm
        configuration.forgetAfter = forgetAfterMs > 0 ? .milliseconds(forgetAfterMs) : nil
        configuration.maxBatchEnvelopes = maxBatch
        configuration.sendImmediately = sendImmediately
        configuration.ioThreadBatchScheduling = ioBatchScheduling
        configuration.socketBufferSize = socketBuffer
        let member: MeshMember
        do {
            member = try MeshMember(configuration: configuration, logger: logger)
        } catch {
            throw ValidationError("\(error)")
        }
        let manager = MeshHubLifetimeManager(hub: hub, member: member, logger: logger)
        let console = Console(member: member, manager: manager, demo: demo, registry: registry)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: member), .init(service: console, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }
}
