import Foundation
import Histogram

/// Counts received messages and records their latency into an HdrHistogram.
///
/// Used from one thread at a time (the receiving thread); the owner reads it after that thread is done.
final class LatencyRecorder: @unchecked Sendable {
    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    var received = 0
    var firstNanos: UInt64 = 0
    var lastNanos: UInt64 = 0
    var orderErrors = 0
    private var nextSequence: UInt64 = 1
    /// Messages with a sequence below this are warm-up: counted, not recorded.
    let warmup: UInt64
    let recordLatency: Bool
    /// False for payloads that are not `BenchPayload`s (gateway traffic): then only counted.
    let parsePayload: Bool
    /// `HUBMESH_BENCH_LATENCY_TRACE=prefix`: every recorded latency above 250 µs, with when it arrived,
    /// is written to `prefix.PID` at the end (at most 1,000,000 lines), to see when the slow messages came.
    let tracePath = ProcessInfo.processInfo.environment["HUBMESH_BENCH_LATENCY_TRACE"]
    private var trace: [(arrivedNanos: UInt64, latencyNanos: UInt64)] = []

    init(warmup: Int, recordLatency: Bool, parsePayload: Bool = true) {
        self.warmup = UInt64(warmup)
        self.recordLatency = recordLatency
        self.parsePayload = parsePayload
    }

    @inline(__always)
    func receive(_ payload: UnsafeRawBufferPointer) {
        let now = monotonicNanos()
        if received == 0 { firstNanos = now }
        lastNanos = now
        received += 1
        guard parsePayload else { return }
        let sequence = BenchPayload.sequence(payload)
        if sequence != nextSequence { orderErrors += 1 }
        nextSequence = sequence + 1
        if recordLatency && sequence > warmup {
            let sent = BenchPayload.sendTime(payload)
            let latency = now > sent ? now - sent : 0
            _ = histogram.record(latency)
            if tracePath != nil && latency > 250_000 && trace.count < 1_000_000 { trace.append((now, latency)) }
        }
    }

    /// Writes the trace (`HUBMESH_BENCH_LATENCY_TRACE`), if asked for: one line per slow message,
    /// "microseconds since the first arrival, latency in microseconds".
    func writeTrace() {
        guard let tracePath else { return }
        var text = "# \(received) received, \(histogram.totalCount) recorded, \(trace.count) above 250 us\n"
        for entry in trace { text += "\((entry.arrivedNanos - firstNanos) / 1000) \(entry.latencyNanos / 1000)\n" }
        let path = "\(tracePath).\(ProcessInfo.processInfo.processIdentifier)"
        if !FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) {
            FileHandle.standardError.write(Data("latency trace: could not write \(path) (HUBMESH_BENCH_LATENCY_TRACE)\n".utf8))
        }
    }

    func result(expected: Int, extra: [String: Double] = [:]) -> ReceiverResult {
        writeTrace()
        return ReceiverResult(
            received: received, expected: expected, firstNanos: firstNanos, lastNanos: lastNanos,
            orderErrors: orderErrors, latency: recordLatency ? LatencySummary(histogram) : nil, extra: extra)
    }
}

/// p50, p99, p99.9 and max in microseconds.
struct LatencySummary: Codable, Sendable {
    var count: UInt64
    var p50: Double
    var p99: Double
    var p999: Double
    var max: Double

    init(_ histogram: Histogram<UInt64>) {
        count = histogram.totalCount
        p50 = Double(histogram.valueAtPercentile(50)) / 1000
        p99 = Double(histogram.valueAtPercentile(99)) / 1000
        p999 = Double(histogram.valueAtPercentile(99.9)) / 1000
        max = Double(histogram.max) / 1000
    }
}

/// What a receiving process reports (one JSON line: `result {...}`).
struct ReceiverResult: Codable, Sendable {
    var received: Int
    var expected: Int
    var firstNanos: UInt64
    var lastNanos: UInt64
    var orderErrors: Int
    var latency: LatencySummary?
    var extra: [String: Double]
}

/// What a sending process reports (`sent {...}`).
struct SenderResult: Codable, Sendable {
    var sent: Int
    var startNanos: UInt64
    var endNanos: UInt64
    var extra: [String: Double]
}
