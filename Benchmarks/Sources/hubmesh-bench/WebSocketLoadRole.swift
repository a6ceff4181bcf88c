import ArgumentParser
import Foundation
import Logging
import NIOCore
import WSClient

/// `ws-clients`: many SignalR clients in one process.
///
/// Each connection opens `ws://…/<hub>` directly (no negotiate), does the JSON handshake, invokes
/// `<join-method>(group)` and waits for its completion. When all have joined the process says
/// `ready <n>`; it then counts the invocations of `--method` each connection receives and reads the
/// publish time out of their first argument (`"<monotonic ns>:<seq>:filler"`). It reports when every
/// connection got `--expect` messages, or at the timeout. With `--idle` the connections only
/// hand-shake, and stay open until `quit`.
///
/// Three engines run the same ``SignalRLoadSession`` per connection: `hummingbird` (the default:
/// hummingbird's `WSClient`, one task per connection reading an async frame stream), `nio`
/// (``NIOLoadClient``: plain SwiftNIO channels whose handler parses each frame in `channelRead`) and
/// `posix` (``PosixLoadClient``: plain sockets read by one epoll thread, as the fan-out floor's).
struct WebSocketLoadRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ws-clients", abstract: "(role) SignalR WebSocket load client", shouldDisplay: false)

    enum Engine: String, ExpressibleByArgument, CaseIterable, Sendable {
        case hummingbird
        case nio
        case posix
    }

    @Option var url: String
    @Option var connections = 500
    @Option var group = "g1"
    @Option var joinMethod = "JoinGroup"
    @Option var method = "m"
    @Option var expect = 0
    @Option var warmup = 0
    @Option var timeout: Double = 60
    @Option var connectConcurrency = 200
    @Option(help: "hummingbird (WSClient), nio (channel handlers) or posix (plain sockets, one epoll thread).") var engine = Engine.hummingbird
    @Option(help: "Event-loop threads of the nio engine.") var threads = 1
    @Flag var idle = false

    func run() async throws {
        let state = LoadState(connections: connections, warmup: warmup)
        await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                switch engine {
                case .hummingbird: try await runHummingbird(state: state)
                case .nio:
                    try await NIOLoadClient(
                        url: url, connections: connections, connectConcurrency: connectConcurrency, threads: threads,
                        session: SignalRLoadSession(group: group, joinMethod: joinMethod, method: method, idle: idle)
                    ).run(state: state)
                case .posix:
                    try await PosixLoadClient(
                        url: url, connections: connections,
                        session: SignalRLoadSession(group: group, joinMethod: joinMethod, method: method, idle: idle)
                    ).run(state: state)
                }
            }
            tasks.addTask {
                try await state.report(connections: connections, idle: idle, expect: expect, timeout: timeout)
            }
            // The report ends the role (its counts are what the orchestrator reads); an engine that
            // fails first is said on stderr, and the report then shows what did not arrive.
            do {
                try await tasks.next()
            } catch is CancellationError {
            } catch {
                FileHandle.standardError.write(Data("ws-clients (\(engine)): \(error)\n".utf8))
            }
            tasks.cancelAll()
        }
    }

    /// The hummingbird engine: one `WebSocketClient.connect` task per connection.
    func runHummingbird(state: LoadState) async throws {
        let logger = Logger(label: "ws-clients")
        let connections = self.connections
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, autoPing: .disabled)
        let url = self.url
        let session = SignalRLoadSession(group: group, joinMethod: joinMethod, method: method, idle: idle)
        // Connections are opened `connectConcurrency` at a time (a connect storm is not the workload).
        let gate = AsyncGate(permits: self.connectConcurrency)
        try await withThrowingTaskGroup(of: Void.self) { clients in
            for index in 0..<connections {
                await gate.acquire()
                clients.addTask {
                    do {
                        try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                            try await SignalRLoadConnection.run(
                                index: index, inbound: inbound, outbound: outbound, session: session, state: state, gate: gate)
                        }
                    } catch {
                        state.failed(error)
                        gate.releaseIfHeld(index)
                    }
                }
            }
            try await clients.waitForAll()
        }
    }
}

/// One client connection of the hummingbird engine.
enum SignalRLoadConnection {
    static func run(
        index: Int, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, session: SignalRLoadSession,
        state: LoadState, gate: AsyncGate
    ) async throws {
        var session = session
        try await outbound.writeTextMessage(SignalRLoadSession.handshake)
        for try await frame in inbound {
            frame.data.withUnsafeReadableBytes { session.append($0) }
            while let event = try session.next() {
                if let text = state.apply(event, index: index, gate: gate) { try await outbound.writeTextMessage(text) }
            }
            if state.stopping.load(ordering: .relaxed) { break }
        }
        if session.joined && !state.stopping.load(ordering: .relaxed) { state.closedByServer() }
    }
}
