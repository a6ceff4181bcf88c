import ArgumentParser
import Foundation
import HubMesh
import HubServer

/// `hubmesh-node`: a standalone SignalR hub node in a HubMesh mesh. Thin: it turns flags into a
/// ``NodeConfiguration`` and calls ``HubNode/run(_:logger:gracefulShutdownSignals:output:)``.
@main
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubmesh-node",
        abstract: "A SignalR-compatible hub node that scales out over a ZeroMQ mesh.",
        discussion: "Prints 'ready node=… http=… mesh=…' on stdout once it serves; logs go to stderr. SIGINT/SIGTERM stop it gracefully."
    )

    @Option(help: "HTTP and WebSocket address, host:port (port 0 picks a free one).")
    var http = "127.0.0.1:5000"

    @Option(help: "Mesh ROUTER endpoint; the PUB socket takes the next port (port 0 picks free ones).")
    var mesh = "tcp://127.0.0.1:6000"

    @Option(help: "Mesh endpoint of an existing member to join (repeatable).")
    var join: [String] = []

    @Option(help: "A hub to serve, with JoinGroup and LeaveGroup (repeatable; default: chat).")
    var hub: [String] = []

    @Option(help: "This node's member id (A–Z a–z 0–9 _ -); default: random.")
    var id: String?

    @Option(help: "HMAC secret verifying bearer JWTs (HS256). Also read from HUBMESH_JWT_SECRET.")
    var jwtSecret: String?

    @Option(help: "PEM file of the RSA or EC P-256 public key verifying bearer JWTs (RS256/ES256).")
    var jwtPublicKeyFile: String?

    @Flag(help: "Refuse negotiate and WebSocket requests without a valid bearer token (401).")
    var requireAuth = false

    @Option(help: "Who may JoinGroup: open (anyone) or claim (only groups in the token's 'groups' claim).")
    var groupPermission: GroupPermission = .open

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(name: .customLong("static"), help: "Serve the files of this folder at / (for example Examples/chat).")
    var staticDirectory: String?

    @Option(
        help: ArgumentHelp(
            "Let browser clients on pages of this origin negotiate (CORS) and open WebSockets, e.g. https://app.example.com; repeatable; "
                + "* allows any. Once set, WebSocket upgrades from pages of other origins are refused (403); programs that send no Origin are not affected.",
            valueName: "origin"))
    var corsOrigin: [String] = []

    @Flag(help: "Add the example chat hub methods (JoinRoom, LeaveRoom, SendMessage) to the hub 'chat'.")
    var chat = false

    @Flag(help: "Serve the hub 'test' (Echo, Add, SendToUser, ...). For tests only: any client can message any user.")
    var testHub = false

    @Option(help: "Send a Ping after this many milliseconds without sending (default 15000; checked every min(1 s, ¼ of the shortest interval)).")
    var keepAliveMs = 15_000

    @Option(help: "Close a client silent for this many milliseconds (default 30000; checked as above).")
    var clientTimeoutMs = 30_000

    @Option(help: "Close a client whose handshake takes longer (default 15000).")
    var handshakeTimeoutMs = 15_000

    @Option(help: "Largest message accepted from a client, in bytes (default 32768).")
    var maxMessageSize = HubMessageReaderDefaults.maxMessageSize

    @Option(help: "Bytes of messages that may wait for a slow client before it is closed (default 1 MiB).")
    var maxBufferedBytes = 1 << 20

    @Flag(help: "Send the message of every hub method error to clients (default: only deliberate ones).")
    var detailedErrors = false

    @Option(help: "Mesh ZeroMQ high-water mark per peer, in messages (a message may be a batch of envelopes).")
    var meshHwm: Int32 = 10_000

    @Option(help: "Envelopes of one topic packed into one mesh message at most, under load (1: no batching).")
    var meshMaxBatch: Int = 64

    @Flag(help: "Send each published envelope on the publishing thread instead of the mesh I/O thread: lower latency, less throughput (no batches).")
    var meshSendImmediately = false

    @Flag(
        help:
            "Run the mesh I/O thread under Linux SCHED_BATCH: waking it never preempts another thread, so batches grow under load; it waits longer when other work fills the CPU."
    )
    var meshIoBatchScheduling = false

    @Option(help: "Seconds of silence after which a dead mesh peer is forgotten and its connections closed (0: never; seeds never are).")
    var meshForgetAfter: Int = 60

    func run() async throws {
        var configuration = try makeConfiguration()
        do {
            configuration.metrics = try HubNode.bootstrap(logLevel: logLevel)
            try await HubNode.run(configuration)
        } catch let error as HubServerError where error.code == .configuration {
            throw ValidationError(error.message)
        }
    }

    func makeConfiguration() throws -> NodeConfiguration {
        guard [keepAliveMs, clientTimeoutMs, handshakeTimeoutMs, maxMessageSize, maxBufferedBytes].allSatisfy({ $0 > 0 }) else {
            throw ValidationError("timeouts and sizes must be positive")
        }
        if let problem = MeshConfiguration.flagProblem(highWaterMark: meshHwm, maxBatchEnvelopes: meshMaxBatch) { throw ValidationError(problem) }
        if let problem = MeshConfiguration.forgetAfterProblem(seconds: meshForgetAfter) { throw ValidationError(problem) }
        if let problem = corsOrigin.lazy.compactMap(HubServerConfiguration.corsOriginProblem).first { throw ValidationError(problem) }
        var key: AuthConfiguration.Key?
        if let secret = jwtSecret ?? ProcessInfo.processInfo.environment["HUBMESH_JWT_SECRET"], !secret.isEmpty {
            key = .secret(secret)
        }
        if let path = jwtPublicKeyFile {
            guard key == nil else { throw ValidationError("use --jwt-secret or --jwt-public-key-file, not both") }
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("cannot read the public key file '\(path)'")
            }
            key = .publicKeyPEM(pem)
        }
        var configuration = NodeConfiguration(
            id: id,
            http: http,
            mesh: mesh,
            join: join,
            hubs: hub.isEmpty ? ["chat"] : hub,
            chat: chat,
            testHub: testHub,
            groupPermission: groupPermission,
            auth: AuthConfiguration(key: key, required: requireAuth),
            session: SessionConfiguration(
                connection: HubConnectionConfiguration(
                    handshakeTimeout: .milliseconds(handshakeTimeoutMs),
                    keepAliveInterval: .milliseconds(keepAliveMs),
                    clientTimeout: .milliseconds(clientTimeoutMs),
                    maxMessageSize: maxMessageSize
                ),
                maxBufferedBytes: maxBufferedBytes
            ),
            staticDirectory: staticDirectory,
            detailedErrors: detailedErrors
        )
        configuration.meshHighWaterMark = meshHwm
        configuration.meshMaxBatch = meshMaxBatch
        configuration.meshSendImmediately = meshSendImmediately
        configuration.meshIOBatchScheduling = meshIoBatchScheduling
        configuration.meshForgetAfter = meshForgetAfter > 0 ? .seconds(meshForgetAfter) : nil
        configuration.corsOrigins = corsOrigin
        return configuration
    }
}

extension GroupPermission: ExpressibleByArgument {}
