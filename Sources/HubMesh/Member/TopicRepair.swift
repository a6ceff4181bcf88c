/// The repair of sequence gaps on one topic from one origin: a pure state machine.
///
/// While a gap is open, later messages of the topic are held back; replayed messages fill the gap;
/// ranges the origin no longer has are given up as lost. Messages leave ``drain()`` in sequence order
/// with the holes skipped, so a receiver delivers every message it can, in publish order.
public struct TopicRepair<Message: Sendable>: Sendable {
    private struct Missing: Sendable {
        var range: ClosedRange<UInt64>
        var settled: UInt64  // replayed or given up
        var size: UInt64 { range.upperBound - range.lowerBound + 1 }
    }

    /// The next sequence number to deliver.
    public private(set) var next: UInt64
    private var pending: [UInt64: Message] = [:]
    private var missing: [Missing] = []
    private var lost: [ClosedRange<UInt64>] = []

    /// Starts a repair: `range` was skipped, `message` (numbered `sequence`) came after it.
    public init(gap range: ClosedRange<UInt64>, message: Message, sequence: UInt64) {
        next = range.lowerBound
        missing = [Missing(range: range, settled: 0)]
        pending[sequence] = message
    }

    /// Starts a repair of `range` with nothing held after it (a flush showed the end of the topic is missing).
    public init(gap range: ClosedRange<UInt64>) {
        next = range.lowerBound
        missing = [Missing(range: range, settled: 0)]
    }

    /// Another gap with nothing held after it appeared while repairing.
    public mutating func gap(_ range: ClosedRange<UInt64>) {
        missing.append(Missing(range: range, settled: 0))
    }

    /// Another gap appeared while repairing.
    public mutating func gap(_ range: ClosedRange<UInt64>, message: Message, sequence: UInt64) {
        missing.append(Missing(range: range, settled: 0))
        pending[sequence] = message
    }

    /// A message that follows the gap in order: held until the gap is filled.
    public mutating func hold(_ message: Message, sequence: UInt64) {
        pending[sequence] = message
    }

    /// A replayed message. Returns `false` if it was not missing (a duplicate or unknown number).
    @discardableResult
    public mutating func replayed(_ message: Message, sequence: UInt64) -> Bool {
        guard sequence >= next, pending[sequence] == nil, let index = missing.firstIndex(where: { $0.range.contains(sequence) }) else {
            return false
        }
        pending[sequence] = message
        settle(index, by: 1)
        return true
    }

    /// The origin no longer has `range`. Returns the part of it that was still missing (now lost).
    public mutating func gone(_ range: ClosedRange<UInt64>) -> [ClosedRange<UInt64>] {
        var given: [ClosedRange<UInt64>] = []
        var index = 0
        while index < missing.count {
            let entry = missing[index]
            let low = max(entry.range.lowerBound, range.lowerBound)
            let high = min(entry.range.upperBound, range.upperBound)
            if low <= high {
                let part = low...high
                let unreceived = (low...high).filter { pending[$0] == nil && $0 >= next }
                if !unreceived.isEmpty {
                    given.append(part)
                    lost.append(part)
                }
                let before = missing.count
                settle(index, by: UInt64(unreceived.count))
                if missing.count < before { continue }
            }
            index += 1
        }
        return given
    }

    private mutating func settle(_ index: Int, by count: UInt64) {
        missing[index].settled += count
        if missing[index].settled >= missing[index].size { missing.remove(at: index) }
    }

    /// Messages ready for delivery, in order.
    public mutating func drain() -> [Message] {
        var ready: [Message] = []
        while true {
            if let message = pending.removeValue(forKey: next) {
                ready.append(message)
                next += 1
            } else if let skip = lost.first(where: { $0.contains(next) }) {
                next = skip.upperBound + 1
            } else {
                break
            }
        }
        lost.removeAll { $0.upperBound < next }
        return ready
    }

    /// Whether every gap is settled and everything held was delivered.
    public var isComplete: Bool { missing.isEmpty && pending.isEmpty }

    /// Messages held (for bounding memory).
    public var heldCount: Int { pending.count }

    /// Gives up: every range still missing is lost. Returns those ranges and what can be delivered, in order.
    public mutating func expire() -> (lost: [ClosedRange<UInt64>], deliver: [Message]) {
        var given: [ClosedRange<UInt64>] = []
        for entry in missing {
            given.append(contentsOf: gone(entry.range))
        }
        missing.removeAll()
        var deliver = drain()
        // Whatever is still pending sits behind holes nobody will fill: deliver it in order.
        for sequence in pending.keys.sorted() {
            if let message = pending.removeValue(forKey: sequence) { deliver.append(message) }
            next = sequence + 1
        }
        return (given, deliver)
    }
}
