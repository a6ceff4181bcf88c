#if canImport(Glibc)
    import Glibc
#endif

/// The Linux scheduling policy (``MeshConfiguration/ioThreadBatchScheduling``) and name of the member's I/O thread.
enum IOThreadScheduling {
    /// `SCHED_OTHER` and `SCHED_BATCH` from `<sched.h>` (the values are Linux's ABI).
    static let normalPolicy: Int32 = 0
    static let batchPolicy: Int32 = 3

    /// Puts the calling thread under `SCHED_BATCH`; nil when done, otherwise why not.
    static func applyBatch() -> String? {
        #if os(Linux)
            var parameters = sched_param()
            parameters.sched_priority = 0
            guard sched_setscheduler(0, batchPolicy, &parameters) == 0 else { return String(cString: strerror(errno)) }
            return nil
        #else
            return "SCHED_BATCH exists on Linux only"
        #endif
    }

    /// The calling thread's policy as the kernel reports it (Linux), nil elsewhere or on error.
    static func currentPolicy() -> Int32? {
        #if os(Linux)
            let policy = sched_getscheduler(0)
            return policy >= 0 ? policy : nil
        #else
            return nil
        #endif
    }

    /// Names the calling thread for the OS (Linux: at most 15 bytes are kept), through
    /// `/proc/thread-self/comm` (Glibc's module does not export `pthread_setname_np`). Best effort.
    static func nameCurrentThread(_ name: String) {
        #if os(Linux)
            let descriptor = open("/proc/thread-self/comm", O_WRONLY)
            guard descriptor >= 0 else { return }
            defer { close(descriptor) }
            let bytes = Array(name.utf8.prefix(15))
            _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        #endif
    }
}
