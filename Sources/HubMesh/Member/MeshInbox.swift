import Dispatch
import Synchronization
import ZeroMQ

/// A request from Swift code to the member's I/O thread.
enum MeshCommand: @unchecked Sendable {
    case subscribe(Topic)
    case unsubscribe(Topic)
    case barrier(peers: Set<String>?, completion: @Sendable (_ missing: [String]) -> Void)
    case groupManagement(GroupManagement, owner: String, completion: @Sendable (HubMeshError?) -> Void)
    case ack(to: String, Ack)
    case register(hub: String, handler: @Sendable (MeshDelivery) -> Void)
    case stop
}

/// A publisher waiting for the queue to drain: a task or a thread.
enum Waiter: @unchecked Sendable {
    case task(CheckedContinuation<Void, Never>)
    case thread(DispatchSemaphore)

    func resume() {
        switch self {
        case .task(let continuation): continuation.resume()
        case .thread(let semaphore): semaphore.signal()
        }
    }
}

/// The shared, lock-protected side of a member: commands in, publishes in, backpressure, sequence
/// numbering; and the publish lane (the XPUB, and what ZeroMQ has not taken yet) under a lock of its own.
///
/// Two locks, always taken in the order lane, then state: the state lock is held for a few
/// instructions (numbering a publish and queueing it), the lane lock while frames are handed to
/// ZeroMQ. A flush takes the lane lock, moves the queued publishes into the lane, and sends them:
/// frames leave in the order they were numbered, whichever thread sends them.
///
/// A publisher that would send on its own thread never waits for the lane lock: if another thread
/// holds it, the publisher leaves its envelope queued with ``flushRequested`` set, and whoever
/// holds the lane sends it before letting go, or right after (see ``withLaneLock(byPublisher:ifAvailable:_:)``).
final class MeshInbox: Sendable {
    struct State: ~Copyable {
        var commands: [MeshCommand] = []
        /// Numbered publishes (and control frames) not yet moved into the lane, in order.
        var pending: [PublishLane.Outgoing] = []
        /// Frames the lane held after its last flush (refused by ZeroMQ so far).
        var carried = 0
        var waiters: [Waiter] = []
        /// The I/O thread is (about to be) blocked in poll and needs a signal.
        var sleeping = false
        var stopped = false
        var messageID: UInt64 = 0
        /// Every topic published on gets a small id: its sequence counter is `sequences[id]`, and
        /// the prefix cache remembers the id, so a repeated topic is numbered without hashing it.
        var topicIDs: [Topic: Int] = [:]
        var topics: [Topic] = []
        var sequences: [UInt64] = []
        var backpressureWaits = 0
        /// A thread other than the I/O thread sent since the I/O thread last read subscriptions: its
        /// send may have taken the XPUB's `ZMQ_FD` signal, so the I/O thread looks again soon.
        var sentByPublishers = false

        /// Publishes not yet handed to ZeroMQ.
        var queued: Int { pending.count + carried }

        mutating func topicID(_ topic: Topic) -> Int {
            if let id = topicIDs[topic] { return id }
            topicIDs[topic] = topics.count
            topics.append(topic)
            sequences.append(0)
            return topics.count - 1
        }
    }

    let state = Mutex(State())
    /// Only through ``withLaneLock(byPublisher:ifAvailable:_:)``, which sends what publishers handed over.
    private let lane: Mutex<PublishLane>
    /// The frame prefix of the previous publish (publishers mostly repeat their topic).
    let lastPrefix = Mutex<MeshCodec.EncodePrefix?>(nil)
    /// A publisher found the lane busy and left its publishes queued: the lane's holder sends them.
    /// (An atomic, not state: every use of the lane looks at it.)
    let flushRequested = Atomic<Bool>(false)
    let wake: WakeUp
    let limit: Int
    /// Publishers send on their own threads (``MeshConfiguration/sendImmediately``).
    let immediate: Bool

    init(limit: Int, immediate: Bool, lane: consuming PublishLane) throws(ZMQError) {
        wake = try WakeUp()
        self.limit = limit
        self.immediate = immediate
        self.lane = Mutex(lane)
    }

    /// Queues a command and wakes the I/O thread if it sleeps.
    func send(_ command: MeshCommand) {
        let signal = state.withLock { state -> Bool in
            state.commands.append(command)
            defer { state.sleeping = false }
            return state.sleeping
        }
        if signal { wake.signal() }
    }

    /// Wakes the I/O thread if it sleeps.
    func wakeIfSleeping() {
        let signal = state.withLock { state -> Bool in
            defer { state.sleeping = false }
            return state.sleeping
        }
        if signal { wake.signal() }
    }

    /// Numbers, encodes and sends (or queues) a publish; waits while too many are queued.
    func publish(_ body: MeshMessage.Body, origin: String, epoch: UInt64, kind: String) async throws(HubMeshError) {
        if try enqueue(body, origin: origin, epoch: epoch, kind: kind) {
            await withCheckedContinuation { continuation in
                if !park(.task(continuation)) { continuation.resume() }
            }
        }
    }

    /// Like `publish`, but blocks the calling thread while the queue is full. For dedicated threads only.
    ///
    /// With `deferWake`, the envelope is only queued: the caller calls ``flushPublishes()`` once
    /// after a burst, which sends the burst in batches on its own thread. A call that has to wait
    /// sends first.
    func publishBlocking(_ body: MeshMessage.Body, origin: String, epoch: UInt64, kind: String, deferWake: Bool = false) throws(HubMeshError) {
        if try enqueue(body, origin: origin, epoch: epoch, kind: kind, deferWake: deferWake) {
            let semaphore = DispatchSemaphore(value: 0)
            if park(.thread(semaphore)) { semaphore.wait() }
        }
    }

    /// Sends what is queued (after publishes queued with `deferWake`) on the calling thread, or hands
    /// it to the thread holding the lane; the I/O thread retries what ZeroMQ refused (woken by
    /// ``runLocked(byPublisher:ifAvailable:_:)``).
    func flushPublishes() {
        flushByPublisher()
    }

    /// A publisher's flush: sends what is queued on the calling thread, unless another thread holds
    /// the lane; then that thread sends it.
    private func flushByPublisher() {
        if tryFlush() { return }
        flushRequested.store(true, ordering: .sequentiallyConsistent)
        // The holder may have let go between the first try and the request; it checks again after
        // letting go, and so does this try: one of the two sends.
        _ = tryFlush()
    }

    /// Whether the lane was free (and what was queued went to ZeroMQ, or waits in the lane for a retry).
    private func tryFlush() -> Bool {
        let ran: Void? = withLaneLock(byPublisher: true, ifAvailable: true) { lane in
            state.withLock { lane.absorb(&$0.pending, known: $0.topics) }
            _ = lane.flush(now: ContinuousClock.now)
        }
        return ran != nil
    }

    /// Moves the queued publishes into the lane and hands them to ZeroMQ, in order; resumes the
    /// waiters it made room for.
    @discardableResult
    func flush(now: ContinuousClock.Instant) -> PublishLane.Flushed {
        passLane { $0.flush(now: now) }
    }

    /// Runs `body` on the lane under its lock, with every queued publish moved into it first; then
    /// records what the lane holds (``State/queued`` counts it) and resumes the waiters there is now
    /// room for.
    private func passLane<R, E: Error>(_ body: (inout PublishLane) throws(E) -> R) throws(E) -> R {
        // Not `ifAvailable`: the result is never nil.
        try withLaneLock(byPublisher: false, ifAvailable: false) { lane throws(E) -> R in
            state.withLock { lane.absorb(&$0.pending, known: $0.topics) }
            return try body(&lane)
        }!
    }

    /// Runs `body` under the lane lock (or, `ifAvailable`, only if no other thread holds it: `nil`
    /// then), then sends what publishers left queued for the holder (``flushRequested``) before
    /// letting go, records what the lane holds, and resumes the waiters there is now room for. After
    /// letting go it looks at the request once more: a publisher that found the lane busy after the
    /// last look inside has set it, and either its own second try or this look sends.
    /// `byPublisher`: the calling thread is a publisher's (see ``State/sentByPublishers``).
    private func withLaneLock<R, E: Error>(
        byPublisher: Bool, ifAvailable: Bool, _ body: (inout PublishLane) throws(E) -> R
    ) throws(E) -> R? {
        guard let result = try runLocked(byPublisher: byPublisher, ifAvailable: ifAvailable, body) else { return nil }
        // Whoever holds the lane now looks at the request after it, if this try fails.
        while flushRequested.load(ordering: .sequentiallyConsistent), runLocked(byPublisher: byPublisher, ifAvailable: true, { _ in }) != nil {}
        return result
    }

    /// ``withLaneLock(byPublisher:ifAvailable:_:)`` without the look after letting go.
    private func runLocked<R, E: Error>(
        byPublisher: Bool, ifAvailable: Bool, _ body: (inout PublishLane) throws(E) -> R
    ) throws(E) -> R? {
        let limit = self.limit
        var result: R?
        var resume: [Waiter] = []
        var carried = false
        var handedOver = false
        func locked(_ lane: inout PublishLane) throws(E) -> Bool {
            let before = lane.sentCount
            result = try body(&lane)
            handedOver = sendRequested(&lane)
            let sent = lane.sentCount != before
            let queued = lane.queued
            carried = queued > 0
            resume = state.withLock { state -> [Waiter] in
                state.carried = queued
                if byPublisher && sent { state.sentByPublishers = true }
                guard !state.waiters.isEmpty && state.queued <= limit / 2 else { return [] }
                defer { state.waiters = [] }
                return state.waiters
            }
            return true
        }
        let ran: Bool
        if ifAvailable {
            ran = try lane.withLockIfAvailable { lane throws(E) in try locked(&lane) } ?? false
        } else {
            ran = try lane.withLock { lane throws(E) in try locked(&lane) }
        }
        guard ran else { return nil }
        for waiter in resume { waiter.resume() }
        // ZeroMQ refused frames that a publisher sent or handed over: the I/O thread retries them, and
        // may have chosen how long to sleep before they were refused (when it is the holder itself).
        if carried && (byPublisher || handedOver) { wakeIfSleeping() }
        return result
    }

    /// Under the lane lock: sends what publishers left queued for the holder; returns whether there was any.
    private func sendRequested(_ lane: inout PublishLane) -> Bool {
        var any = false
        while flushRequested.exchange(false, ordering: .sequentiallyConsistent) {
            any = true
            state.withLock { lane.absorb(&$0.pending, known: $0.topics) }
            _ = lane.flush(now: ContinuousClock.now)
        }
        return any
    }

    /// Parks a waiter until the queue drains. Returns `false` if there is no need to wait.
    private func park(_ waiter: Waiter) -> Bool {
        state.withLock { state -> Bool in
            if state.queued <= limit / 2 || state.stopped { return false }
            state.waiters.append(waiter)
            return true
        }
    }

    /// Numbers, encodes and sends or queues; returns whether the caller should wait.
    ///
    /// The frame is encoded before taking the lock, with sequence and message id zero; under the lock
    /// they are assigned and patched in (16 bytes) and the frame is queued, so the queue order and
    /// the numbering agree. With `immediate` (and not `deferWake`), the caller then sends it (and
    /// whatever was queued before it) itself; else the I/O thread does, woken if it sleeps.
    private func enqueue(
        _ body: MeshMessage.Body, origin: String, epoch: UInt64, kind: String, deferWake: Bool = false
    ) throws(HubMeshError) -> Bool {
        let topic: Topic
        var frame: [UInt8]
        let numbering: Int
        // The topic id when the prefix cache knows it; a new prefix is remembered after numbering.
        var knownID: Int?
        var newPrefix: MeshCodec.EncodePrefix?
        if case .hub(let envelope) = body, let key = MeshCodec.PrefixKey(envelope) {
            let prefix: MeshCodec.EncodePrefix
            if let cached = lastPrefix.withLock({ $0 }), cached.matches(key, origin: origin, epoch: epoch) {
                prefix = cached
                knownID = cached.topicID
            } else {
                do {
                    prefix = try MeshCodec.prefix(for: envelope, key: key, origin: origin, epoch: epoch)
                } catch {
                    throw HubMeshError(code: .invalidName, message: error.message)
                }
                newPrefix = prefix
            }
            do {
                frame = try MeshCodec.encode(envelope, after: prefix)
            } catch {
                throw HubMeshError(code: .invalidName, message: "\(error)")
            }
            topic = prefix.topic
            numbering = prefix.bytes.count
        } else {
            do {
                topic = try MeshCodec.topic(for: body)
            } catch {
                throw HubMeshError(code: .invalidName, message: error.message)
            }
            do {
                let header = MeshHeader(origin: origin, epoch: epoch, sequence: 0, messageID: 0)
                frame = try MeshCodec.encode(MeshMessage(header: header, body: body), topic: topic)
            } catch {
                throw HubMeshError(code: .invalidName, message: "\(error)")
            }
            numbering = MeshCodec.numberingOffset(topic: topic, origin: origin)
        }
        let limit = self.limit
        let immediate = self.immediate
        typealias Outcome = (sendHere: Bool, signal: Bool, wait: Bool, id: Int)
        let result = state.withLock { state -> Result<Outcome, HubMeshError> in
            guard !state.stopped else {
                return .failure(HubMeshError(code: .notRunning, message: "the mesh member is shut down"))
            }
            state.messageID &+= 1
            let id = knownID ?? state.topicID(topic)
            state.sequences[id] &+= 1
            let sequence = state.sequences[id]
            MeshCodec.patchNumbering(&frame, at: numbering, sequence: sequence, messageID: state.messageID)
            state.pending.append(PublishLane.Outgoing(frame: frame, kind: kind, topicID: id, sequence: sequence))
            let wait = state.queued > limit
            let sendHere = (immediate && !deferWake) || wait
            let signal = state.sleeping && !sendHere && !deferWake
            if signal { state.sleeping = false }
            return .success((sendHere, signal, wait, id))
        }
        let outcome = try result.get()
        if var prefix = newPrefix {
            prefix.topicID = outcome.id
            lastPrefix.withLock { $0 = prefix }
        }
        if outcome.signal { wake.signal() }
        guard outcome.sendHere else { return false }
        // What ZeroMQ refused, the I/O thread retries (woken by `runLocked`); it also makes room for a
        // caller that waits.
        flushByPublisher()
        let wait = outcome.wait && state.withLock { $0.queued > limit }
        if wait { wakeIfSleeping() }
        if wait { state.withLock { $0.backpressureWaits += 1 } }
        return wait
    }

    /// Numbers and encodes a directed message the I/O thread sends (unsequenced).
    func encodeDirected(_ body: MeshMessage.Body, origin: String, epoch: UInt64) throws(MeshProtocolError) -> [UInt8] {
        let topic = try MeshCodec.topic(for: body)
        let messageID = state.withLock { state -> UInt64 in
            state.messageID &+= 1
            return state.messageID
        }
        let header = MeshHeader(origin: origin, epoch: epoch, sequence: 0, messageID: messageID)
        return try MeshCodec.encode(MeshMessage(header: header, body: body), topic: topic)
    }

    /// I/O thread: numbers, encodes and queues a frame of its own (a control frame) behind every
    /// publish queued so far; the next flush sends it.
    func queueLocally(_ body: MeshMessage.Body, origin: String, epoch: UInt64) throws(MeshProtocolError) {
        let topic = try MeshCodec.topic(for: body)
        try state.withLock { state throws(MeshProtocolError) in
            state.messageID &+= 1
            let id = state.topicID(topic)
            state.sequences[id] &+= 1
            let header = MeshHeader(origin: origin, epoch: epoch, sequence: state.sequences[id], messageID: state.messageID)
            let frame = try MeshCodec.encode(MeshMessage(header: header, body: body), topic: topic)
            state.pending.append(PublishLane.Outgoing(frame: frame, kind: "", topicID: nil, sequence: 0))
        }
    }

    /// Runs `body` on the lane, under its lock, with every queued publish moved into it first (and
    /// counted as queued afterwards, whatever `body` added).
    func withLane<R, E: Error>(_ body: (inout PublishLane) throws(E) -> R) throws(E) -> R {
        try passLane(body)
    }

    /// What the I/O thread learns about publishing when it takes commands.
    struct LaneStatus {
        /// Frames wait for ZeroMQ: retry soon.
        var queued: Bool
        /// A publisher sent since the subscriptions were last read: read them again soon.
        var sentByPublishers: Bool
    }

    /// I/O thread: swaps every queued command into `commands` (which must be empty); the inbox keeps
    /// the array's capacity for the next ones. If there are none, marks the thread as sleeping.
    func take(into commands: inout [MeshCommand]) -> LaneStatus {
        state.withLock { state in
            if state.commands.isEmpty {
                state.sleeping = true
            } else {
                swap(&commands, &state.commands)
            }
            return LaneStatus(queued: state.queued > 0, sentByPublishers: state.sentByPublishers)
        }
    }

    /// I/O thread: whether subscription messages wait on the XPUB (see ``PublishLane/hasSubscriptions()``).
    /// Asking reads the socket's events after every send so far, so it also clears
    /// ``State/sentByPublishers``: a send after this look sets it again. (Reading the subscriptions
    /// clears it too, but a turn reads them only when there is something to read.)
    func hasSubscriptions() throws(ZMQError) -> Bool {
        state.withLock { $0.sentByPublishers = false }
        return try withLaneLock(byPublisher: false, ifAvailable: false) { lane throws(ZMQError) in try lane.hasSubscriptions() }!
    }

    /// I/O thread: the per-kind counts the lane gathered since the last call.
    func collectCounts() -> (published: [String: Int], batches: Int) {
        withLaneLock(byPublisher: false, ifAvailable: false) { $0.collectCounts() }!
    }

    /// I/O thread: reads the XPUB's subscription messages.
    func readSubscriptions() throws(ZMQError) -> [[UInt8]] {
        state.withLock { $0.sentByPublishers = false }
        return try withLaneLock(byPublisher: false, ifAvailable: false) { lane throws(ZMQError) in try lane.readSubscriptions() }!
    }

    /// Publishes not yet handed to ZeroMQ.
    var queued: Int { state.withLock { $0.queued } }

    /// Marks the inbox stopped and releases every waiting publisher.
    func stop() {
        let waiters = state.withLock { state -> [Waiter] in
            state.stopped = true
            state.commands.append(.stop)
            defer { state.waiters = [] }
            return state.waiters
        }
        wake.signal()
        for waiter in waiters { waiter.resume() }
    }

    var isStopped: Bool { state.withLock { $0.stopped } }
}
