/// Replies ZeroMQ could not take yet (a client's send queue is full), per client, in order.
///
/// While a client has a backlog, its new replies queue behind it, so replies stay in request order.
/// Each queue is bounded; past the bound a client that does not read its replies loses them (logged).
struct ReplyBacklog {
    /// One reply waiting to be sent.
    struct Pending {
        var delimiter: Bool
        var bytes: [UInt8]
    }

    private struct Queue {
        var items: [Pending] = []
        var head = 0
        var count: Int { items.count - head }
    }

    let limit: Int
    private var queues: [[UInt8]: Queue] = [:]

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    var isEmpty: Bool { queues.isEmpty }

    /// Whether `client` has replies waiting.
    func has(_ client: [UInt8]) -> Bool { queues[client] != nil }

    /// Queues a reply; returns `false` if the client's queue is full and the reply was dropped.
    mutating func append(_ pending: Pending, for client: [UInt8]) -> Bool {
        var queue = queues.removeValue(forKey: client) ?? Queue()
        defer { queues[client] = queue }
        guard queue.count < limit else { return false }
        queue.items.append(pending)
        return true
    }

    /// Offers waiting replies to `send` in order, per client, until it returns `false` (still full)
    /// for that client. `send` returns `nil` when the client is gone: its queue is dropped.
    /// - Returns: how many replies were dropped because their client is gone.
    mutating func flush(_ send: (_ client: [UInt8], _ pending: Pending) -> Bool?) -> Int {
        var dropped = 0
        for client in Array(queues.keys) {
            guard var queue = queues.removeValue(forKey: client) else { continue }
            while queue.head < queue.items.count {
                guard let sent = send(client, queue.items[queue.head]) else {
                    dropped += queue.count
                    queue = Queue()
                    break
                }
                if !sent { break }
                queue.head += 1
            }
            if queue.count > 0 {
                if queue.head > 1024 {
                    queue.items.removeFirst(queue.head)
                    queue.head = 0
                }
                queues[client] = queue
            }
        }
        return dropped
    }
}
