import HubMesh
import HubProtocol
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// One client WebSocket: drives a ``HubConnectionStateMachine`` and executes its actions.
///
/// Every event (bytes received, time passed, a message to send, a write done) takes the session's
/// lock, feeds the state machine and queues the resulting actions before releasing it, so frames
/// leave in the order the machine decided. Nothing under the lock blocks: frames go to a pending
/// list that the ``SocketWriter`` writes on the channel's event loop (many at a time), client
/// messages to a dispatch queue (hub methods of one connection run one at a time, in order, as in
/// SignalR). Keep-alive and timeouts are driven by the server's shared ``SessionRegistry`` ticker.
///
/// No task lives as long as the connection: the ``HubSocketHandler`` feeds the session on the event
/// loop, and a dispatch task runs only while there is something to dispatch (hub methods, the
/// connected and disconnected hooks).
final class HubSession: Sendable {
    typealias Machine = HubConnectionStateMachine<ContinuousClock.Instant>

    /// What the dispatcher loop does next.
    enum DispatchItem: Sendable {
        case connected(SocketConnection)
        case message(HubMessage)
    }

    /// The hub-method side of the session: what waits to run, and whether a task runs it.
    struct Dispatch: Sendable {
        /// Items in arrival order; the first is the next to run.
        var queue: [DispatchItem] = []
        /// A dispatch task is running (or is about to).
        var running = false
        /// New items are refused: the connection is closing.
        var refusing = false
        /// The transport is gone: once the queue is done, the disconnect runs (once).
        var transportGone = false
        /// The disconnect ran (or is running): it never runs twice.
        var ended = false
        /// Counts dispatch task starts, so a task's handle is only kept while it is the latest.
        var generation: UInt64 = 0
        /// The latest dispatch task: cancelled when the transport goes, so a hub method waiting
        /// for something sees its caller is gone (the disconnect itself runs uncancelled).
        var task: Task<Void, Never>?
        /// The transport went while the latest task was starting (its handle not kept yet).
        var cancelOnStart = false
    }

    struct State: Sendable {
        var machine: Machine
        var format: TransferFormat = .text
        var registered = false
        var opened = false
        /// Bytes of hub messages pending here, plus what the channel still held at the last flush.
        var queuedBytes = 0
        var channelBacklog = 0
        var dispatch = Dispatch()
        /// A dispatch task must be started once the lock is released.
        var startDispatch = false
        var closed = false
        /// Why the server closed, for metrics; nil when the client closed first.
        var closeReason: String?
        /// Frames not yet handed to the channel, in order.
        var pending: [OutboundFrame] = []
        var flushScheduled = false
    }

    let endpoint: HubEndpoint
    let accepted: AcceptedConnection
    let configuration: SessionConfiguration
    let context: HubContext
    let logger: Logger
    let state: Mutex<State>
    /// Writes the pending frames; nil in tests, which take them with ``takePending()``.
    let writer: SocketWriter?
    /// Hub methods and hooks run as items arrive; false in tests, which take them with ``takeDispatch()``.
    let dispatching: Bool
    /// Called once the disconnect is done (after the disconnected hooks).
    let onEnd: @Sendable (HubSession) -> Void

    init(
        endpoint: HubEndpoint,
        accepted: AcceptedConnection,
        configuration: SessionConfiguration,
        writer: SocketWriter? = nil,
        dispatching: Bool = true,
        logger: Logger,
        onEnd: @escaping @Sendable (HubSession) -> Void = { _ in }
    ) {
        self.endpoint = endpoint
        self.writer = writer
        self.dispatching = dispatching
        self.onEnd = onEnd
        self.accepted = accepted
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "hubmesh.connection.id"] = "\(accepted.connectionID)"
        logger[metadataKey: "hubmesh.hub"] = "\(endpoint.hub.name)"
        self.logger = logger
        self.context = HubContext(
            hub: endpoint.hub.name,
            connectionID: accepted.connectionID,
            user: accepted.user,
            lifetime: endpoint.lifetime,
            logger: logger
        )
        self.state = Mutex(State(machine: Machine(configuration: configuration.connection, now: .now)))
    }

    // MARK: - Events

    /// Runs `body` under the lock; schedules a flush when it left frames pending, and starts the
    /// dispatch task when it left items to run and none runs.
    private func mutate<R>(_ body: (inout State) -> R) -> R {
        let (result, flush, start) = state.withLock { state in
            let result = body(&state)
            let start = state.startDispatch ? state.dispatch.generation : nil
            state.startDispatch = false
            guard !state.pending.isEmpty, !state.flushScheduled else { return (result, false, start) }
            state.flushScheduled = true
            return (result, true, start)
        }
        if flush { writer?.schedule(self) }
        if let generation = start { startDispatchTask(generation) }
        return result
    }

    /// Starts the dispatch task and keeps its handle while it runs (not if it already finished, or a
    /// newer one started: an idle connection keeps no task); if the transport went while it was
    /// starting with work to do, it is cancelled at once, like one that was already running. A task
    /// started for the disconnect alone is not cancelled.
    private func startDispatchTask(_ generation: UInt64) {
        let task = Task { await self.dispatchLoop() }
        state.withLock { state in
            guard state.dispatch.generation == generation, state.dispatch.running else { return }
            state.dispatch.task = task
            if state.dispatch.cancelOnStart { task.cancel() }
        }
    }

    /// Bytes arrived from the client.
    func received(_ bytes: [UInt8]) {
        mutate { state in
            let actions = state.machine.bytesReceived(bytes, now: .now)
            execute(actions, &state)
        }
    }

    /// Time passed; returns when the next tick is due (nil once closed).
    @discardableResult
    func tick(now: ContinuousClock.Instant = .now) -> ContinuousClock.Instant? {
        mutate { state in
            if let due = state.machine.nextDeadline, due > now { return due }
            let actions = state.machine.tick(now: now)
            execute(actions, &state)
            return state.machine.nextDeadline
        }
    }

    /// When the next tick is due (nil once closed).
    var nextDeadline: ContinuousClock.Instant? { state.withLock { $0.machine.nextDeadline } }

    /// A hub message for this client, from the lifetime manager (any thread, never blocks).
    func enqueueHubMessage(_ bytes: [UInt8]) {
        enqueueHubMessage(count: bytes.count) { WireFrame.make(bytes, $0) }
    }

    /// A hub message shared with other recipients: framed once for all of them.
    func enqueueHubMessage(_ message: SharedMessage, format: TransferFormat) {
        enqueueHubMessage(count: message.bytes.count) { _ in message.encoded(as: ByteBuffer.self) { WireFrame.make($0, format) } }
    }

    private func enqueueHubMessage(count: Int, frame: (TransferFormat) -> ByteBuffer) {
        mutate { state in
            guard !state.closed else { return }
            guard state.queuedBytes + state.channelBacklog + count <= configuration.maxBufferedBytes else {
                closeSlowClient(&state)
                return
            }
            state.queuedBytes += count
            state.machine.messageSent(now: .now)
            state.pending.append(.message(frame(state.format), counted: count))
        }
    }

    private func closeSlowClient(_ state: inout State) {
        let reason = "The client is too slow: more than \(configuration.maxBufferedBytes) bytes of messages were waiting for it"
        logger.warning(
            "closing a slow client",
            metadata: ["hubmesh.buffered.bytes": "\(state.queuedBytes + state.channelBacklog)"]
        )
        // What is still pending here is dropped; the Close message goes right after what the channel holds.
        state.pending.removeAll { if case .message(_, let counted) = $0 { counted > 0 } else { false } }
        state.queuedBytes = 0
        execute(state.machine.close(error: reason), &state, code: .policyViolation, reason: reason, metric: "slowClient")
    }

    /// The reply of the hub to the caller (a `Completion`).
    func enqueueReply(_ message: HubMessage) {
        mutate { state in
            guard !state.closed, let codec = state.machine.codec else { return }
            do {
                state.pending.append(.message(WireFrame.make(try codec.encode(message), state.format), counted: 0))
                state.machine.messageSent(now: .now)
            } catch {
                logger.error("cannot encode a reply", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The writer takes the pending frames to write them, in order.
    func takePending() -> [OutboundFrame] {
        state.withLock { state in
            state.flushScheduled = false
            var frames: [OutboundFrame] = []
            swap(&frames, &state.pending)
            state.queuedBytes = 0
            return frames
        }
    }

    /// The writer flushed; `backlog` bytes are still waiting in the channel for the client.
    func flushed(backlog: Int) {
        mutate { state in
            state.channelBacklog = backlog
            guard !state.closed, backlog > configuration.maxBufferedBytes else { return }
            closeSlowClient(&state)
        }
    }

    /// The server closes the connection (shutdown, a failed hook, ...).
    func close(error: String?, allowReconnect: Bool = false, code: WebSocketErrorCode = .normalClosure, metric: String) {
        mutate { state in
            execute(state.machine.close(error: error, allowReconnect: allowReconnect), &state, code: code, reason: error, metric: metric)
        }
    }

    /// The transport is gone: nothing more is read or written, what waits for the hub is dropped,
    /// and the disconnect runs once the hub method in progress (if any) returns. Idempotent.
    func transportClosed() {
        mutate { state in
            state.machine.transportClosed()
            state.closed = true
            state.pending.removeAll()
            state.dispatch.transportGone = true
            state.dispatch.refusing = true
            // The hub method in progress (if any) is cancelled: its reply could go nowhere.
            if state.dispatch.running {
                if let task = state.dispatch.task { task.cancel() } else { state.dispatch.cancelOnStart = true }
            }
            if !state.dispatch.queue.isEmpty {
                logger.debug(
                    "the client is gone: its waiting invocations are not run", metadata: ["hubmesh.invocations": "\(state.dispatch.queue.count)"])
                state.dispatch.queue.removeAll()
            }
            wakeDispatch(&state)
        }
    }

    /// Queues `item` for the hub, unless the connection no longer takes any (closing or gone).
    private func enqueueDispatch(_ item: DispatchItem, _ state: inout State) {
        guard !state.dispatch.refusing else { return }
        state.dispatch.queue.append(item)
        wakeDispatch(&state)
    }

    private func wakeDispatch(_ state: inout State) {
        guard dispatching, !state.dispatch.running, !state.dispatch.ended else { return }
        guard !state.dispatch.queue.isEmpty || state.dispatch.transportGone else { return }
        state.dispatch.running = true
        state.dispatch.generation &+= 1
        state.dispatch.task = nil
        state.dispatch.cancelOnStart = false
        state.startDispatch = true
    }

    /// What the dispatch task does next.
    enum DispatchStep {
        case run(DispatchItem)
        case disconnect
        case stop
    }

    /// The dispatch task's next step; `.stop` ends the task (a new one starts with the next item).
    func nextDispatchStep() -> DispatchStep {
        state.withLock { state in
            if !state.dispatch.queue.isEmpty { return .run(state.dispatch.queue.removeFirst()) }
            if state.dispatch.transportGone, !state.dispatch.ended {
                state.dispatch.ended = true
                return .disconnect
            }
            state.dispatch.running = false
            state.dispatch.task = nil
            return .stop
        }
    }

    /// Stops taking dispatch items and drops those waiting (a failed connected hook).
    func stopDispatching() {
        state.withLock { state in
            state.dispatch.refusing = true
            state.dispatch.queue.removeAll()
        }
    }

    /// A dispatch task is running: false for an idle connection.
    var isDispatching: Bool { state.withLock { $0.dispatch.running } }

    /// A dispatch task's handle is kept: false for an idle connection.
    var keepsDispatchTask: Bool { state.withLock { $0.dispatch.task != nil } }

    /// Tests: the items queued for the hub (the session was made with `dispatching: false`).
    func takeDispatch() -> [DispatchItem] {
        state.withLock { state in
            defer { state.dispatch.queue.removeAll() }
            return state.dispatch.queue
        }
    }

    // MARK: - Actions

    private func execute(
        _ actions: [Machine.Action],
        _ state: inout State,
        code: WebSocketErrorCode? = nil,
        reason: String? = nil,
        metric: String? = nil
    ) {
        for action in actions {
            switch action {
            case .sendHandshakeResponse(let bytes):
                if let codec = state.machine.codec {
                    state.format = codec.transferFormat
                }
                state.pending.append(.message(WireFrame.make(bytes, state.format), counted: 0))
                if let codec = state.machine.codec, !state.registered {
                    state.registered = true
                    let connection = SocketConnection(
                        connectionID: accepted.connectionID,
                        userID: accepted.user?.id,
                        protocolName: codec.name,
                        format: codec.transferFormat,
                        session: self
                    )
                    enqueueDispatch(.connected(connection), &state)
                }
            case .deliver(let message):
                guard state.dispatch.queue.count < configuration.maxPendingInvocations else {
                    let reason = "Too many messages are waiting for the hub (more than \(configuration.maxPendingInvocations))"
                    logger.warning("closing a client that sends faster than the hub runs its methods")
                    execute(state.machine.close(error: reason), &state, code: .policyViolation, reason: reason, metric: "tooManyPending")
                    return
                }
                enqueueDispatch(.message(message), &state)
            case .sendPing(let bytes):
                state.pending.append(.message(WireFrame.make(bytes, state.format), counted: 0))
            case .close(let finalMessage, let error):
                if let error {
                    logger.info("closing the connection", metadata: ["error": "\(error.code.rawValue)", "reason": "\(error.message)"])
                }
                state.closed = true
                state.closeReason = metric ?? error?.code.rawValue ?? "normal"
                let closeCode = code ?? Self.closeCode(for: error)
                let closeReason = reason ?? error?.message
                state.pending.append(
                    .close(finalMessage: finalMessage.map { WireFrame.make($0, state.format) }, code: closeCode, reason: closeReason)
                )
                // What is queued still runs (as before the close); nothing new is taken.
                state.dispatch.refusing = true
            }
        }
    }

    static func closeCode(for error: HubProtocolError?) -> WebSocketErrorCode {
        guard let error else { return .normalClosure }
        switch error.code {
        case .messageTooLarge: return .messageTooLarge
        case .handshakeTimeout, .clientTimeout: return .policyViolation
        default: return .protocolError
        }
    }
}
