import HubMesh
import Testing

@Suite("Replay buffer and gap repair")
struct ReplayTests {
    typealias Instant = StateMachineTests.TestInstant
    static let topic = Topic.group(hub: "chat", group: "r")
    static let t0 = Instant(offset: .zero)

    @Test func replayBufferReturnsHeldFramesAndReportsEvictedOnes() {
        var buffer = ReplayBuffer<Instant>(capacity: 5, maxAge: .seconds(10))
        for sequence in UInt64(1)...8 { buffer.append(topic: Self.topic, sequence: sequence, frame: [UInt8(sequence)], now: Self.t0) }
        #expect(buffer.count == 5)
        let lookup = buffer.frames(topic: Self.topic, range: 2...6)
        #expect(lookup.gone == 2...3)
        #expect(lookup.frames == [[4], [5], [6]])
        #expect(buffer.frames(topic: Topic.group(hub: "chat", group: "other"), range: 1...2).gone == 1...2)
        buffer.evict(now: Self.t0.advanced(by: .seconds(11)))
        #expect(buffer.count == 0)
        #expect(buffer.frames(topic: Self.topic, range: 7...8) == .init(frames: [], gone: 7...8))
    }

    @Test func replayBufferCapacityIsSharedAcrossTopics() {
        var buffer = ReplayBuffer<Instant>(capacity: 3, maxAge: .seconds(10))
        let other = Topic.user(hub: "chat", user: "u")
        buffer.append(topic: Self.topic, sequence: 1, frame: [1], now: Self.t0)
        buffer.append(topic: other, sequence: 1, frame: [2], now: Self.t0)
        buffer.append(topic: Self.topic, sequence: 2, frame: [3], now: Self.t0)
        buffer.append(topic: other, sequence: 2, frame: [4], now: Self.t0)
        #expect(buffer.frames(topic: Self.topic, range: 1...2) == .init(frames: [[3]], gone: 1...1))
        #expect(buffer.frames(topic: other, range: 1...2) == .init(frames: [[2], [4]], gone: nil))
    }

    /// A topic whose frames all went gives up its place to the next new topic; lookups never mix them.
    @Test func topicsEvictedCompletelyMakeRoomWithoutMixingUp() {
        var buffer = ReplayBuffer<Instant>(capacity: 3, maxAge: .seconds(10))
        let a = Topic.group(hub: "chat", group: "a")
        let b = Topic.group(hub: "chat", group: "b")
        let c = Topic.user(hub: "chat", user: "c")
        for (topic, sequence) in [(a, 1), (a, 2), (a, 3), (b, 1), (b, 2), (b, 3), (c, 1), (a, 4)] {
            buffer.append(topic: topic, sequence: UInt64(sequence), frame: topic.bytes + [UInt8(sequence)], now: Self.t0)
        }
        #expect(buffer.count == 3)
        #expect(buffer.frames(topic: a, range: 1...4) == .init(frames: [a.bytes + [4]], gone: 1...3))
        #expect(buffer.frames(topic: b, range: 1...3) == .init(frames: [b.bytes + [3]], gone: 1...2))
        #expect(buffer.frames(topic: c, range: 1...1) == .init(frames: [c.bytes + [1]], gone: nil))
        #expect(buffer.lastSequence(topic: a) == 4 && buffer.lastSequence(topic: b) == 3 && buffer.lastSequence(topic: c) == 1)
        #expect(buffer.topics(since: Self.t0, limit: 10) == [a, b, c])
        buffer.evict(now: Self.t0.advanced(by: .seconds(11)))
        #expect(buffer.count == 0 && buffer.lastSequence(topic: a) == nil)
        buffer.append(topic: b, sequence: 4, frame: [4], now: Self.t0.advanced(by: .seconds(12)))
        #expect(buffer.frames(topic: b, range: 4...4) == .init(frames: [[4]], gone: nil))
        #expect(buffer.frames(topic: a, range: 4...4).frames.isEmpty)
    }

    @Test func repairHoldsLaterMessagesUntilTheGapIsFilledThenDeliversInOrder() {
        // Received 1, 2, then 6: 3...5 missing.
        var repair = TopicRepair(gap: 3...5, message: "m6", sequence: 6)
        repair.hold("m7", sequence: 7)
        let early = repair.drain()
        #expect(early.isEmpty, "nothing may overtake the gap")
        let first = repair.replayed("m3", sequence: 3)
        let duplicate = repair.replayed("m3", sequence: 3)
        #expect(first)
        #expect(!duplicate, "duplicates are refused")
        let afterFirst = repair.drain()
        #expect(afterFirst == ["m3"])
        repair.replayed("m5", sequence: 5)
        repair.replayed("m4", sequence: 4)
        let rest = repair.drain()
        #expect(rest == ["m4", "m5", "m6", "m7"])
        #expect(repair.isComplete)
    }

    @Test func goneRangesAreSkippedAndReportedOnce() {
        var repair = TopicRepair(gap: 10...19, message: "m20", sequence: 20)
        repair.gap(22...23, message: "m24", sequence: 24)
        let lost = repair.gone(10...14)
        #expect(lost == [10...14])
        for sequence in UInt64(15)...19 { repair.replayed("m\(sequence)", sequence: sequence) }
        let delivered = repair.drain()
        #expect(delivered == ["m15", "m16", "m17", "m18", "m19", "m20"])
        #expect(!repair.isComplete)
        let (expired, deliver) = repair.expire()
        #expect(expired == [22...23])
        #expect(deliver == ["m24"])
        #expect(repair.isComplete)
    }

    @Test func aFlushRevealsAMissingTailWhichARepairFillsInOrder() {
        var tracker = SequenceTracker()
        let topic = Self.topic.bytes
        let verdicts = [
            tracker.record(origin: "a", epoch: 1, topic: topic, sequence: 1), tracker.record(origin: "a", epoch: 1, topic: topic, sequence: 2),
        ]
        #expect(verdicts == [.baseline, .inOrder])
        let nothingMissing = tracker.flush(origin: "a", epoch: 1, topic: topic, sequence: 2)
        let otherOrigin = tracker.flush(origin: "b", epoch: 1, topic: topic, sequence: 9)
        let otherEpoch = tracker.flush(origin: "a", epoch: 2, topic: topic, sequence: 9)
        let tail = tracker.flush(origin: "a", epoch: 1, topic: topic, sequence: 5)
        let next = tracker.record(origin: "a", epoch: 1, topic: topic, sequence: 6)
        #expect(nothingMissing == nil && otherOrigin == nil && otherEpoch == nil, "nothing missing; no baseline from b; another epoch")
        #expect(tail == 3...5)
        #expect(next == .inOrder, "the repair takes over 3...5")

        var repair = TopicRepair<Int>(gap: 3...5)
        repair.hold(6, sequence: 6)
        let four = repair.replayed(4, sequence: 4)
        let early = repair.drain()
        let lost = repair.gone(3...3)
        let five = repair.replayed(5, sequence: 5)
        let ready = repair.drain()
        #expect(four && five)
        #expect(early.isEmpty, "3 is still missing")
        #expect(lost == [3...3])
        #expect(ready == [4, 5, 6])
        #expect(repair.isComplete)
    }

    @Test func flushesAreEnvelopesWithoutPayloads() {
        #expect(HubEnvelope.group(GroupMessage(hub: "chat", group: "g", payloads: Payloads([:]))).isFlush)
        #expect(!HubEnvelope.group(GroupMessage(hub: "chat", group: "g", payloads: Payloads(["json": [1]]))).isFlush)
        #expect(!HubEnvelope.ack(Ack(hub: "chat", ackID: 1)).isFlush)
    }

    @Test func replayBufferKnowsRecentTopicsAndTheirLastSequence() {
        var buffer = ReplayBuffer<Instant>(capacity: 10, maxAge: .seconds(10))
        let other = Topic.user(hub: "chat", user: "u")
        buffer.append(topic: other, sequence: 1, frame: [1], now: Self.t0)
        buffer.append(topic: Self.topic, sequence: 7, frame: [2], now: Self.t0.advanced(by: .seconds(2)))
        #expect(buffer.topics(since: Self.t0.advanced(by: .seconds(1)), limit: 10) == [Self.topic])
        #expect(buffer.topics(since: Self.t0, limit: 10) == [Self.topic, other])
        #expect(buffer.lastSequence(topic: Self.topic) == 7)
        #expect(buffer.lastSequence(topic: Topic.all(hub: "chat")) == nil)
    }

    /// Against a plain model (the last `capacity` appends, in order), across interleaved topics,
    /// evictions by count and by age, and topics that go completely and come back: every lookup of
    /// published sequence numbers returns exactly the frames held, in order, and names exactly the
    /// leading part that is gone. With a checkpoint at every frame, at every fourth, and at every
    /// 64th (so that many lookups start before the first checkpoint and walk back to their range).
    @Test(arguments: [1, 3, 17, 64], [1, 4, 64] as [UInt64])
    func replayBufferMatchesAModelOfTheLastAppends(capacity: Int, stride: UInt64) {
        let topics = [Self.topic, Topic.user(hub: "chat", user: "u"), Topic.all(hub: "chat"), Topic.group(hub: "other", group: "r")]
        var random = SplitMix64(seed: 0x7E91_A700 &+ UInt64(capacity))
        var buffer = ReplayBuffer<Instant>(capacity: capacity, maxAge: .seconds(10), checkpointStride: stride)
        var model: [(topic: Int, sequence: UInt64, time: Duration)] = []
        var next = [UInt64](repeating: 1, count: topics.count)
        var clock = Duration.zero
        func frame(_ topic: Int, _ sequence: UInt64) -> [UInt8] { [UInt8(topic)] + withUnsafeBytes(of: sequence.bigEndian) { Array($0) } }
        for step in 0..<3_000 {
            // Mostly one hot topic, as streams are; now and then the clock jumps past the age limit.
            let topic = random.next() % 4 == 0 ? Int(random.next() % UInt64(topics.count)) : 0
            clock += .milliseconds(Int64(random.next() % 50))
            if step % 700 == 699 { clock += .seconds(11) }
            buffer.append(topic: topics[topic], sequence: next[topic], frame: frame(topic, next[topic]), now: Self.t0.advanced(by: clock))
            model.append((topic, next[topic], clock))
            next[topic] += 1
            if model.count > capacity { model.removeFirst(model.count - capacity) }
            if step % 5 == 0 {
                buffer.evict(now: Self.t0.advanced(by: clock))
                model.removeAll { clock - $0.time > .seconds(10) }
            }
            #expect(buffer.count == model.count)
            for (index, candidate) in topics.enumerated() {
                let held = model.filter { $0.topic == index }.map(\.sequence)
                #expect(buffer.lastSequence(topic: candidate) == held.last)
                // Receivers ask for gaps before a sequence they saw: published ones only.
                let published = max(1, next[index] - 1)
                let lower = 1 + random.next() % published
                let range = lower...(lower + random.next() % (published - lower + 1))
                let lookup = buffer.frames(topic: candidate, range: range)
                let expected = held.filter { range.contains($0) }
                #expect(lookup.frames == expected.map { frame(index, $0) }, "topic \(index), \(range), step \(step)")
                let firstHeld = held.first ?? UInt64.max
                let expectedGone: ClosedRange<UInt64>? =
                    held.isEmpty ? range : range.lowerBound < firstHeld ? range.lowerBound...min(range.upperBound, firstHeld - 1) : nil
                #expect(lookup.gone == expectedGone, "topic \(index), \(range), step \(step)")
            }
        }
    }
}
