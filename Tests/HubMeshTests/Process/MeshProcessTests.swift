import Foundation
import Testing

/// Three (or more) mesh members in separate processes on loopback.
@Suite("Mesh members in separate processes", .serialized)
struct MeshProcessTests {
    @Test func eachKindReachesExactlyTheRightConnections() async throws {
        let (a, endpointA) = try await MemberProcess.start(id: "a")
        defer { a.stop() }
        let (b, _) = try await MemberProcess.start(id: "b", join: [endpointA])
        defer { b.stop() }
        let (c, _) = try await MemberProcess.start(id: "c", join: [endpointA])
        defer { c.stop() }
        // c learned b through a's welcome; wait until everyone sees everyone.
        for member in [a, b, c] { try await waitForMembers(member, count: 2) }

        let a1 = try await a.connect(user: "alice")
        let b1 = try await b.connect(user: "bob")
        let b2 = try await b.connect(user: "alice")
        let c1 = try await c.connect(user: "carol")

        // Group adds issued on a for connections owned by b and c: routed to the owner and acked.
        #expect(try await a.command("add \(b1) room1", expect: "add ") == "add ok \(b1) room1")
        #expect(try await a.command("add \(c1) room1", expect: "add ") == "add ok \(c1) room1")
        #expect(try await a.command("add \(a1) room2", expect: "add ") == "add ok \(a1) room2")

        _ = try await a.command("group room1 g1 \(c1)", expect: "sent")  // c1 excluded
        _ = try await c.command("all all1 \(b2)", expect: "sent")  // b2 excluded
        _ = try await c.command("user alice u1", expect: "sent")
        _ = try await b.command("conn \(c1) x1", expect: "sent")
        for number in 1...50 { _ = try await a.command("group room2 r\(number)", expect: "sent") }

        let expected: [(MemberProcess, String, [String])] = [
            (a, a1, ["all1", "u1"] + (1...50).map { "r\($0)" }),
            (b, b1, ["g1", "all1"]),
            (b, b2, ["u1"]),
            (c, c1, ["all1", "x1"]),
        ]
        for (member, connection, texts) in expected {
            for text in texts { try await member.waitFor { $0 == "recv \(connection) \(text)" } }
        }
        // Nothing else arrives: give stragglers time, then compare exactly.
        try await Task.sleep(for: .milliseconds(500))
        for (member, connection, texts) in expected {
            #expect(Set(member.received(by: connection)) == Set(texts), "\(connection) received \(member.received(by: connection))")
        }
        // b and c have no member in room2: its 50 envelopes never reached them (publisher-side filtering).
        let statsB = try await b.stats().summary
        let statsC = try await c.stats().summary
        #expect(statsB.contains("group:1,"), "\(statsB)")
        #expect(statsC.contains("group:1,"), "\(statsC)")
        #expect(statsB.contains("lost=0") && statsC.contains("lost=0"))
    }

    @Test func groupManagementForUnknownMembersAndConnectionsFailsFast() async throws {
        let (a, endpointA) = try await MemberProcess.start(id: "a")
        defer { a.stop() }
        let (c, _) = try await MemberProcess.start(id: "c", join: [endpointA])
        defer { c.stop() }
        try await waitForMembers(a, count: 1)
        let start = ContinuousClock.now
        let unknownMember = try await a.command("add ghost.abc room1", expect: "add ")
        #expect(unknownMember.hasPrefix("add error unknownMember"), "\(unknownMember)")
        #expect(unknownMember.contains("ghost"))
        let unknownConnection = try await a.command("add c.nosuchconnection room1", expect: "add ")
        #expect(unknownConnection.hasPrefix("add error unknownConnection"), "\(unknownConnection)")
        let malformed = try await a.command("add no-member-part room1", expect: "add ")
        #expect(malformed.hasPrefix("add error invalidName"), "\(malformed)")
        #expect(start.duration(to: .now) < .seconds(2), "errors must come at once, not after a timeout")
    }

    /// Also with the publisher's `--send-immediately` (each publish sent on the publishing thread).
    @Test(arguments: [[], ["--send-immediately"]])
    func orderFromOnePublisherHoldsAcrossKinds(publisherFlags: [String]) async throws {
        let (a, endpointA) = try await MemberProcess.start(id: "a", extra: publisherFlags)
        defer { a.stop() }
        let (b, _) = try await MemberProcess.start(id: "b", join: [endpointA])
        defer { b.stop() }
        try await waitForMembers(a, count: 1)
        let receiver = try await b.connect(user: "alice", quiet: true)
        _ = try await a.command("add \(receiver) room1", expect: "add ok")
        let count = 4000
        _ = try await a.command("mixed \(count) room1 alice \(receiver)", expect: "sent mixed", timeout: .seconds(60))
        let stats = try await waitForCount(b, receiver, count)
        #expect(stats.count == count)
        #expect(stats.orderErrors == 0, "messages of mixed kinds arrived out of publish order")
        #expect(stats.last == count)
    }

    @Test func aMillionEnvelopeBurstArrivesComplete() async throws {
        let (a, endpointA) = try await MemberProcess.start(id: "a")
        defer { a.stop() }
        let (b, _) = try await MemberProcess.start(id: "b", join: [endpointA])
        defer { b.stop() }
        let (c, _) = try await MemberProcess.start(id: "c", join: [endpointA])
        defer { c.stop() }
        for member in [a, b, c] { try await waitForMembers(member, count: 2) }
        let onB = try await b.connect(quiet: true)
        let onC = try await c.connect(quiet: true)
        _ = try await a.command("add \(onB) bulk", expect: "add ok")
        _ = try await a.command("add \(onC) bulk", expect: "add ok")
        let count = 1_000_000
        let start = ContinuousClock.now
        let burst = try await a.command("burst bulk \(count)", expect: "burst ", timeout: .seconds(600))
        let statsB = try await waitForCount(b, onB, count, timeout: .seconds(600))
        let statsC = try await waitForCount(c, onC, count, timeout: .seconds(600))
        let elapsed = start.duration(to: .now)
        print("burst of \(count) envelopes: publisher '\(burst)'; delivered to 2 members in \(elapsed)")
        for stats in [statsB, statsC] {
            #expect(stats.count == count, "lost \(count - stats.count) envelopes")
            #expect(stats.orderErrors == 0)
            #expect(stats.last == count)
        }
        let summaryB = try await b.stats().summary
        #expect(summaryB.contains("lost=0"), "\(summaryB)")
        // The burst crossed the processes in batches (docs/mesh-protocol.md 2.4), not one message each.
        #expect(summaryB.contains("batches=") && !summaryB.contains("batches=0 "), "\(summaryB)")
    }

    /// A batch limit outside 1...65535 is refused at start with a clear message, not silently clamped.
    @Test func anInvalidBatchLimitIsRefusedAtStart() throws {
        for value in ["0", "-3", "70000"] {
            let process = Process()
            process.executableURL = MemberProcess.executable
            process.arguments = ["--mesh", "tcp://127.0.0.1:0", "--max-batch=\(value)"]
            let stderr = Pipe()
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            // Bounded: a member that accepted the value would run until stopped.
            DispatchQueue.global().asyncAfter(deadline: .now() + 10) { if process.isRunning { process.terminate() } }
            let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus != 0, "--max-batch \(value) was accepted")
            #expect(message.contains("--max-batch must be 1 to 65535"), "\(message)")
        }
    }

    @Test func killedMemberIsReportedDeadAndRejoinsAfterRestart() async throws {
        let (a, endpointA) = try await MemberProcess.start(id: "a")
        defer { a.stop() }
        let (b, _) = try await MemberProcess.start(id: "b", join: [endpointA])
        defer { b.stop() }
        var (c, endpointC) = try await MemberProcess.start(id: "c", join: [endpointA])
        defer { c.stop() }
        for member in [a, b, c] { try await waitForMembers(member, count: 2) }
        let firstConnection = try await c.connect()
        _ = try await a.command("add \(firstConnection) room", expect: "add ok")

        let marks = (a.output.count, b.output.count)
        let killedAt = ContinuousClock.now
        c.signal(SIGKILL)
        try await a.waitFor(prefix: "event dead c", from: marks.0, timeout: .seconds(5))
        try await b.waitFor(prefix: "event dead c", from: marks.1, timeout: .seconds(5))
        let detection = killedAt.duration(to: .now)
        print("SIGKILLed member reported dead by both peers after \(detection)")
        #expect(detection < .seconds(5))
        // A group add for a connection of the dead member fails at once.
        let refused = try await a.command("add \(firstConnection) room", expect: "add ")
        #expect(refused.hasPrefix("add error memberDead"), "\(refused)")

        // Restart it as a user would, on the same endpoint: nobody else is restarted.
        let port = Int(endpointC.split(separator: ":").last ?? "0") ?? 0
        (c, endpointC) = try await MemberProcess.start(id: "c", port: port, join: [endpointA])
        try await a.waitFor(prefix: "event restarted c", from: marks.0, timeout: .seconds(10))
        try await b.waitFor(prefix: "event restarted c", from: marks.1, timeout: .seconds(10))
        let secondConnection = try await c.connect()
        _ = try await b.command("add \(secondConnection) room", expect: "add ok")
        _ = try await a.command("group room after-restart", expect: "sent")
        try await c.waitFor { $0 == "recv \(secondConnection) after-restart" }
    }

    /// Once a remote group add is acked, a message the requester publishes in the same breath reaches
    /// the new member, for 40 fresh groups in a row. (On loopback the subscription usually beats the
    /// ack even without the subscription barrier; the barrier is what makes it a guarantee.)
    @Test func aMessageSentRightAfterAGroupAddIsNeverLost() async throws {
        let (a, endpointA) = try await MemberProcess.start(id: "a")
        defer { a.stop() }
        let (b, _) = try await MemberProcess.start(id: "b", join: [endpointA])
        defer { b.stop() }
        let (c, _) = try await MemberProcess.start(id: "c", join: [endpointA])
        defer { c.stop() }
        for member in [a, b, c] { try await waitForMembers(member, count: 2) }
        let onB = try await b.connect()
        for round in 1...40 {
            // Added through c (routed to b, the owner, which acks), then published by c in the same breath.
            _ = try await c.command("addsend \(onB) fresh\(round) from-c-\(round)", expect: "addsend ok")
        }
        try await Task.sleep(for: .milliseconds(500))
        let received = Set(b.received(by: onB))
        let lost = (1...40).filter { !received.contains("from-c-\($0)") }
        #expect(lost.isEmpty, "lost right after the group add: rounds \(lost)")
    }

    // MARK: - Helpers

    func waitForMembers(_ member: MemberProcess, count: Int) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while ContinuousClock.now < deadline {
            let start = member.output.count
            member.send("members")
            try await member.waitFor(prefix: "members end", from: start)
            let alive = member.output.dropFirst(start).filter { $0.hasPrefix("member ") && $0.hasSuffix(" alive") }
            if alive.count >= count { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ProcessTestError("member list did not reach \(count) peers")
    }

    func waitForCount(
        _ member: MemberProcess,
        _ connection: String,
        _ count: Int,
        timeout: Duration = .seconds(60)
    ) async throws -> (count: Int, orderErrors: Int, last: Int) {
        try await waitForStats(member, connection, timeout: timeout) { $0.count >= count }
    }

    /// Polls `stats` until `connection`'s counts satisfy `done` or `timeout` passes; returns the last counts.
    func waitForStats(
        _ member: MemberProcess,
        _ connection: String,
        timeout: Duration,
        until done: (_ stats: (count: Int, orderErrors: Int, last: Int)) -> Bool
    ) async throws -> (count: Int, orderErrors: Int, last: Int) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var latest = (count: 0, orderErrors: 0, last: 0)
        while ContinuousClock.now < deadline {
            latest = try await member.stats().connections[connection] ?? latest
            if done(latest) { return latest }
            try await Task.sleep(for: .milliseconds(250))
        }
        return latest
    }
}
