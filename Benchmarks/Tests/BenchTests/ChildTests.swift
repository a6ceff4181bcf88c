import Glibc
import Testing

@testable import hubmesh_bench

/// How the harness starts its children. A child inherits the signal mask of the thread that
/// spawns it, and perf needs SIGINT delivered to stop and write a readable profile.
@Suite("Harness children")
struct ChildTests {
    /// The signals blocked in a child started while the spawning thread blocks SIGINT and SIGTERM
    /// (grep itself, not a shell: dash clears its mask when it starts).
    static func childMask() throws -> String? {
        var blocked = sigset_t()
        var saved = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGINT)
        sigaddset(&blocked, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &blocked, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        let child = try Child(
            name: "mask", executable: "/bin/grep", arguments: ["SigBlk", "/proc/self/status"], quitsOnStdin: false)
        defer { child.stop(grace: 1) }
        return child.readLine(timeout: 10)
    }

    @Test func childrenStartWithNoSignalBlocked() throws {
        let line = try #require(try Self.childMask())
        #expect(line.hasPrefix("SigBlk:"))
        #expect(line.split(separator: "\t").last.flatMap { UInt64($0, radix: 16) } == 0, "\(line)")
    }

    @Test func theSpawningThreadKeepsItsMask() throws {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGUSR2)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        defer { pthread_sigmask(SIG_UNBLOCK, &blocked, nil) }
        let child = try Child(name: "true", executable: "/bin/true", arguments: [], quitsOnStdin: false)
        child.stop(grace: 1)
        var current = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &current)
        #expect(sigismember(&current, SIGUSR2) == 1)
    }
}
