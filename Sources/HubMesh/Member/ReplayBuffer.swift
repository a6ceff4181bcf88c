import DequeModule

/// The recent messages an origin published, kept so receivers that missed some can ask for them again.
///
/// Bounded by a total frame count across topics and by age; the oldest frames go first. A pure value
/// type over an injected clock.
public struct ReplayBuffer<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// What a lookup found.
    public struct Lookup: Sendable, Equatable {
        /// Frames for the sequence numbers still held, in order.
        public var frames: [[UInt8]]
        /// The leading part of the request no longer held (evicted), if any.
        public var gone: ClosedRange<UInt64>?

        /// Creates a lookup result.
        public init(frames: [[UInt8]], gone: ClosedRange<UInt64>?) {
            self.frames = frames
            self.gone = gone
        }
    }

    private struct Stored: Sendable {
        var sequence: UInt64
        var frame: [UInt8]
    }

    /// The frames held for one topic. A topic with frames has a slot; its slot is freed (and reused)
    /// when its last frame goes.
    private struct Slot: Sendable {
        var topic: Topic
        var frames: Deque<Stored>
    }

    /// One appended frame in append order: which slot it went to and when. No reference-counted
    /// field, so appending and evicting it costs no retain or release.
    private struct Appended: Sendable {
        var slot: Int
        var time: Instant
    }

    /// Frames kept at most, across all topics.
    public let capacity: Int
    /// Frames older than this are dropped.
    public let maxAge: Duration

    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var slotOf: [Topic: Int] = [:]
    private var order: Deque<Appended> = []
    /// The topic appended to last and its slot: a stream appends to one topic, so most frames need no
    /// hashing (comparing a topic with itself is a pointer check).
    private var recent: (topic: Topic, slot: Int)?

    /// Creates an empty buffer.
    public init(capacity: Int, maxAge: Duration) {
        self.capacity = max(0, capacity)
        self.maxAge = maxAge
    }

    /// Frames held now.
    public var count: Int { order.count }

    /// Keeps the frame published as `sequence` on `topic`.
    public mutating func append(topic: Topic, sequence: UInt64, frame: [UInt8], now: Instant) {
        guard capacity > 0 else { return }
        let slot: Int
        if let recent, recent.topic == topic {
            slot = recent.slot
        } else if let found = slotOf[topic] {
            slot = found
            recent = (topic, slot)
        } else {
            if let free = freeSlots.popLast() {
                slot = free
                slots[slot].topic = topic
            } else {
                slot = slots.count
                slots.append(Slot(topic: topic, frames: []))
            }
            slotOf[topic] = slot
            recent = (topic, slot)
        }
        slots[slot].frames.append(Stored(sequence: sequence, frame: frame))
        order.append(Appended(slot: slot, time: now))
        while order.count > capacity { dropOldest() }
    }

    /// The topics of frames appended at or after `since` (newest first, at most `limit`).
    public func topics(since: Instant, limit: Int) -> Set<Topic> {
        var found: Set<Topic> = []
        var index = order.count - 1
        while index >= 0, found.count < limit {
            let entry = order[index]
            if entry.time < since { break }
            found.insert(slots[entry.slot].topic)
            index -= 1
        }
        return found
    }

    /// The last sequence number held for `topic`, if any.
    public func lastSequence(topic: Topic) -> UInt64? {
        guard let slot = slotOf[topic] else { return nil }
        return slots[slot].frames.last?.sequence
    }

    /// Drops frames older than `maxAge`.
    public mutating func evict(now: Instant) {
        while let oldest = order.first, oldest.time.duration(to: now) > maxAge { dropOldest() }
    }

    private mutating func dropOldest() {
        guard let oldest = order.popFirst() else { return }
        let slot = oldest.slot
        slots[slot].frames.removeFirst()
        guard slots[slot].frames.isEmpty else { return }
        // The topic's last frame went: free its slot (no entry of `order` refers to it any more).
        slotOf[slots[slot].topic] = nil
        slots[slot].topic = Topic(bytes: [])
        freeSlots.append(slot)
        if recent?.slot == slot { recent = nil }
    }

    /// The frames for sequence numbers `range` of `topic`, and which leading part is gone.
    public func frames(topic: Topic, range: ClosedRange<UInt64>) -> Lookup {
        guard let slot = slotOf[topic], let first = slots[slot].frames.first, let last = slots[slot].frames.last else {
            return Lookup(frames: [], gone: range)
        }
        let stored = slots[slot].frames
        var gone: ClosedRange<UInt64>?
        if range.lowerBound < first.sequence {
            gone = range.lowerBound...min(range.upperBound, first.sequence - 1)
        }
        let from = max(range.lowerBound, first.sequence)
        let to = min(range.upperBound, last.sequence)
        guard from <= to else { return Lookup(frames: [], gone: gone ?? range) }
        // Sequence numbers of one topic are contiguous within an epoch: index by offset.
        let start = Int(from - first.sequence)
        return Lookup(frames: (start...(start + Int(to - from))).map { stored[$0].frame }, gone: gone)
    }
}
