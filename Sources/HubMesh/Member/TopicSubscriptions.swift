/// Reference counts of topic subscriptions: the first local user of a topic subscribes, the last unsubscribes.
///
/// The same shape as valkey-swift's channel state machine: events in, actions out.
public struct TopicSubscriptions: Sendable {
    /// What the caller must do after an event.
    public enum Action: Sendable, Equatable {
        /// Subscribe the SUB socket and run a barrier; wait for it before reporting success.
        case subscribe
        /// The topic is subscribed and confirmed: nothing to wait for.
        case none
        /// The topic is subscribed, its barrier is still running: wait for it.
        case wait
        /// Unsubscribe the SUB socket.
        case unsubscribe
    }

    private struct Entry {
        var count: Int
        var confirmed: Bool
    }

    private var entries: [Topic: Entry] = [:]

    /// Creates an empty table.
    public init() {}

    /// One more local user of `topic`.
    public mutating func add(_ topic: Topic) -> Action {
        guard var entry = entries[topic] else {
            entries[topic] = Entry(count: 1, confirmed: false)
            return .subscribe
        }
        entry.count += 1
        entries[topic] = entry
        return entry.confirmed ? .none : .wait
    }

    /// One less local user of `topic`.
    public mutating func remove(_ topic: Topic) -> Action {
        guard var entry = entries[topic] else { return .none }
        entry.count -= 1
        if entry.count <= 0 {
            entries[topic] = nil
            return .unsubscribe
        }
        entries[topic] = entry
        return .none
    }

    /// The barrier after subscribing `topic` completed.
    public mutating func confirmed(_ topic: Topic) {
        entries[topic]?.confirmed = true
    }

    /// Whether the barrier after subscribing `topic` completed.
    public func isConfirmed(_ topic: Topic) -> Bool { entries[topic]?.confirmed ?? false }

    /// How many local users `topic` has.
    public func count(of topic: Topic) -> Int { entries[topic]?.count ?? 0 }

    /// Every subscribed topic.
    public var topics: [Topic] { Array(entries.keys) }
}
