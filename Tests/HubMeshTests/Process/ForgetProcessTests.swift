import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Dead members are forgotten after `--forget-after-ms` of silence, with real processes: their
/// connections are closed (nobody keeps reconnecting to a dead endpoint), and a member that comes
/// back, restarted or after a long stop, joins again.
@Suite("Mesh members forget dead peers", .serialized)
struct ForgetProcessTests {
    /// Dead after 1.5 s (MemberProcess's defaults), forgotten after 3 s.
    static let forgetting = ["--forget-after-ms", "3000"]

    @Test func aDeadMemberIsForgottenItsConnectionsAreClosedAndItCanComeBack() async throws {
        let (a, endpointA) = try await MemberProcess.start(id: "a", extra: Self.forgetting)
        defer { a.stop() }
        let (b, _) = try await MemberProcess.start(id: "b", join: [endpointA], extra: Self.forgetting)
        defer { b.stop() }
        let port = try KnockCounter.freePort()
        let (c, _) = try await MemberProcess.start(id: "c", port: port, join: [endpointA], extra: Self.forgetting)
        defer { c.stop() }
        for member in [a, b] { try await MeshProcessTests().waitForMembers(member, count: 2) }

        let marks = (a: a.output.count, b: b.output.count)
        c.signal(SIGKILL)
        c.process.waitUntilExit()
        // Listen where c was (its ROUTER and its PUB): a and b keep reconnecting while c is dead.
        let router = try KnockCounter(port: port)
        let publish = try KnockCounter(port: port + 1)
        defer {
            router.stop()
            publish.stop()
        }
        try await a.waitFor(prefix: "event dead c", from: marks.a, timeout: .seconds(10))
        try await Task.sleep(for: .seconds(1))
        #expect(
            router.count > 0 && publish.count > 0,
            "a dead member's endpoints are retried (\(router.count), \(publish.count)): the check below can fail")

        try await a.waitFor(prefix: "event forgotten c", from: marks.a, timeout: .seconds(10))
        try await b.waitFor(prefix: "event forgotten c", from: marks.b, timeout: .seconds(10))
        // Connection attempts already under way may still land; then nothing more.
        try await Task.sleep(for: .seconds(1))
        let (routerBefore, publishBefore) = (router.count, publish.count)
        try await Task.sleep(for: .milliseconds(2500))
        #expect(router.count == routerBefore, "nobody reconnects to a forgotten member's ROUTER")
        #expect(publish.count == publishBefore, "nobody resubscribes to a forgotten member's PUB")

        let start = a.output.count
        a.send("members")
        try await a.waitFor(prefix: "members end", from: start)
        let listed = a.output.dropFirst(start).filter { $0.hasPrefix("member ") }
        #expect(listed == ["member b alive"], "only b is left in a's member list: \(listed)")
        let health = try await a.health()
        let ids = (health["members"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(ids == ["b"], "health lists no forgotten member: \(ids)")
        #expect(health["status"] as? String == "ok", "with c forgotten, a is no longer degraded: \(health["status"] ?? "-")")

        // c comes back (a new run, on a new port): it is a new member, and it receives.
        router.stop()
        publish.stop()
        let mark = a.output.count
        let (again, _) = try await MemberProcess.start(id: "c", join: [endpointA], extra: Self.forgetting)
        defer { again.stop() }
        try await a.waitFor(prefix: "event member-joined c", from: mark, timeout: .seconds(10))
        let onC = try await again.connect()
        _ = try await a.command("add \(onC) back", expect: "add ok")
        _ = try await a.command("group back welcome-back", expect: "sent")
        try await again.waitFor(prefix: "recv \(onC) welcome-back", timeout: .seconds(5))
    }

    /// A member stopped for longer than `--forget-after-ms` is forgotten by the others, and
    /// forgets them in turn once it runs again. Its seed is never forgotten, so its heartbeats reach
    /// the seed, which learns it back: the mesh heals without a restart.
    @Test func aMemberStoppedForLongerThanForgetAfterJoinsAgainThroughItsSeed() async throws {
        let (a, endpointA) = try await MemberProcess.start(id: "a", extra: Self.forgetting)
        defer { a.stop() }
        let (b, _) = try await MemberProcess.start(id: "b", join: [endpointA], extra: Self.forgetting)
        defer {
            b.signal(SIGCONT)
            b.stop()
        }
        try await MeshProcessTests().waitForMembers(a, count: 1)
        let onB = try await b.connect()

        let mark = a.output.count
        b.signal(SIGSTOP)
        try await a.waitFor(prefix: "event forgotten b", from: mark, timeout: .seconds(10))
        let failed = try await a.command("add \(onB) late", expect: "add ")
        #expect(failed.hasPrefix("add error unknownMember"), "a group add for a forgotten member's connection fails: \(failed)")
        let forgottenAt = a.output.count
        b.signal(SIGCONT)
        try await a.waitFor(prefix: "event member-joined b", from: forgottenAt, timeout: .seconds(10))
        try await MeshProcessTests().waitForMembers(a, count: 1)
        try await MeshProcessTests().waitForMembers(b, count: 1)
        _ = try await a.command("add \(onB) healed", expect: "add ok")
        _ = try await a.command("group healed after-the-stop", expect: "sent")
        try await b.waitFor(prefix: "recv \(onB) after-the-stop", timeout: .seconds(5))
    }

    /// A seed joined by host name (`tcp://localhost:…`) advertises its numeric endpoint
    /// (`tcp://127.0.0.1:…`); it is still the seed, and stays known however long it is silent.
    @Test func aSeedJoinedByHostNameIsNeverForgotten() async throws {
        let (a, endpointA) = try await MemberProcess.start(id: "a", extra: Self.forgetting)
        defer {
            a.signal(SIGCONT)
            a.stop()
        }
        let byName = endpointA.replacingOccurrences(of: "tcp://127.0.0.1:", with: "tcp://localhost:")
        #expect(byName != endpointA, "a advertises \(endpointA)")
        let (b, _) = try await MemberProcess.start(id: "b", join: [byName], extra: Self.forgetting)
        defer { b.stop() }
        try await MeshProcessTests().waitForMembers(b, count: 1)

        let mark = b.output.count
        a.signal(SIGSTOP)
        try await b.waitFor(prefix: "event dead a", from: mark, timeout: .seconds(10))
        // Dead after 1.5 s, forgotten 3 s after its last word: wait well past that.
        try await Task.sleep(for: .seconds(5))
        let events = b.output.dropFirst(mark).filter { $0.hasPrefix("event ") }
        #expect(!events.contains("event forgotten a"), "b forgot its seed: \(events)")
        let health = try await b.health()
        let members = (health["members"] as? [[String: Any]] ?? []).map { "\($0["id"] ?? "-") \($0["state"] ?? "-")" }
        #expect(members == ["a dead"], "b's health still lists its seed, dead: \(members)")

        a.signal(SIGCONT)
        let onB = try await b.connect()
        try await MeshProcessTests().waitForMembers(b, count: 1)
        _ = try await a.command("add \(onB) back", expect: "add ok")
        _ = try await a.command("group back seed-is-back", expect: "sent")
        try await b.waitFor(prefix: "recv \(onB) seed-is-back", timeout: .seconds(10))
    }
}

/// A TCP listener on 127.0.0.1:`port` that accepts and at once closes every connection, counting
/// them: what a ZeroMQ socket reconnecting to a dead member's endpoint looks like from there.
final class KnockCounter: Sendable {
    private let fd: Int32
    private let accepted = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    var count: Int { accepted.load(ordering: .acquiring) }

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard bound, listen(fd, 64) == 0 else {
            close(fd)
            throw ProcessTestError("cannot listen on 127.0.0.1:\(port): errno \(errno)")
        }
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    private func serve() {
        defer { done.signal() }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while !stopped.load(ordering: .acquiring) {
            guard poll(&poller, 1, 50) > 0 else { continue }
            let client = accept(fd, nil, nil)
            if client >= 0 {
                accepted.add(1, ordering: .releasing)
                close(client)
            }
        }
    }

    /// Stops listening (the port is free again once this returns).
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        done.wait()
        close(fd)
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return address
    }

    /// A port whose successor is free too (a member's PUB defaults to its ROUTER's port + 1).
    static func freePort() throws -> Int {
        for _ in 0..<20 {
            let probe = try KnockCounter(port: 0)
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe.fd, $0, &length) } }
            probe.stop()
            let port = Int(UInt16(bigEndian: address.sin_port))
            if port < 65535, let next = try? KnockCounter(port: port + 1) {
                next.stop()
                return port
            }
        }
        throw ProcessTestError("no two consecutive free ports on 127.0.0.1")
    }
}
