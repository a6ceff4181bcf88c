import Foundation
import Testing

@testable import HubMesh

/// The member's I/O thread runs under `SCHED_BATCH` when asked (``MeshConfiguration/ioThreadBatchScheduling``,
/// `--io-batch-scheduling`), under the default policy otherwise: as the kernel reports it to the
/// thread itself, and as `/proc` shows it for a `hubmesh-member` process started with and without
/// the flag (which also checks that the thread carries its name, `hubmesh-io`, for `ps` and perf).
@Suite("The I/O thread's scheduling policy")
struct IOSchedulingTests {
    @Test(arguments: [true, false])
    func aLibraryMemberAppliesTheConfiguredPolicy(batch: Bool) async throws {
        let member = try MemberPair.member("sched") { $0.ioThreadBatchScheduling = batch }
        #expect(!MeshConfiguration(memberID: "d").ioThreadBatchScheduling, "off by default")
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await member.run() }
            defer { member.stop() }
            let deadline = ContinuousClock.now.advanced(by: .seconds(10))
            while member.ioThreadPolicy.load(ordering: .acquiring) < 0 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #if os(Linux)
                let expected = batch ? IOThreadScheduling.batchPolicy : IOThreadScheduling.normalPolicy
                #expect(member.ioThreadPolicy.load(ordering: .acquiring) == expected)
            #else
                #expect(member.ioThreadPolicy.load(ordering: .acquiring) == -1)
            #endif
        }
    }

    #if os(Linux)
        @Test(arguments: [([String](), IOThreadScheduling.normalPolicy), (["--io-batch-scheduling"], IOThreadScheduling.batchPolicy)])
        func theCommandLineMemberRunsItsIOThreadUnderTheChosenPolicy(flags: [String], policy: Int32) async throws {
            let (member, _) = try await MemberProcess.start(id: "sched", extra: flags)
            defer { member.stop() }
            let policies = try Self.policies(ofThreadsNamed: "hubmesh-io", in: member.process.processIdentifier)
            #expect(policies == [policy], "flags \(flags)")
        }

        /// The scheduling policy (field 41 of `/proc/<pid>/task/<tid>/stat`) of each thread called `name`.
        static func policies(ofThreadsNamed name: String, in pid: Int32) throws -> [Int32] {
            let tasks = "/proc/\(pid)/task"
            return try FileManager.default.contentsOfDirectory(atPath: tasks).sorted().compactMap { tid in
                let comm = try String(contentsOfFile: "\(tasks)/\(tid)/comm", encoding: .utf8)
                guard comm.trimmingCharacters(in: .whitespacesAndNewlines) == name else { return nil }
                let stat = try String(contentsOfFile: "\(tasks)/\(tid)/stat", encoding: .utf8)
                // The command name (field 2) may hold spaces: the fields after it start at its ')'.
                guard let close = stat.lastIndex(of: ")") else { return nil }
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                return fields.count > 38 ? Int32(fields[38]) : nil
            }
        }
    #endif
}
