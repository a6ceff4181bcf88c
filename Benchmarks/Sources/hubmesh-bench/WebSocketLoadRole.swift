import ArgumentParser
import Foundation
import Histogram
import HubProtocol
import Logging
import NIOCore
import NIOPosix
import Synchronization
import WSClient

/// `ws-clients`: many SignalR clients in one process (hummingbird's WebSocket client + HubProtocol).
///
/// Each connection opens `ws://…/<hub>` directly (no negotiate), does the JSON handshake, invokes
/// `<join-method>(group)` and waits for its completion. When all have joined the process says
/// `ready <n>`; it then counts the invocations of `--method` each connection receives and reads the
/// publish time out of their first argument (`"<monotonic ns>:<seq>:filler"`). It reports when every
/// connection got `--expect` messages, or at the timeout. With `--idle` the connections only
/// hand-shake, and stay open until `quit`.
struct WebSocketLoadRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ws-clients", abstract: "(role) SignalR WebSocket load client", shouldDisplay: false)

    @Option var url: String
    @Option var connections = 500
    @Option var group = "g1"
    @Option var joinMethod = "JoinGroup"
    @Option var method = "m"
    @Option var expect = 0
    @Option var warmup = 0
    @Option var timeout: Double = 60
    @Option var connectConcurrency = 200
    @Flag var idle = false

    func run() async throws {
        let state = LoadState(connections: connections, warmup: warmup)
        let logger = Logger(label: "ws-clients")
        let connections = self.connections
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, autoPing: .disabled)
        let url = self.url, group = self.group, joinMethod = self.joinMethod, method = self.method, idle = self.idle, expect = self.expect
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // Connections are opened `connectConcurrency` at a time (a connect storm is not the workload).
                let gate = AsyncGate(permits: self.connectConcurrency)
                try await withThrowingTaskGroup(of: Void.self) { clients in
                    for index in 0..<connections {
                        await gate.acquire()
                        clients.addTask {
                            do {
                                try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                                    try await SignalRLoadConnection.run(
                                        index: index, inbound: inbound, outbound: outbound, group: group, joinMethod: joinMethod,
                                        method: method, idle: idle, expect: expect, state: state, gate: gate)
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
            tasks.addTask {
                // Report readiness, then results.
                let deadline = ContinuousClock.now.advanced(by: .seconds(self.timeout))
                while state.joinedCount + state.failures < connections && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                RoleIO.say("ready \(state.joinedCount) failed=\(state.failures) \(state.firstError ?? "")")
                if idle {
                    await RoleIO.wait(for: "quit")
                } else {
                    while !state.complete(expect: expect) && ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    RoleIO.say("result", state.result(expect: expect))
                    await RoleIO.wait(for: "quit")
                }
                state.stopping.store(true, ordering: .relaxed)
                throw CancellationError()
            }
            do { try await tasks.next() } catch {}
            tasks.cancelAll()
        }
    }
}

/// One client connection's protocol.
enum SignalRLoadConnection {
    static func run(
        index: Int, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, group: String, joinMethod: String,
        method: String, idle: Bool, expect: Int, state: LoadState, gate: AsyncGate
    ) async throws {
        let codec = JSONHubProtocol()
        try await outbound.writeTextMessage(#"{"protocol":"json","version":1}"# + "\u{1E}")
        var reader = codec.makeReader(maxMessageSize: 1 << 20)
        var handshakeDone = false
        var joined = false
        var received = 0
        var pending: [UInt8] = []
        for try await frame in inbound {
            var data = frame.data
            let bytes = data.readBytes(length: data.readableBytes) ?? []
            if !handshakeDone {
                pending += bytes
                guard let separator = pending.firstIndex(of: 0x1E) else { continue }
                let answer = String(decoding: pending[..<separator], as: UTF8.self)
                guard answer == "{}" else { throw BenchError("handshake refused: \(answer)") }
                handshakeDone = true
                reader.append(pending[(separator + 1)...])
                if idle {
                    state.joined(index)
                    gate.release(index)
                    joined = true
                } else {
                    let invocation = HubMessage.invocation(
                        InvocationMessage(invocationId: "1", target: joinMethod, arguments: [.string(group)]))
                    try await outbound.writeTextMessage(String(decoding: try codec.encode(invocation), as: UTF8.self))
                }
            } else {
                reader.append(bytes)
            }
            while let message = try reader.next() {
                switch message {
                case .completion(let completion) where !joined:
                    if case .error(let error) = completion.outcome { throw BenchError("\(joinMethod) failed: \(error)") }
                    joined = true
                    state.joined(index)
                    gate.release(index)
                case .invocation(let invocation) where invocation.target == method:
                    received += 1
                    var sent: UInt64 = 0
                    var sequence: UInt64 = 0
                    if case .string(let text)? = invocation.arguments.first {
                        let parts = text.utf8.split(separator: UInt8(ascii: ":"), maxSplits: 2)
                        if parts.count >= 2 {
                            sent = UInt64(Substring(parts[0])) ?? 0
                            sequence = UInt64(Substring(parts[1])) ?? 0
                        }
                    }
                    state.delivered(index: index, sentNanos: sent, sequence: sequence)
                case .close:
                    state.closedByServer()
                default:
                    break
                }
            }
            if state.stopping.load(ordering: .relaxed) { break }
        }
        if joined && !state.stopping.load(ordering: .relaxed) { state.closedByServer() }
    }
}

/// Counters shared by every connection of the process.
final class LoadState: Sendable {
    struct Inner {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var perConnection: [Int]
        var firstNanos: UInt64 = 0
        var lastNanos: UInt64 = 0
        var total = 0
        var joined = 0
        var failures = 0
        var closed = 0
        var firstError: String?
    }
    let inner: Mutex<Inner>
    let stopping = Atomic<Bool>(false)
    let warmup: UInt64

    init(connections: Int, warmup: Int) {
        inner = Mutex(Inner(perConnection: Array(repeating: 0, count: connections)))
        self.warmup = UInt64(warmup)
    }

    var joinedCount: Int { inner.withLock { $0.joined } }
    var failures: Int { inner.withLock { $0.failures } }
    var firstError: String? { inner.withLock { $0.firstError } }

    func joined(_ index: Int) { inner.withLock { $0.joined += 1 } }
    func closedByServer() { inner.withLock { $0.closed += 1 } }
    func failed(_ error: any Error) {
        inner.withLock {
            $0.failures += 1
            if $0.firstError == nil { $0.firstError = "\(error)".replacingOccurrences(of: "\n", with: " ") }
        }
    }

    func delivered(index: Int, sentNanos: UInt64, sequence: UInt64) {
        let now = monotonicNanos()
        inner.withLock {
            if $0.total == 0 { $0.firstNanos = now }
            $0.lastNanos = now
            $0.total += 1
            $0.perConnection[index] += 1
            if sentNanos > 0 && sequence > warmup { _ = $0.histogram.record(now > sentNanos ? now - sentNanos : 0) }
        }
    }

    func complete(expect: Int) -> Bool {
        inner.withLock { state in state.joined > 0 && state.total >= expect * state.joined }
    }

    func result(expect: Int) -> ReceiverResult {
        inner.withLock { state in
            ReceiverResult(
                received: state.total, expected: expect * state.joined, firstNanos: state.firstNanos, lastNanos: state.lastNanos,
                orderErrors: 0, latency: state.histogram.totalCount > 0 ? LatencySummary(state.histogram) : nil,
                extra: [
                    "minPerConnection": Double(state.perConnection.min() ?? 0), "joined": Double(state.joined),
                    "closedByServer": Double(state.closed), "failures": Double(state.failures),
                ])
        }
    }
}

/// A counting semaphore for connection set-up; each connection releases its permit once.
final class AsyncGate: Sendable {
    private struct State {
        var permits: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        var released = Set<Int>()
    }
    private let state: Mutex<State>

    init(permits: Int) { state = Mutex(State(permits: permits)) }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s -> Bool in
                if s.permits > 0 {
                    s.permits -= 1
                    return true
                }
                s.waiters.append(continuation)
                return false
            }
            if go { continuation.resume() }
        }
    }

    func release(_ index: Int) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard s.released.insert(index).inserted else { return nil }
            if s.waiters.isEmpty {
                s.permits += 1
                return nil
            }
            return s.waiters.removeFirst()
        }
        waiter?.resume()
    }

    func releaseIfHeld(_ index: Int) { release(index) }
}
