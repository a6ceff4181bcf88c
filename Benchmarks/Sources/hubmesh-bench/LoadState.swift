import Foundation
import Histogram
import Synchronization

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

extension LoadState {
    /// The `ready`/`result` side of the role: says `ready <joined> failed=<n> <first error>` once
    /// every connection has joined or failed (or at the deadline); then, unless `idle`, says
    /// `result {json}` once every connection got `expect` messages (or at the deadline); then
    /// waits for `quit`, sets ``stopping`` and throws `CancellationError` to end the role.
    func report(connections: Int, idle: Bool, expect: Int, timeout: Double) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(timeout))
        while joinedCount + failures < connections && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        RoleIO.say("ready \(joinedCount) failed=\(failures) \(firstError ?? "")")
        if idle {
            await RoleIO.wait(for: "quit")
        } else {
            while !complete(expect: expect) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            RoleIO.say("result", result(expect: expect))
            await RoleIO.wait(for: "quit")
        }
        stopping.store(true, ordering: .relaxed)
        throw CancellationError()
    }
}

extension LoadState {
    /// Applies an event of connection `index`'s session (both engines of `ws-clients`); returns the
    /// text the connection must write for `.send`.
    func apply(_ event: SignalRLoadSession.Event, index: Int, gate: AsyncGate) -> String? {
        switch event {
        case .send(let text):
            return text
        case .joined:
            joined(index)
            gate.release(index)
        case .delivered(let sentNanos, let sequence):
            delivered(index: index, sentNanos: sentNanos, sequence: sequence)
        case .closedByServer:
            closedByServer()
        }
        return nil
    }
}
