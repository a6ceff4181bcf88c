/// The idempotency keys accepted recently (section 8): a key is remembered for ``ttl`` and at most
/// ``capacity`` keys are kept, the oldest forgotten first.
///
/// Pure state with the time passed in. A key is *reserved* while its request is being published —
/// a second request with the same key sees it as taken, so at most one is delivered — then
/// *committed* if the mesh accepted it, or *released* if it failed (a failed request records nothing).
public struct IdempotencyWindow<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// How long a committed key is remembered.
    public let ttl: Duration
    /// The most keys remembered.
    public let capacity: Int

    private enum Entry {
        case reserved
        case committed(expires: Instant)
    }

    private var entries: [String: Entry] = [:]
    /// Committed keys in commit order (so in expiry order), from `head` on.
    private var order: [(key: String, expires: Instant)] = []
    private var head = 0

    /// Creates an empty window.
    public init(ttl: Duration = .seconds(300), capacity: Int = 100_000) {
        self.ttl = ttl
        self.capacity = max(1, capacity)
    }

    /// The result of ``reserve(_:now:)``.
    public enum Reservation: Sendable, Equatable {
        /// The key is new: publish, then ``commit(_:now:)`` or ``release(_:)``.
        case reserved
        /// The key was accepted (or is being published) already: answer `duplicate`.
        case duplicate
    }

    /// Reserves `key` unless it is in the window.
    public mutating func reserve(_ key: String, now: Instant) -> Reservation {
        expire(now: now)
        if entries[key] != nil { return .duplicate }
        entries[key] = .reserved
        return .reserved
    }

    /// Records `key` as accepted at `now`.
    public mutating func commit(_ key: String, now: Instant) {
        let expires = now.advanced(by: ttl)
        entries[key] = .committed(expires: expires)
        order.append((key, expires))
        expire(now: now)
    }

    /// Forgets a reservation whose request failed.
    public mutating func release(_ key: String) {
        if case .reserved = entries[key] { entries[key] = nil }
    }

    /// Whether `key` is in the window at `now` (reserved, or committed and not expired).
    public func contains(_ key: String, now: Instant) -> Bool {
        switch entries[key] {
        case nil: return false
        case .reserved: return true
        case .committed(let expires): return expires > now
        }
    }

    /// The number of committed keys remembered (expired ones are forgotten on the next change).
    public var count: Int { order.count - head }

    /// Forgets keys past their time, and the oldest ones beyond the capacity.
    private mutating func expire(now: Instant) {
        while head < order.count && (order.count - head > capacity || order[head].expires <= now) {
            let oldest = order[head]
            if case .committed(let expires) = entries[oldest.key], expires == oldest.expires {
                entries[oldest.key] = nil
            }
            head += 1
        }
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
