import CBenchClock
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Nanoseconds on CLOCK_MONOTONIC: one clock for every process on the machine, so a timestamp
/// written by a publisher process can be subtracted from the time a subscriber process reads it.
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Sleeps the calling (dedicated) thread; never used on the cooperative pool.
func sleepNanos(_ nanos: UInt64) {
    var ts = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
    nanosleep(&ts, nil)
}

/// Hands out send times at a fixed rate (or as fast as possible when the rate is 0).
///
/// Latency is measured from the *intended* send time, not the time the send happened, so a
/// publisher that falls behind shows up in the latency instead of hiding it (no coordinated omission).
///
/// Create it on the thread that sends: a paced pacer sets that thread's timer slack to 1 ns. With
/// Linux's default slack (50 µs), a 10 µs sleep here lasted 77 µs on an idle machine and 530 µs under
/// load, so "100 k messages/s" went out in bursts, and every message but the last of a burst counted
/// the pacer's oversleep as latency of the system measured. With 1 ns slack the same sleep lasts
/// ~24 µs. Whatever lateness is left is reported (``report``).
struct Pacer {
    let start: UInt64
    let interval: Double  // nanoseconds between messages, 0 = unpaced
    /// How late the pacer handed out each due time (after its sleep), summed, and how often by more
    /// than 20 µs: the harness's own contribution to the measured latency, reported by every sender.
    private var lateNanos: UInt64 = 0
    private var lateOver20: Int = 0
    private var paced: Int = 0

    /// `start`: when message 0 is due (now by default); senders on several threads share one.
    init(ratePerSecond: Int, start: UInt64? = nil) {
        // HUBMESH_BENCH_PACER_SLACK=default keeps Linux's slack: to compare with runs made before.
        let setting = ProcessInfo.processInfo.environment["HUBMESH_BENCH_PACER_SLACK"]
        if let setting, setting != "default" {
            FileHandle.standardError.write(Data("pacer: HUBMESH_BENCH_PACER_SLACK='\(setting)' ignored (only 'default' is known)\n".utf8))
        }
        let keepSlack = setting == "default"
        if ratePerSecond > 0 && !keepSlack && bench_set_timer_slack(1) != 0 {
            FileHandle.standardError.write(Data("pacer: could not set the timer slack (errno \(errno)): sends may come in bursts\n".utf8))
        }
        self.start = start ?? monotonicNanos()
        interval = ratePerSecond > 0 ? 1e9 / Double(ratePerSecond) : 0
    }

    /// Waits until message `index` is due and returns its intended send time.
    @inline(__always)
    mutating func due(_ index: Int) -> UInt64 {
        guard interval > 0 else { return monotonicNanos() }
        let target = start + UInt64(Double(index) * interval)
        var now = monotonicNanos()
        while now < target {
            sleepNanos(target - now)
            now = monotonicNanos()
        }
        let late = now - target
        lateNanos &+= late
        if late > 20_000 { lateOver20 += 1 }
        paced += 1
        return target
    }

    /// For a sender's result: the mean lateness (µs) and the share of sends more than 20 µs late.
    var report: [String: Double] {
        guard paced > 0 else { return [:] }
        return ["pacerLateMeanMicros": Double(lateNanos) / Double(paced) / 1000, "pacerLateOver20Share": Double(lateOver20) / Double(paced)]
    }
}
