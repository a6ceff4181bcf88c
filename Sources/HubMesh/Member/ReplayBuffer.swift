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

    /// The frames held for one topic: how many, and the sequence numbers of the first and the last.
    /// Sequence numbers of one topic are contiguous within an epoch, so these say which are held.
    /// A topic with frames has a slot; its slot is freed (and reused) when its last frame goes.
    private struct Slot: Sendable {
        var topic: Topic
        var count = 0
        var first: UInt64 = 0
        var last: UInt64 = 0
        /// Where every held frame whose sequence number is a multiple of the stride sits in the ring,
        /// oldest first: a lookup starts its walk at the last one at or before the range asked for.
        var checkpoints: Deque<Checkpoint> = []
        /// The position of the first checkpoint (`UInt64.max` when there is none), so that evicting a
        /// frame compares two integers instead of reaching into the deque.
        var oldestCheckpoint = UInt64.max
    }

    /// A frame's sequence number and its position in the stream of appends (see ``appended``).
    private struct Checkpoint: Sendable {
        var sequence: UInt64
        var position: UInt64
    }

    /// One kept frame, in append order (one ring for every topic: appending and evicting touch one
    /// entry, and a ring reserved up front never grows, which would copy it while publishers wait).
    private struct Entry: Sendable {
        var slot: Int
        var sequence: UInt64
        var time: Instant
        var frame: [UInt8]
    }

    /// Frames kept at most, across all topics.
    public let capacity: Int
    /// Frames older than this are dropped.
    public let maxAge: Duration

    /// Every `checkpointStride`-th sequence number of a topic is a checkpoint.
    public let checkpointStride: UInt64
    /// Frames appended so far: the next frame's position (`order[i]` is at `appended - count + i`).
    private var appended: UInt64 = 0
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var slotOf: [Topic: Int] = [:]
    private var order: Deque<Entry> = []
    /// The topic appended to last and its slot: a stream appends to one topic, so most frames need no
    /// hashing (comparing a topic with itself is a pointer check).
    private var recent: (topic: Topic, slot: Int)?

    /// Creates an empty buffer. Room for up to 1,048,576 frames is reserved at once (address space:
    /// the memory is only used as frames arrive).
    public init(capacity: Int, maxAge: Duration) {
        self.init(capacity: capacity, maxAge: maxAge, checkpointStride: 64)
    }

    /// Creates an empty buffer with a checkpoint every `checkpointStride` sequence numbers of a topic
    /// (a power of two; 64 by default). A smaller stride makes lookups walk less and costs 16 bytes
    /// per checkpoint.
    public init(capacity: Int, maxAge: Duration, checkpointStride: UInt64) {
        precondition(checkpointStride > 0 && checkpointStride & (checkpointStride - 1) == 0, "the stride must be a power of two")
        self.capacity = max(0, capacity)
        self.maxAge = maxAge
        self.checkpointStride = checkpointStride
        order.reserveCapacity(min(self.capacity, 1 << 20))
    }

    /// Frames held now.
    public var count: Int { order.count }

    /// Keeps the frame published as `sequence` on `topic` (the topic's next sequence number).
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
                slots[slot] = Slot(topic: topic)
            } else {
                slot = slots.count
                slots.append(Slot(topic: topic))
            }
            slotOf[topic] = slot
            recent = (topic, slot)
        }
        if slots[slot].count == 0 { slots[slot].first = sequence }
        slots[slot].count += 1
        slots[slot].last = sequence
        if sequence & (checkpointStride - 1) == 0 {
            if slots[slot].checkpoints.isEmpty { slots[slot].oldestCheckpoint = appended }
            slots[slot].checkpoints.append(Checkpoint(sequence: sequence, position: appended))
        }
        order.append(Entry(slot: slot, sequence: sequence, time: now, frame: frame))
        appended &+= 1
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
        return slots[slot].last
    }

    /// Drops frames older than `maxAge`.
    public mutating func evict(now: Instant) {
        while let oldest = order.first, oldest.time.duration(to: now) > maxAge { dropOldest() }
    }

    private mutating func dropOldest() {
        let position = appended &- UInt64(order.count)
        guard let oldest = order.popFirst() else { return }
        let slot = oldest.slot
        if slots[slot].oldestCheckpoint == position {
            slots[slot].checkpoints.removeFirst()
            slots[slot].oldestCheckpoint = slots[slot].checkpoints.first?.position ?? UInt64.max
        }
        slots[slot].count -= 1
        guard slots[slot].count == 0 else {
            slots[slot].first = oldest.sequence &+ 1
            return
        }
        // The topic's last frame went: free its slot (no entry of `order` refers to it any more).
        slotOf[slots[slot].topic] = nil
        slots[slot] = Slot(topic: Topic(bytes: []))
        freeSlots.append(slot)
        if recent?.slot == slot { recent = nil }
    }

    /// The frames for sequence numbers `range` of `topic`, and which leading part is gone.
    ///
    /// Walks forward from the topic's last checkpoint at or before the range (found by binary
    /// search), so an old range costs no more than a recent one: the walk covers the range and at
    /// most a stride of the topic's frames before it (with other topics' frames in between). Without
    /// such a checkpoint (the range starts within a stride of the oldest frame held), it first walks
    /// back to the range's start from the topic's first checkpoint, or from the newest frame.
    public func frames(topic: Topic, range: ClosedRange<UInt64>) -> Lookup {
        guard let slot = slotOf[topic], slots[slot].count > 0 else { return Lookup(frames: [], gone: range) }
        let first = slots[slot].first
        let last = slots[slot].last
        var gone: ClosedRange<UInt64>?
        if range.lowerBound < first {
            gone = range.lowerBound...min(range.upperBound, first - 1)
        }
        let from = max(range.lowerBound, first)
        let to = min(range.upperBound, last)
        guard from <= to else { return Lookup(frames: [], gone: gone ?? range) }
        var frames: [[UInt8]] = []
        frames.reserveCapacity(Int(min(to - from, UInt64(slots[slot].count - 1))) + 1)
        var index = startIndex(slot: slot, from: from)
        while index < order.count {
            if order[index].slot == slot {
                let sequence = order[index].sequence
                if sequence > to { break }
                if sequence >= from { frames.append(order[index].frame) }
            }
            index += 1
        }
        return Lookup(frames: frames, gone: gone)
    }

    /// An index of `order` at or before the frame `from` of `slot` (which is held).
    private func startIndex(slot: Int, from: UInt64) -> Int {
        let checkpoints = slots[slot].checkpoints
        let oldestPosition = appended &- UInt64(order.count)
        // The last checkpoint with a sequence number at or before `from`.
        var low = 0
        var high = checkpoints.count
        while low < high {
            let middle = (low + high) / 2
            if checkpoints[middle].sequence <= from { low = middle + 1 } else { high = middle }
        }
        if low > 0 { return Int(checkpoints[low - 1].position &- oldestPosition) }
        // None: walk back from the first checkpoint (after `from`), or from the newest frame.
        var index = checkpoints.first.map { Int($0.position &- oldestPosition) } ?? order.count - 1
        while index > 0 && !(order[index].slot == slot && order[index].sequence <= from) { index -= 1 }
        return index
    }
}
