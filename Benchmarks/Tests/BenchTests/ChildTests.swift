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

    /// Executables that stop on SIGTERM (nodes, the gateway) are not kept waiting for a `quit` they
    /// never read, and children stopped together share one grace period.
    @Test func childrenThatStopOnSIGTERMStopAtOnceAndTogether() throws {
        let children = try (0..<3).map { index in
            try Child(name: "sleep\(index)", executable: "/bin/sleep", arguments: ["30"], quitsOnStdin: false)
        }
        let started = ContinuousClock.now
        Child.stop(children, grace: 3)
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(children.allSatisfy { !$0.process.isRunning })
    }

    @Test func childrenThatIgnoreQuitAreTerminatedAfterOneSharedGracePeriod() throws {
        let children = try (0..<3).map { index in
            try Child(name: "sleep\(index)", executable: "/bin/sleep", arguments: ["30"], quitsOnStdin: true)
        }
        let started = ContinuousClock.now
        Child.stop(children, grace: 1)
        let took = ContinuousClock.now - started
        #expect(took >= .seconds(1) && took < .milliseconds(2_500), "\(took)")
        #expect(children.allSatisfy { !$0.process.isRunning })
    }
}

/// The harness's check of its own time limit (the issue: `--quick` under 2 minutes, full under 15).
@Suite("Harness duration checks")
struct DurationCheckTests {
    static let all: Set<String> = ["hop", "peers", "ingest", "fanout", "connections", "scaling"]

    @Test func aQuickRunOfEveryWorkloadIsHeldToTwoMinutes() {
        let fast = RunCommand.durationChecks(workloads: Self.all, quick: true, repeats: 1, seconds: 46)
        #expect(fast.map(\.met) == [true])
        #expect(fast.first?.measured == "46 s")
        let slow = RunCommand.durationChecks(workloads: Self.all, quick: true, repeats: 1, seconds: 121)
        #expect(slow.map(\.met) == [false])
    }

    @Test func aFullRunOfEveryWorkloadIsHeldToFifteenMinutes() {
        #expect(RunCommand.durationChecks(workloads: Self.all, quick: false, repeats: 3, seconds: 899).map(\.met) == [true])
        #expect(RunCommand.durationChecks(workloads: Self.all, quick: false, repeats: 3, seconds: 901).map(\.met) == [false])
    }

    @Test func partialRunsAndOtherRepeatsAreNotChecked() {
        #expect(RunCommand.durationChecks(workloads: ["hop"], quick: true, repeats: 1, seconds: 500).isEmpty)
        #expect(RunCommand.durationChecks(workloads: Self.all, quick: false, repeats: 5, seconds: 5_000).isEmpty)
    }
}
