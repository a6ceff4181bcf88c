import CZeroMQ
import Synchronization

/// A libzmq context. Contexts are thread-safe; the sockets they create are not.
public final class Context: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private let terminated = Atomic<Bool>(false)

    /// Creates a context.
    /// - Parameter ioThreads: libzmq background I/O threads (default 1).
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        self.handle = handle
        if ioThreads != 1 {
            zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads)
        }
    }

    /// Makes blocking calls on this context's sockets return `contextTerminated`.
    /// Call it before closing sockets from another thread is needed; `deinit` terminates the context.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    /// Terminates the context: waits until every closed socket's pending messages are sent (up to
    /// each socket's linger), then frees it. Close every socket first. Call it before the process
    /// exits, or the tail of what was queued is lost. Safe to call more than once.
    public func terminate() {
        guard !terminated.exchange(true, ordering: .acquiringAndReleasing) else { return }
        while zmq_ctx_term(handle) != 0 && czmq_errno() == EINTR {}
    }

    deinit {
        // Sockets hold a strong reference to their context, so all are closed by now.
        terminate()
    }

    /// The libzmq version as (major, minor, patch).
    public static var version: (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }

    /// Whether libzmq was built with a capability, e.g. `"curve"`.
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) != 0
    }
}
