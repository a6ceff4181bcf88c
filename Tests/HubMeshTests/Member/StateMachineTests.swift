import HubMesh
import Testing

@Suite("Mesh state machines")
struct StateMachineTests {
    struct TestInstant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> TestInstant { TestInstant(offset: offset + duration) }
        func duration(to other: TestInstant) -> Duration { other.offset - offset }
        static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.offset < rhs.offset }
    }

    static let me = MemberInfo(id: "a", epoch: 1, role: .node, publishEndpoint: "tcp://127.0.0.1:1", routerEndpoint: "tcp://127.0.0.1:2")
    static func peer(_ id: String, epoch: UInt64 = 1, port: Int = 10) -> MemberInfo {
        MemberInfo(id: id, epoch: epoch, role: .node, publishEndpoint: "tcp://127.0.0.1:\(port + 1)", routerEndpoint: "tcp://127.0.0.1:\(port)")
    }

    @Test func membershipConnectsNewPeersAndDeclaresSilentOnesDead() {
        var membership = Membership<TestInstant>(me: Self.me, deadAfter: .seconds(2))
        let t0 = TestInstant(offset: .zero)
        #expect(membership.learned(Self.peer("b"), direct: true, now: t0) == [.connect(Self.peer("b"))])
        #expect(membership.learned(Self.peer("b"), direct: true, now: t0).isEmpty)
        #expect(membership.learned(Self.me, direct: true, now: t0).isEmpty, "a member never connects to itself")
        #expect(membership.tick(now: t0.advanced(by: .seconds(1))).isEmpty)
        #expect(membership.tick(now: t0.advanced(by: .milliseconds(2001))) == [.declaredDead(Self.peer("b"))])
        #expect(membership.state(of: "b") == (true, false))
        #expect(membership.tick(now: t0.advanced(by: .seconds(5))).isEmpty, "dead is reported once")
        #expect(membership.heard(from: "b", epoch: 1, now: t0.advanced(by: .seconds(6))) == [.revived(Self.peer("b"))])
        #expect(membership.state(of: "b") == (true, true))
        #expect(membership.state(of: "zz") == (false, false))
    }

    @Test func membershipDetectsRestartsAndIgnoresStaleGossip() {
        var membership = Membership<TestInstant>(me: Self.me, deadAfter: .seconds(2))
        let t0 = TestInstant(offset: .zero)
        _ = membership.learned(Self.peer("b", epoch: 5), direct: true, now: t0)
        #expect(membership.learned(Self.peer("b", epoch: 4), direct: true, now: t0).isEmpty)
        #expect(membership.learned(Self.peer("b", epoch: 6, port: 20), direct: false, now: t0).isEmpty, "only the peer announces its restart")
        let restarted = membership.learned(Self.peer("b", epoch: 6, port: 20), direct: true, now: t0)
        #expect(restarted == [.restarted(old: Self.peer("b", epoch: 5), new: Self.peer("b", epoch: 6, port: 20))])
        #expect(membership.heard(from: "b", epoch: 5, now: t0).isEmpty, "messages from the old run are not signs of life")
        #expect(membership.left("b") == [.departed(Self.peer("b", epoch: 6, port: 20))])
        #expect(membership.aliveMembers == [Self.me])
    }

    @Test func membershipForgetsPeersDeadForForgetAfterButNeverItsSeeds() {
        let seed = Self.peer("seed", port: 30)
        var membership = Membership<TestInstant>(me: Self.me, deadAfter: .seconds(2), forgetAfter: .seconds(10), keeping: [seed.routerEndpoint])
        let t0 = TestInstant(offset: .zero)
        for peer in [Self.peer("b"), Self.peer("c", port: 20), seed] { _ = membership.learned(peer, direct: true, now: t0) }
        #expect(
            Set(membership.tick(now: t0.advanced(by: .seconds(3)))) == [
                .declaredDead(Self.peer("b")), .declaredDead(Self.peer("c", port: 20)), .declaredDead(seed),
            ])
        #expect(membership.heard(from: "c", epoch: 1, now: t0.advanced(by: .milliseconds(9500))) == [.revived(Self.peer("c", port: 20))])
        #expect(membership.tick(now: t0.advanced(by: .seconds(10))).isEmpty, "forgotten only after more than forgetAfter")
        #expect(membership.tick(now: t0.advanced(by: .seconds(11))) == [.forgotten(Self.peer("b"))], "c spoke since, the seed is kept")
        #expect(membership.state(of: "b") == (false, false))
        #expect(membership.statuses(now: t0).map(\.info.id) == ["c", "seed"])
        #expect(membership.tick(now: t0.advanced(by: .milliseconds(11500))).isEmpty, "forgotten is reported once")
        #expect(membership.heard(from: "b", epoch: 1, now: t0.advanced(by: .seconds(11))).isEmpty, "a forgotten peer must say hello again")
        #expect(
            membership.learned(Self.peer("b"), direct: true, now: t0.advanced(by: .seconds(11))) == [.connect(Self.peer("b"))],
            "and is a new peer when it does")
        // Peers silent for longer than both are declared dead and forgotten in one tick, dead first.
        let late = membership.tick(now: t0.advanced(by: .seconds(30)))
        #expect(late.count == 4)
        #expect(Set(late.prefix(2)) == [.declaredDead(Self.peer("b")), .declaredDead(Self.peer("c", port: 20))])
        #expect(Set(late.dropFirst(2)) == [.forgotten(Self.peer("b")), .forgotten(Self.peer("c", port: 20))])
        #expect(membership.state(of: "seed") == (true, false), "the seed is still known, and still dead")
    }

    @Test func staleGossipDoesNotBringAForgottenPeerBack() {
        var membership = Membership<TestInstant>(me: Self.me, deadAfter: .seconds(2), forgetAfter: .seconds(10))
        let t0 = TestInstant(offset: .zero)
        _ = membership.learned(Self.peer("b"), direct: true, now: t0)
        _ = membership.tick(now: t0.advanced(by: .seconds(3)))
        #expect(membership.tick(now: t0.advanced(by: .seconds(11))) == [.forgotten(Self.peer("b"))])
        // A member that still believes b alive gossips it: ignored, b stays forgotten.
        #expect(membership.learned(Self.peer("b"), direct: false, now: t0.advanced(by: .seconds(12))).isEmpty)
        #expect(membership.state(of: "b") == (false, false))
        // Gossip of a newer run, or b itself, is news.
        #expect(
            membership.learned(Self.peer("b", epoch: 2), direct: false, now: t0.advanced(by: .seconds(13))) == [.connect(Self.peer("b", epoch: 2))])
        var again = Membership<TestInstant>(me: Self.me, deadAfter: .seconds(2), forgetAfter: .seconds(10))
        _ = again.learned(Self.peer("b"), direct: true, now: t0)
        _ = again.tick(now: t0.advanced(by: .seconds(3)))
        _ = again.tick(now: t0.advanced(by: .seconds(11)))
        #expect(again.learned(Self.peer("b"), direct: true, now: t0.advanced(by: .seconds(12))) == [.connect(Self.peer("b"))])
        // The tombstone lasts another forgetAfter; then gossip is news again.
        var late = Membership<TestInstant>(me: Self.me, deadAfter: .seconds(2), forgetAfter: .seconds(10))
        _ = late.learned(Self.peer("b"), direct: true, now: t0)
        _ = late.tick(now: t0.advanced(by: .seconds(3)))
        _ = late.tick(now: t0.advanced(by: .seconds(11)))
        _ = late.tick(now: t0.advanced(by: .seconds(22)))
        #expect(late.learned(Self.peer("b"), direct: false, now: t0.advanced(by: .seconds(22))) == [.connect(Self.peer("b"))])
    }

    @Test func membershipWithoutForgetAfterKeepsDeadPeers() {
        var membership = Membership<TestInstant>(me: Self.me, deadAfter: .seconds(2))
        let t0 = TestInstant(offset: .zero)
        _ = membership.learned(Self.peer("b"), direct: true, now: t0)
        #expect(membership.tick(now: t0.advanced(by: .seconds(3))) == [.declaredDead(Self.peer("b"))])
        #expect(membership.tick(now: t0.advanced(by: .seconds(100_000))).isEmpty)
        #expect(membership.state(of: "b") == (true, false))
    }

    @Test func sequenceTrackerReportsExactGaps() {
        var tracker = SequenceTracker()
        let topic = Array("chat\0G\0r\0".utf8)
        #expect(tracker.record(origin: "a", epoch: 1, topic: topic, sequence: 5) == .baseline)
        #expect(tracker.record(origin: "a", epoch: 1, topic: topic, sequence: 6) == .inOrder)
        #expect(tracker.record(origin: "a", epoch: 1, topic: topic, sequence: 10) == .gap(7...9))
        #expect(tracker.record(origin: "a", epoch: 1, topic: topic, sequence: 10) == .stale(expected: 11))
        #expect(tracker.record(origin: "b", epoch: 1, topic: topic, sequence: 1) == .baseline, "origins are independent")
        #expect(tracker.record(origin: "a", epoch: 2, topic: topic, sequence: 1) == .baseline, "a new epoch starts over")
        tracker.forget(topic: topic)
        #expect(tracker.record(origin: "a", epoch: 2, topic: topic, sequence: 9) == .baseline)
    }

    @Test func subscriptionsAreReferenceCounted() {
        var table = TopicSubscriptions()
        let topic = Topic.group(hub: "chat", group: "r")
        #expect(table.add(topic) == .subscribe)
        #expect(table.add(topic) == .wait, "a second user waits for the first one's barrier")
        table.confirmed(topic)
        #expect(table.add(topic) == .none)
        #expect(table.remove(topic) == .none)
        #expect(table.remove(topic) == .none)
        #expect(table.remove(topic) == .unsubscribe)
        #expect(table.remove(topic) == .none, "removing an unknown topic does nothing")
        #expect(table.count(of: topic) == 0)
    }

    @Test func connectionIDsNameTheirOwner() {
        let id = ConnectionID.make(member: "node-1")
        #expect(ConnectionID.owner(of: id) == "node-1")
        #expect(ConnectionID.owner(of: "no-separator") == nil)
        #expect(ConnectionID.owner(of: ".x") == nil)
        #expect(ConnectionID.isValidMemberID("node_1-A"))
        #expect(!ConnectionID.isValidMemberID("node.1"))
        #expect(!ConnectionID.isValidMemberID(""))
        #expect(!ConnectionID.isValidMemberID(String(repeating: "x", count: 65)))
    }
}
