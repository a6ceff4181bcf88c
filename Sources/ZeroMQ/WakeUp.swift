import CZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// A Linux eventfd used to wake a thread blocked in `Poller.poll` from any other thread.
public final class WakeUp: @unchecked Sendable {
    /// The descriptor to add to a `Poller`.
    public let fileDescriptor: Int32

    /// Creates the eventfd (non-blocking).
    public init() throws(ZMQError) {
        let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard fd >= 0 else { throw ZMQError(errno: czmq_errno(), operation: "eventfd") }
        fileDescriptor = fd
    }

    deinit { _ = Glibc.close(fileDescriptor) }

    /// Wakes the poller. Safe from any thread, any number of times.
    public func signal() {
        var one: UInt64 = 1
        _ = write(fileDescriptor, &one, 8)
    }

    /// Clears pending signals; call after the poller reported the descriptor readable.
    public func drain() {
        var value: UInt64 = 0
        _ = read(fileDescriptor, &value, 8)
    }
}
