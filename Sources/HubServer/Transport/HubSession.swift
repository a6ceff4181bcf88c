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
/// messages to an inbound stream drained by the dispatcher loop (hub methods of one connection run
/// one at a time, in order, as in SignalR). Keep-alive and timeouts are driven by the server's
/// shared ``SessionRegistry`` ticker, not by a task per connection.
final class HubSession: Sendable {
    typealias Machine = HubConnectionStateMachine<ContinuousClock.Instant>

    /// What the dispatcher loop does next.
    enum DispatchItem: Sendable {
        case connected(SocketConnection)
        case message(HubMessage)
    }

    /// How the WebSocket close is going: the session's run loop waits for the request.
    enum CloseSignal: Sendable {
        case idle
        case waiting(CheckedContinuation<CloseRequest?, Never>)
        case requested(CloseRequest)
        /// Handed to the run loop, or the transport is gone.
        case done
    }

    /// The WebSocket close to send once the frames before it are written.
    struct CloseRequest: Sendable {
        var code: WebSocketErrorCode
        var reason: String?
    }

    struct State: Sendable {
        var machine: Machine
        var format: TransferFormat = .text
        var registered = false
        var opened = false
        /// Bytes of hub messages pending here, plus what the channel still held at the last flush.
        var queuedBytes = 0
        var channelBacklog = 0
        var pendingDispatch = 0
        var closed = false
        /// Why the server closed, for metrics; nil when the client closed first.
        var closeReason: String?
        /// Frames not yet handed to the channel, in order.
        var pending: [OutboundFrame] = []
        var flushScheduled = false
        var closeSignal = CloseSignal.idle
    }

    let endpoint: HubEndpoint
    let accepted: AcceptedConnection
    let configuration: SessionConfiguration
    let context: HubContext
    let logger: Logger
    let state: Mutex<State>
    /// Writes the pending frames; nil in tests, which take them with ``takePending()``.
    let writer: SocketWriter?
    let inbox: AsyncStream<DispatchItem>
    let inboxContinuation: AsyncStream<DispatchItem>.Continuation

    init(
        endpoint: HubEndpoint,
        accepted: AcceptedConnection,
        configuration: SessionConfiguration,
        writer: SocketWriter? = nil,
        logger: Logger
    ) {
        self.endpoint = endpoint
        self.writer = writer
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
        (inbox, inboxContinuation) = AsyncStream.makeStream()
    }

    // MARK: - Events

    /// Runs `body` under the lock; schedules a flush when it left frames pending.
    private func mutate<R>(_ body: (inout State) -> R) -> R {
        let (result, flush) = state.withLock { state in
            let result = body(&state)
            guard !state.pending.isEmpty, !state.flushScheduled else { return (result, false) }
            state.flushScheduled = true
            return (result, true)
        }
        if flush { writer?.schedule(self) }
        return result
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

    /// The writer wrote everything before the close: the run loop may close the WebSocket.
    func closeWritten(_ request: CloseRequest) {
        let waiter = state.withLock { state -> CheckedContinuation<CloseRequest?, Never>? in
            switch state.closeSignal {
            case .idle:
                state.closeSignal = .requested(request)
                return nil
            case .waiting(let continuation):
                state.closeSignal = .done
                return continuation
            case .requested, .done:
                return nil
            }
        }
        waiter?.resume(returning: request)
    }

    /// Waits until the WebSocket should be closed (its close frame and reason), or the transport is
    /// gone (nil).
    func closeRequested() async -> CloseRequest? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> CloseSignal in
                switch state.closeSignal {
                case .idle:
                    state.closeSignal = .waiting(continuation)
                    return .idle
                case .requested(let request):
                    state.closeSignal = .done
                    return .requested(request)
                case .waiting, .done:
                    return .done
                }
            }
            switch ready {
            case .idle: break
            case .requested(let request): continuation.resume(returning: request)
            case .waiting, .done: continuation.resume(returning: nil)
            }
        }
    }

    /// The server closes the connection (shutdown, a failed hook, ...).
    func close(error: String?, allowReconnect: Bool = false, code: WebSocketErrorCode = .normalClosure, metric: String) {
        mutate { state in
            execute(state.machine.close(error: error, allowReconnect: allowReconnect), &state, code: code, reason: error, metric: metric)
        }
    }

    /// The dispatcher took an item.
    func dispatched() {
        state.withLock { $0.pendingDispatch -= 1 }
    }

    /// The transport is gone: nothing more is read or written.
    func transportClosed() {
        let waiter = state.withLock { state -> CheckedContinuation<CloseRequest?, Never>? in
            state.machine.transportClosed()
            state.closed = true
            state.pending.removeAll()
            if case .waiting(let continuation) = state.closeSignal {
                state.closeSignal = .done
                return continuation
            }
            state.closeSignal = .done
            return nil
        }
        waiter?.resume(returning: nil)
        inboxContinuation.finish()
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
                    state.pendingDispatch += 1
                    inboxContinuation.yield(.connected(connection))
                }
            case .deliver(let message):
                guard state.pendingDispatch < configuration.maxPendingInvocations else {
                    let reason = "Too many messages are waiting for the hub (more than \(configuration.maxPendingInvocations))"
                    logger.warning("closing a client that sends faster than the hub runs its methods")
                    execute(state.machine.close(error: reason), &state, code: .policyViolation, reason: reason, metric: "tooManyPending")
                    return
                }
                state.pendingDispatch += 1
                inboxContinuation.yield(.message(message))
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
                inboxContinuation.finish()
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
