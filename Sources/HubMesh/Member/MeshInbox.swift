import Dispatch
import Synchronization
import ZeroMQ

/// A request from Swift code to the member's I/O thread.
enum MeshCommand: @unchecked Sendable {
    case publish(frame: [UInt8], kind: String, topic: Topic, sequence: UInt64)
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
        var sequences: [Topic: UInt64] = [:]
        var backpressureWaits = 0
    }

    let state = Mutex(State())
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
    func publishBlocking(_ body: MeshMessage.Body, origin: String, epoch: UInt64, kind: String) throws(HubMeshError) {
        if try enqueue(body, origin: origin, epoch: epoch, kind: kind) {
            let semaphore = DispatchSemaphore(value: 0)
            if park(.thread(semaphore)) { semaphore.wait() }
        }
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
    private func enqueue(_ body: MeshMessage.Body, origin: String, epoch: UInt64, kind: String) throws(HubMeshError) -> Bool {
        let topic: Topic
        do {
            topic = try MeshCodec.topic(for: body)
        } catch {
            throw HubMeshError(code: .invalidName, message: error.message)
        }
        let result = state.withLock { state -> Result<(signal: Bool, wait: Bool), HubMeshError> in
            guard !state.stopped else {
                return .failure(HubMeshError(code: .notRunning, message: "the mesh member is shut down"))
            }
            state.messageID &+= 1
            let sequence = (state.sequences[topic] ?? 0) &+ 1
            state.sequences[topic] = sequence
            let header = MeshHeader(origin: origin, epoch: epoch, sequence: sequence, messageID: state.messageID)
            let frame: [UInt8]
            do {
                frame = try MeshCodec.encode(MeshMessage(header: header, body: body), topic: topic)
            } catch {
                state.sequences[topic] = sequence - 1
                return .failure(HubMeshError(code: .invalidName, message: "\(error)"))
            }
            state.commands.append(.publish(frame: frame, kind: kind, topic: topic, sequence: sequence))
            state.pendingPublishes += 1
            let signal = state.sleeping
            state.sleeping = false
            let wait = state.pendingPublishes > limit
            if wait { state.backpressureWaits += 1 }
            return .success((signal, wait))
        }
        let (signal, wait) = try result.get()
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
                sequence = (state.sequences[topic] ?? 0) &+ 1
                state.sequences[topic] = sequence
            }
            return MeshHeader(origin: origin, epoch: epoch, sequence: sequence, messageID: state.messageID)
        }
        return try MeshCodec.encode(MeshMessage(header: header, body: body), topic: topic)
    }

    /// I/O thread: takes every queued command. If none, marks the thread as sleeping.
    func take(sent: Int, maySleep: Bool) -> [MeshCommand] {
        var resume: [Waiter] = []
        let commands = state.withLock { state -> [MeshCommand] in
            state.pendingPublishes -= sent
            if !state.waiters.isEmpty && state.pendingPublishes <= limit / 2 {
                swap(&resume, &state.waiters)
            }
            if state.commands.isEmpty {
                state.sleeping = maySleep
                return []
            }
            var taken: [MeshCommand] = []
            swap(&taken, &state.commands)
            return taken
        }
        for continuation in resume { continuation.resume() }
        return commands
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
