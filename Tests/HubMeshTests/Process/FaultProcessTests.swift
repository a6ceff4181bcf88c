import Foundation
import Testing

/// Delivery under faults, with real processes: a stalled member, and loss beyond the replay buffer.
@Suite("Mesh members under faults", .serialized)
struct FaultProcessTests {
    /// Small pipes and kernel buffers, so a stalled member fills them within a fraction of a second.
    /// The high-water mark counts ZeroMQ messages, and under load one message is a batch of up to 64
    /// envelopes: 50 of them hold about what 500 single frames did.
    static let tightBuffers = ["--hwm", "50", "--socket-buffer", "65536"]

    /// On defaults: a member stopped for 2 s does not hold the others back (pipes and socket buffers
    /// hold what they can; past 500 ms of a blocked PUB the publisher isolates it), the others keep
    /// receiving, and it catches up complete and in order (repairing what was dropped for it).
    @Test func aStalledMemberCatchesUpInOrderWhileTheOthersKeepReceiving() async throws {
        let (a, endpointA) = try await MemberProcess.start(id: "a")
        defer { a.stop() }
        let (b, _) = try await MemberProcess.start(id: "b", join: [endpointA])
        defer { b.stop() }
        let (c, _) = try await MemberProcess.start(id: "c", join: [endpointA])
        defer {
            c.signal(SIGCONT)
            c.stop()
        }
        for member in [a, b, c] { try await MeshProcessTests().waitForMembers(member, count: 2) }
        let onA = try await a.connect(quiet: true)
        let onB = try await b.connect(quiet: true)
        let onC = try await c.connect(quiet: true)
        for connection in [onA, onB, onC] { _ = try await a.command("add \(connection) live", expect: "add ok") }

        let total = 60_000
        a.send("stream live \(total) 15000")
        try await Task.sleep(for: .milliseconds(500))
        c.signal(SIGSTOP)
        let atStop = try await MeshProcessTests().waitForCount(b, onB, 0).count
        try await Task.sleep(for: .seconds(2))
        let atContinue = try await MeshProcessTests().waitForCount(b, onB, 0).count
        c.signal(SIGCONT)
        print("while c was stopped for 2 s, b received \(atContinue - atStop) messages (\((atContinue - atStop) / 2)/s)")
        #expect(atContinue > atStop, "b must keep receiving while c is stalled")

        try await a.waitFor(prefix: "stream done", timeout: .seconds(60))
        for (member, connection) in [(a, onA), (b, onB), (c, onC)] {
            let stats = try await MeshProcessTests().waitForCount(member, connection, total, timeout: .seconds(30))
            #expect(stats.count == total, "\(connection) got \(stats.count) of \(total)")
            #expect(stats.orderErrors == 0, "\(connection) saw messages out of order")
        }
        let summary = try await c.stats().summary
        print("stalled member after catching up: \(summary)")
        #expect(summary.contains("lost=0 "), "whatever the isolation dropped for it was repaired: \(summary)")
    }

    /// With a tiny replay buffer, a stalled member misses messages it cannot get back (the
    /// publisher isolates it after 500 ms): the loss is reported with exactly the range it missed.
    @Test
    func lossBeyondTheReplayBufferIsReportedWithTheExactRange() async throws {
        let (a, endpointA) = try await MemberProcess.start(
            id: "a",
            extra: Self.tightBuffers + ["--replay-capacity", "200", "--stall-timeout-ms", "500"]
        )
        defer { a.stop() }
        let (c, _) = try await MemberProcess.start(id: "c", join: [endpointA], extra: Self.tightBuffers + ["--repair-timeout-ms", "2000"])
        defer {
            c.signal(SIGCONT)
            c.stop()
        }
        try await MeshProcessTests().waitForMembers(a, count: 1)
        let onC = try await c.connect(quiet: true)
        _ = try await a.command("add \(onC) lossy", expect: "add ok")
        let total = 60_000
        a.send("stream lossy \(total) 15000")
        try await Task.sleep(for: .milliseconds(300))
        c.signal(SIGSTOP)
        try await Task.sleep(for: .seconds(2))
        c.signal(SIGCONT)
        try await a.waitFor(prefix: "stream done", timeout: .seconds(60))
        try await a.waitFor(prefix: "event stalled", timeout: .seconds(5))

        // Wait until the last message arrived and every repair settled (received + reported = total).
        var stats = (count: 0, orderErrors: 0, last: 0)
        var reported: [ClosedRange<Int>] = []
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < deadline {
            stats = try await MeshProcessTests().waitForCount(c, onC, 0)
            reported = c.output.compactMap(Self.reportedGap)
            if stats.last == total && stats.count + reported.reduce(0, { $0 + $1.count }) == total { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let missing = c.output.filter { $0.hasPrefix("missing \(onC) ") }.last.map(Self.ranges) ?? []
        // The member's counters are a snapshot taken every 100 ms: let it catch up with the last repair.
        var summary = try await c.stats().summary
        for _ in 0..<20 where !summary.contains("lost=\(total - stats.count) ") {
            try await Task.sleep(for: .milliseconds(100))
            summary = try await c.stats().summary
        }
        print("c received \(stats.count) of \(total); reported lost: \(reported); missing at the connection: \(missing); \(summary)")
        #expect(!reported.isEmpty, "a stall beyond a 200-message replay buffer must lose messages, and say so")
        #expect(Self.merge(reported) == Self.merge(missing), "the reported ranges must be exactly what the connection missed")
        #expect(stats.count + reported.reduce(0) { $0 + $1.count } == total)
        #expect(stats.orderErrors == 0)
        #expect(summary.contains("lost=\(total - stats.count) "), "\(summary)")

        // The same loss in what operators look at: health and metrics (fed every 100 ms).
        try await Task.sleep(for: .milliseconds(300))
        let delivery = try await c.health()["delivery"] as? [String: Any]
        #expect(delivery?["messagesLost"] as? Int == total - stats.count, "health: \(String(describing: delivery))")
        #expect(try await c.metrics()["hubmesh_messages_lost_total"] == Double(total - stats.count))
        #expect(try await a.metrics()["hubmesh_stalls_total"] ?? 0 >= 1, "the publisher counts the stall that isolated c")
    }

    /// A stream that ends while a member is stalled: what it missed at the very end is repaired
    /// too, because the publisher flushes the topic after the stall (no later message would show the gap).
    @Test func theTailOfAStreamThatEndedDuringAStallIsRepaired() async throws {
        let (a, endpointA) = try await MemberProcess.start(id: "a", extra: Self.tightBuffers)
        defer { a.stop() }
        let (c, _) = try await MemberProcess.start(id: "c", join: [endpointA], extra: Self.tightBuffers)
        defer {
            c.signal(SIGCONT)
            c.stop()
        }
        try await MeshProcessTests().waitForMembers(a, count: 1)
        let onC = try await c.connect(quiet: true)
        _ = try await a.command("add \(onC) tail", expect: "add ok")
        let total = 20_000
        a.send("stream tail \(total) 10000")
        try await Task.sleep(for: .milliseconds(300))
        c.signal(SIGSTOP)
        try await a.waitFor(prefix: "stream done", timeout: .seconds(30))
        try await Task.sleep(for: .seconds(1))
        c.signal(SIGCONT)
        _ = try await a.waitFor(prefix: "event stalled", timeout: .seconds(5))  // c's pipe was cut off: it did miss the tail

        let stats = try await MeshProcessTests().waitForCount(c, onC, total, timeout: .seconds(20))
        let summary = try await c.stats().summary
        print("tail: c received \(stats.count) of \(total), last \(stats.last); \(summary)")
        #expect(stats.count == total && stats.last == total, "the end of the stream must arrive")
        #expect(stats.orderErrors == 0)
        #expect(summary.contains("lost=0 ") && !summary.contains("gaps=0 "), "repaired through a gap: \(summary)")
    }

    /// `event gap a chat|G|lossy| 100 200` → 100...200.
    static func reportedGap(_ line: String) -> ClosedRange<Int>? {
        let words = line.split(separator: " ")
        guard words.count == 6, words[0] == "event", words[1] == "gap", let low = Int(words[4]), let high = Int(words[5]) else { return nil }
        return low...high
    }

    /// `missing <id> 3-5,9-9` → [3...5, 9...9].
    static func ranges(_ line: String) -> [ClosedRange<Int>] {
        guard let list = line.split(separator: " ").last else { return [] }
        return list.split(separator: ",").compactMap { part in
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            return bounds.count == 2 ? bounds[0]...bounds[1] : nil
        }
    }

    static func merge(_ ranges: [ClosedRange<Int>]) -> [ClosedRange<Int>] {
        var merged: [ClosedRange<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }
}
