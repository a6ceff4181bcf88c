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
struct Pacer {
    let start: UInt64
    let interval: Double  // nanoseconds between messages, 0 = unpaced

    init(ratePerSecond: Int) {
        start = monotonicNanos()
        interval = ratePerSecond > 0 ? 1e9 / Double(ratePerSecond) : 0
    }

    /// Waits until message `index` is due and returns its intended send time.
    @inline(__always)
    func due(_ index: Int) -> UInt64 {
        guard interval > 0 else { return monotonicNanos() }
        let target = start + UInt64(Double(index) * interval)
        var now = monotonicNanos()
        while now < target {
            sleepNanos(target - now)
            now = monotonicNanos()
        }
        return target
    }
}
