/// Checks per-topic sequence numbers of received messages, per origin and epoch.
///
/// Publishers number the messages of each topic 1, 2, 3, … per epoch. A receiver that sees a number
/// jump knows exactly which messages it lost. The first message seen on a topic from an origin (after
/// subscribing, or after the origin restarted) sets the baseline.
public struct SequenceTracker: Sendable {
    /// What one received sequence number means.
    public enum Verdict: Sendable, Equatable {
        /// The next expected number.
        case inOrder
        /// The first message seen on this topic from this origin and epoch.
        case baseline
        /// Messages `range` were never received.
        case gap(ClosedRange<UInt64>)
        /// A number at or below one already seen: a duplicate or reordering.
        case stale(expected: UInt64)
    }

    private struct Key: Hashable {
        var origin: String
        var topic: [UInt8]

        func hash(into hasher: inout Hasher) {
            hasher.combine(origin)
            topic.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    private var last: [Key: (epoch: UInt64, sequence: UInt64)] = [:]
    /// The key of the previous record and where it lives: streams mostly repeat their topic.
    private var cached: (key: Key, index: Dictionary<Key, (epoch: UInt64, sequence: UInt64)>.Index)?

    /// Creates an empty tracker.
    public init() {}

    /// Records `sequence` on `topic` from `origin` in `epoch`.
    public mutating func record(origin: String, epoch: UInt64, topic: [UInt8], sequence: UInt64) -> Verdict {
        let key = Key(origin: origin, topic: topic)
        let index: Dictionary<Key, (epoch: UInt64, sequence: UInt64)>.Index
        if let cached, cached.key.topic == topic, cached.key.origin == origin {
            index = cached.index
        } else if let found = last.index(forKey: key) {
            index = found
            cached = (key, found)
        } else {
            last[key] = (epoch, sequence)
            cached = nil  // inserting may move entries
            return .baseline
        }
        let previous = last.values[index]
        guard previous.epoch == epoch else {
            last.values[index] = (epoch, sequence)
            return .baseline
        }
        let expected = previous.sequence &+ 1
        if sequence == expected {
            last.values[index] = (epoch, sequence)
            return .inOrder
        }
        if sequence > expected {
            last.values[index] = (epoch, sequence)
            return .gap(expected...(sequence - 1))
        }
        return .stale(expected: expected)
    }

    /// A flush says `sequence` is the last number the origin published on `topic`. Returns the
    /// numbers this receiver never saw (and records them as seen, since a repair takes over), or
    /// `nil` if it saw them all or has no baseline for the topic in that epoch.
    public mutating func flush(origin: String, epoch: UInt64, topic: [UInt8], sequence: UInt64) -> ClosedRange<UInt64>? {
        let key = Key(origin: origin, topic: topic)
        guard let previous = last[key], previous.epoch == epoch, previous.sequence < sequence else { return nil }
        last[key] = (epoch, sequence)
        cached = nil
        return (previous.sequence + 1)...sequence
    }

    /// Forgets a topic (after unsubscribing: what is published meanwhile is not ours to miss).
    public mutating func forget(topic: [UInt8]) {
        cached = nil
        last = last.filter { $0.key.topic != topic }
    }

    /// Forgets an origin (it left or restarted).
    public mutating func forget(origin: String) {
        cached = nil
        last = last.filter { $0.key.origin != origin }
    }
}
