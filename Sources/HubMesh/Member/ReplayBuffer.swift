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

    /// Frames kept at most, across all topics.
    public let capacity: Int
    /// Frames older than this are dropped.
    public let maxAge: Duration
    /// One appended frame in append order. A struct rather than a tuple: a FIFO of tuples went
    /// through the runtime's generic tuple witnesses (metadata lookup, copy, destroy) per frame.
    private struct Appended: Sendable {
        var topic: Topic
        var time: Instant
    }

    private var topics: [Topic: FIFO<Stored>] = [:]
    private var order: FIFO<Appended> = FIFO()
    /// The topic appended to last and where it lives in `topics` (valid until a topic is added or
    /// removed): a stream appends to and evicts from one topic, so most frames need no hashing.
    private var recent: (topic: Topic, index: Dictionary<Topic, FIFO<Stored>>.Index)?

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
        let stored = Stored(sequence: sequence, frame: frame)
        if let recent, recent.topic == topic {
            topics.values[recent.index].append(stored)
        } else if let index = topics.index(forKey: topic) {
            topics.values[index].append(stored)
            recent = (topic, index)
        } else {
            var fifo = FIFO<Stored>()
            fifo.append(stored)
            topics[topic] = fifo
            recent = nil  // inserting may move entries
        }
        order.append(Appended(topic: topic, time: now))
        while order.count > capacity { dropOldest() }
    }

    /// The topics of frames appended at or after `since` (newest first, at most `limit`).
    public func topics(since: Instant, limit: Int) -> Set<Topic> {
        var found: Set<Topic> = []
        var index = order.count - 1
        while index >= 0, found.count < limit {
            let entry = order[index]
            if entry.time < since { break }
            found.insert(entry.topic)
            index -= 1
        }
        return found
    }

    /// The last sequence number held for `topic`, if any.
    public func lastSequence(topic: Topic) -> UInt64? { topics[topic]?.last?.sequence }

    /// Drops frames older than `maxAge`.
    public mutating func evict(now: Instant) {
        while let oldest = order.first, oldest.time.duration(to: now) > maxAge { dropOldest() }
    }

    private mutating func dropOldest() {
        // One hash lookup per dropped frame (not three).
        guard let oldest = order.popFirst() else { return }
        let index: Dictionary<Topic, FIFO<Stored>>.Index
        if let recent, recent.topic == oldest.topic {
            index = recent.index
        } else if let found = topics.index(forKey: oldest.topic) {
            index = found
        } else {
            return
        }
        topics.values[index].removeFirst()
        if topics.values[index].isEmpty {
            topics.remove(at: index)
            recent = nil
        }
    }

    /// The frames for sequence numbers `range` of `topic`, and which leading part is gone.
    public func frames(topic: Topic, range: ClosedRange<UInt64>) -> Lookup {
        guard let stored = topics[topic], let first = stored.first, let last = stored.last else {
            return Lookup(frames: [], gone: range)
        }
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
