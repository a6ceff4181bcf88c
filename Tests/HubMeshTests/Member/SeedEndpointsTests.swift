import Testing

@testable import HubMesh

/// Seeds are never forgotten, and are recognised by the endpoint they advertise, which is numeric
/// even when `--join` named the host.
@Suite("Seeds under every spelling")
struct SeedEndpointsTests {
    @Test func aHostNameIsKeptUnderEachOfItsAddresses() {
        var asked: [String] = []
        let spellings = SeedEndpoints.spellings(of: "tcp://seed.example:7000") { host in
            asked.append(host)
            return ["10.0.0.5", "fd00::5"]
        }
        #expect(asked == ["seed.example"])
        #expect(spellings == ["tcp://seed.example:7000", "tcp://10.0.0.5:7000", "tcp://[fd00::5]:7000"])
    }

    @Test(arguments: [
        "tcp://127.0.0.1:7000", "tcp://[::1]:7000", "ipc:///tmp/seed", "inproc://seed", "tcp://:7000", "tcp://seed:", "tcp://seed:x", "seed:7000",
    ])
    func numericOrOtherEndpointsAreKeptAsWritten(endpoint: String) {
        var asked = false
        let spellings = SeedEndpoints.spellings(of: endpoint) { _ in
            asked = true
            return ["10.0.0.9"]
        }
        #expect(spellings == [endpoint])
        #expect(!asked, "\(endpoint) names no host to resolve")
    }

    @Test func localhostResolvesThroughTheSystem() {
        #expect(SeedEndpoints.spellings(of: "tcp://localhost:7000").contains("tcp://127.0.0.1:7000"))
    }

    @Test func aSeedJoinedByNameAndAdvertisingItsAddressIsNeverForgotten() {
        let me = MemberInfo(id: "a", epoch: 1, role: .node, publishEndpoint: "tcp://127.0.0.1:1", routerEndpoint: "tcp://127.0.0.1:2")
        let seed = MemberInfo(id: "seed", epoch: 1, role: .node, publishEndpoint: "tcp://127.0.0.1:7001", routerEndpoint: "tcp://127.0.0.1:7000")
        let other = MemberInfo(id: "b", epoch: 1, role: .node, publishEndpoint: "tcp://127.0.0.1:7003", routerEndpoint: "tcp://127.0.0.1:7002")
        var membership = Membership<ContinuousClock.Instant>(
            me: me, deadAfter: .seconds(2), forgetAfter: .seconds(10), keeping: SeedEndpoints.spellings(of: "tcp://localhost:7000"))
        let t0 = ContinuousClock.now
        for peer in [seed, other] { _ = membership.learned(peer, direct: true, now: t0) }
        _ = membership.tick(now: t0.advanced(by: .seconds(3)))
        #expect(membership.tick(now: t0.advanced(by: .seconds(11))) == [.forgotten(other)])
        #expect(membership.state(of: "seed") == (true, false), "the seed is still known, and still dead")
    }
}
