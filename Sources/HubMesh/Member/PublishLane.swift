import Logging
import ZeroMQ

/// The sending side of a member's XPUB: the socket, the frames not yet handed to ZeroMQ (in order),
/// and the replay buffer of those that were.
///
/// It lives under a lock of ``MeshInbox``, so whichever thread holds the lock sends: the I/O thread
/// (publishes queued for it, in batches; its own control frames; retries of what ZeroMQ could not
/// take at once, a full pipe under `ZMQ_XPUB_NODROP`), a publisher with
/// ``MeshConfiguration/sendImmediately`` (no hand-off to the I/O thread, which costs a wake-up and,
/// on a machine with few cores, a wait for one), and a publisher that flushes a deferred burst.
///
/// ZeroMQ sockets may be used by one thread at a time with a full memory barrier between threads;
/// the lock is both. The I/O thread reads the XPUB's subscription messages under the lock too, and
/// polls the socket's `ZMQ_FD` (a plain file descriptor) rather than the socket. (Hence
/// `@unchecked Sendable`: the socket is not, and is only used under that lock.)
struct PublishLane: @unchecked Sendable {
    /// A frame waiting for the XPUB; hub envelopes carry their topic's id (``MeshInbox/State/topicID(_:)``)
    /// and sequence for the replay buffer. The id, not the topic: the lane keeps its own copies of the
    /// topics, so a publisher's thread and the sending thread never share (and contend on the reference
    /// count of) one topic buffer per envelope.
    struct Outgoing {
        var frame: [UInt8]
        var kind: String
        var topicID: Int?
        var sequence: UInt64
    }

    /// What a flush did.
    struct Flushed {
        /// Hub envelopes handed to ZeroMQ.
        var sent = 0
        /// ZeroMQ refused a frame: what is left waits for a later flush.
        var blocked = false
    }

    let socket: Socket
    let origin: String
    let epoch: UInt64
    let maxBatchEnvelopes: Int
    let maxBatchBytes: Int
    let logger: Logger
    var backlog: [Outgoing] = []
    var head = 0
    /// The lane's own copies of the inbox's topics, by id.
    var topics: [Topic] = []
    /// Where batches are built (kept between them: it allocates nothing once grown).
    var scratch: [UInt8] = []
    var replay: ReplayBuffer<ContinuousClock.Instant>
    /// Hub envelopes handed to ZeroMQ, by kind, since the I/O thread last collected them.
    var published: [String: Int] = [:]
    var batchesPublished = 0
    /// Frames handed to ZeroMQ since the lane was made (wraps; compared, never read as a count).
    var sentCount: UInt64 = 0
    /// Since when ZeroMQ has refused frames; `nil` while it takes them.
    var blockedSince: ContinuousClock.Instant?
    /// The socket is closed: nothing is sent any more.
    var closed = false

    init(socket: Socket, origin: String, epoch: UInt64, configuration: MeshConfiguration, logger: Logger) {
        self.socket = socket
        self.origin = origin
        self.epoch = epoch
        maxBatchEnvelopes = configuration.maxBatchEnvelopes
        maxBatchBytes = configuration.maxBatchBytes
        self.logger = logger
        replay = ReplayBuffer(capacity: configuration.replayCapacity, maxAge: configuration.replayMaxAge)
    }

    /// Frames queued and not yet handed to ZeroMQ.
    var queued: Int { backlog.count - head }

    /// Queues a frame behind everything already queued (order is kept).
    mutating func append(_ item: Outgoing) {
        backlog.append(item)
    }

    /// Takes `incoming` (emptied; it keeps the capacity of an array the lane no longer needs) behind
    /// everything already queued; copies the topics (`known`, by id) it has no copy of yet.
    mutating func absorb(_ incoming: inout [Outgoing], known: [Topic]) {
        guard !incoming.isEmpty else { return }
        while topics.count < known.count {
            topics.append(Topic(bytes: known[topics.count].bytes.withUnsafeBufferPointer { Array($0) }))
        }
        if head >= backlog.count {
            backlog.removeAll(keepingCapacity: true)
            head = 0
            swap(&backlog, &incoming)
        } else {
            backlog.append(contentsOf: incoming)
            incoming.removeAll(keepingCapacity: true)
        }
    }

    /// Hands queued frames to the XPUB without blocking, batching runs on one topic; keeps the rest.
    mutating func flush(now: ContinuousClock.Instant) -> Flushed {
        var flushed = Flushed()
        guard head < backlog.count, !closed else { return flushed }
        // Per-kind counts, added to the dictionary once per run of one kind rather than per frame.
        var runKind = ""
        var runCount = 0
        defer { if runCount > 0 { published[runKind, default: 0] += runCount } }
        while head < backlog.count {
            let end = batchEnd(from: head)
            let ok: Bool
            do {
                if end - head > 1, let id = backlog[head].topicID {
                    try MeshCodec.encodeBatch(
                        topic: topics[id].bytes, origin: origin, epoch: epoch, frames: backlog[head..<end].lazy.map(\.frame), into: &scratch)
                    ok = try socket.send(scratch, dontWait: true)
                } else {
                    ok = try socket.send(backlog[head].frame, dontWait: true)
                }
            } catch {
                // Refused for good: logged, not retried forever. The envelopes still go to the replay
                // buffer below, so receivers see the gap at the next envelope and repair it.
                logger.error("publish failed", metadata: ["hubmesh.error": "\(error)", "hubmesh.envelopes": "\(end - head)"])
                ok = true
            }
            if !ok {
                if blockedSince == nil { blockedSince = now }
                flushed.blocked = true
                break
            }
            blockedSince = nil
            if end - head > 1 { batchesPublished += 1 }
            for index in head..<end {
                guard let id = backlog[index].topicID else { continue }
                if backlog[index].kind != runKind {
                    if runCount > 0 { published[runKind, default: 0] += runCount }
                    runKind = backlog[index].kind
                    runCount = 0
                }
                runCount += 1
                replay.append(topic: topics[id], sequence: backlog[index].sequence, frame: backlog[index].frame, now: now)
                flushed.sent += 1
            }
            sentCount &+= UInt64(end - head)
            head = end
        }
        if head >= backlog.count {
            backlog.removeAll(keepingCapacity: backlog.capacity <= 65_536)
            head = 0
        } else if head > 65_536 {
            backlog.removeFirst(head)
            head = 0
        }
        return flushed
    }

    /// Where the batch starting at `start` ends: the envelopes queued back to back on the same topic,
    /// within the configured limits. Flushes and control frames (no topic) always leave alone.
    func batchEnd(from start: Int) -> Int {
        guard let topic = backlog[start].topicID else { return start + 1 }
        var end = start + 1
        var bytes = backlog[start].frame.count
        let limit = min(backlog.count, start + maxBatchEnvelopes)  // checked at start: 1...65535
        while end < limit, let next = backlog[end].topicID, next == topic {
            bytes += 4 + backlog[end].frame.count
            if bytes > maxBatchBytes { break }
            end += 1
        }
        return end
    }

    /// Takes the per-kind counts gathered since the last call.
    mutating func collectCounts() -> (published: [String: Int], batches: Int) {
        defer {
            published.removeAll(keepingCapacity: true)
            batchesPublished = 0
        }
        return (published, batchesPublished)
    }

    /// Reads the subscription messages waiting on the XPUB.
    mutating func readSubscriptions() throws(ZMQError) -> [[UInt8]] {
        guard !closed else { return [] }
        var frames: [[UInt8]] = []
        while let frame = try socket.receiveFrame(dontWait: true) { frames.append(frame.bytes) }
        return frames
    }

    /// Whether subscription messages wait on the XPUB. A send processes the socket's pending commands
    /// and so may take the `ZMQ_FD` signal of one that arrived: the I/O thread asks before it sleeps
    /// (as `zmq_poll` on the socket itself would).
    func hasSubscriptions() throws(ZMQError) -> Bool {
        guard !closed else { return false }
        return try socket.events.contains(.readable)
    }

    /// Closes the socket; later flushes send nothing.
    mutating func close() {
        guard !closed else { return }
        closed = true
        socket.close()
    }
}
