import Dispatch
import Synchronization
import ZeroMQ

/// A request from Swift code to the member's I/O thread.
enum MeshCommand: @unchecked Sendable {
    /// A numbered frame on the topic with this id (``MeshInbox/State/topicID(_:)``).
    case publish(frame: [UInt8], kind: String, topicID: Int, sequence: UInt64)
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

/// The shared, lock-protected side of a member: commands in, backpressure, sequence numbering.
final class MeshInbox: Sendable {
    struct State: ~Copyable {
        var commands: [MeshCommand] = []
        /// Publishes enqueued and not yet handed to ZeroMQ.
        var pendingPublishes = 0
        var waiters: [Waiter] = []
        /// The I/O thread is (about to be) blocked in poll and needs a signal.
        var sleeping = false
        var stopped = false
        var messageID: UInt64 = 0
        /// Every topic published on gets a small id: its sequence counter is `sequences[id]`, and
        /// publish commands carry the id rather than the topic, so the publishing thread and the
        /// I/O thread never share (and contend on the reference count of) one topic buffer.
        var topicIDs: [Topic: Int] = [:]
        var topics: [Topic] = []
        var sequences: [UInt64] = []
        var backpressureWaits = 0

        mutating func topicID(_ topic: Topic) -> Int {
            if let id = topicIDs[topic] { return id }
            topicIDs[topic] = topics.count
            topics.append(topic)
            sequences.append(0)
            return topics.count - 1
        }
    }

    let state = Mutex(State())
    /// The frame prefix of the previous publish (publishers mostly repeat their topic).
    let lastPrefix = Mutex<MeshCodec.EncodePrefix?>(nil)
    let wake: WakeUp
    let limit: Int

    init(limit: Int) throws(ZMQError) {
        wake = try WakeUp()
        self.limit = limit
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

    /// Numbers, encodes and queues a publish; waits while too many are pending.
    func publish(_ body: MeshMessage.Body, origin: String, epoch: UInt64, kind: String) async throws(HubMeshError) {
        if try enqueue(body, origin: origin, epoch: epoch, kind: kind) {
            await withCheckedContinuation { continuation in
                if !park(.task(continuation)) { continuation.resume() }
            }
        }
    }

    /// Like `publish`, but blocks the calling thread while the queue is full. For dedicated threads only.
    ///
    /// With `deferWake`, a sleeping I/O thread is not woken for this publish: the caller calls
    /// ``wakeIfSleeping()`` once after a burst (one wake-up per burst instead of one per message).
    /// It is still woken before the caller waits for the queue to drain.
    func publishBlocking(_ body: MeshMessage.Body, origin: String, epoch: UInt64, kind: String, deferWake: Bool = false) throws(HubMeshError) {
        if try enqueue(body, origin: origin, epoch: epoch, kind: kind, deferWake: deferWake) {
            let semaphore = DispatchSemaphore(value: 0)
            if park(.thread(semaphore)) { semaphore.wait() }
        }
    }

    /// Wakes the I/O thread if it sleeps (after publishes queued with `deferWake`).
    func wakeIfSleeping() {
        let signal = state.withLock { state -> Bool in
            defer { state.sleeping = false }
            return state.sleeping
        }
        if signal { wake.signal() }
    }

    /// Parks a waiter until the queue drains. Returns `false` if there is no need to wait.
    private func park(_ waiter: Waiter) -> Bool {
        state.withLock { state -> Bool in
            if state.pendingPublishes <= limit / 2 || state.stopped { return false }
            state.waiters.append(waiter)
            return true
        }
    }

    /// Numbers, encodes and queues; returns whether the caller should wait.
    ///
    /// The frame is encoded before taking the lock, with sequence and message id zero; under the lock
    /// they are assigned and patched in (16 bytes), so the queue order and the numbering agree while
    /// the I/O thread is held up as briefly as possible.
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
        let result = state.withLock { state -> Result<(signal: Bool, wait: Bool, id: Int), HubMeshError> in
            guard !state.stopped else {
                return .failure(HubMeshError(code: .notRunning, message: "the mesh member is shut down"))
            }
            state.messageID &+= 1
            let id = knownID ?? state.topicID(topic)
            state.sequences[id] &+= 1
            let sequence = state.sequences[id]
            MeshCodec.patchNumbering(&frame, at: numbering, sequence: sequence, messageID: state.messageID)
            state.commands.append(.publish(frame: frame, kind: kind, topicID: id, sequence: sequence))
            state.pendingPublishes += 1
            let wait = state.pendingPublishes > limit
            if wait { state.backpressureWaits += 1 }
            let signal = state.sleeping && (wait || !deferWake)
            if signal { state.sleeping = false }
            return .success((signal, wait, id))
        }
        let (signal, wait, id) = try result.get()
        if var prefix = newPrefix {
            prefix.topicID = id
            lastPrefix.withLock { $0 = prefix }
        }
        if signal { wake.signal() }
        return wait
    }

    /// Numbers and encodes a message sent by the I/O thread itself (control and directed messages).
    func encodeLocally(_ body: MeshMessage.Body, origin: String, epoch: UInt64, sequenced: Bool) throws(MeshProtocolError) -> [UInt8] {
        let topic = try MeshCodec.topic(for: body)
        let header = state.withLock { state -> MeshHeader in
            state.messageID &+= 1
            var sequence: UInt64 = 0
            if sequenced {
                let id = state.topicID(topic)
                state.sequences[id] &+= 1
                sequence = state.sequences[id]
            }
            return MeshHeader(origin: origin, epoch: epoch, sequence: sequence, messageID: state.messageID)
        }
        return try MeshCodec.encode(MeshMessage(header: header, body: body), topic: topic)
    }

    /// I/O thread: copies of the topics with ids `from...` (new buffers, owned by the caller's thread).
    func topics(from id: Int) -> [Topic] {
        let shared = state.withLock { Array($0.topics[min(id, $0.topics.count)...]) }
        return shared.map { topic in Topic(bytes: topic.bytes.withUnsafeBufferPointer { Array($0) }) }
    }

    /// I/O thread: swaps every queued command into `commands` (which must be empty); the inbox keeps
    /// the array's capacity for the next ones, so a steady stream of publishes allocates nothing here.
    /// If there are none, marks the thread as sleeping.
    func take(sent: Int, maySleep: Bool, into commands: inout [MeshCommand]) {
        var resume: [Waiter] = []
        state.withLock { state in
            state.pendingPublishes -= sent
            if !state.waiters.isEmpty && state.pendingPublishes <= limit / 2 {
                swap(&resume, &state.waiters)
            }
            if state.commands.isEmpty {
                state.sleeping = maySleep
            } else {
                swap(&commands, &state.commands)
            }
        }
        for continuation in resume { continuation.resume() }
    }

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
