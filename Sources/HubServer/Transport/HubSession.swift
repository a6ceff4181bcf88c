import HubMesh
import HubProtocol
import Logging
import NIOWebSocket
import Synchronization

/// One client WebSocket: drives a ``HubConnectionStateMachine`` and executes its actions.
///
/// Every event (bytes received, time passed, a message to send, a write done) takes the session's
/// lock, feeds the state machine and queues the resulting actions before releasing it, so frames
/// leave in the order the machine decided. Nothing under the lock blocks: writes go to an outbound
/// stream drained by the writer loop, client messages to an inbound stream drained by the
/// dispatcher loop (hub methods of one connection run one at a time, in order, as in SignalR).
final class HubSession: Sendable {
    typealias Machine = HubConnectionStateMachine<ContinuousClock.Instant>

    /// What the dispatcher loop does next.
    enum DispatchItem: Sendable {
        case connected(SocketConnection)
        case message(HubMessage)
    }

    struct State: Sendable {
        var machine: Machine
        var format: TransferFormat = .text
        var registered = false
        var opened = false
        var queuedBytes = 0
        var pendingDispatch = 0
        var dropPending = false
        var closed = false
        /// Why the server closed, for metrics; nil when the client closed first.
        var closeReason: String?
    }

    let endpoint: HubEndpoint
    let accepted: AcceptedConnection
    let configuration: SessionConfiguration
    let context: HubContext
    let logger: Logger
    let state: Mutex<State>
    let outbound: AsyncStream<OutboundFrame>
    let outboundContinuation: AsyncStream<OutboundFrame>.Continuation
    let inbox: AsyncStream<DispatchItem>
    let inboxContinuation: AsyncStream<DispatchItem>.Continuation

    init(endpoint: HubEndpoint, accepted: AcceptedConnection, configuration: SessionConfiguration, logger: Logger) {
        self.endpoint = endpoint
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
        (outbound, outboundContinuation) = AsyncStream.makeStream()
        (inbox, inboxContinuation) = AsyncStream.makeStream()
    }

    // MARK: - Events

    /// Bytes arrived from the client.
    func received(_ bytes: [UInt8]) {
        state.withLock { state in
            let actions = state.machine.bytesReceived(bytes, now: .now)
            execute(actions, &state)
        }
    }

    /// Time passed; returns when the next tick is due (nil once closed).
    func tick() -> ContinuousClock.Instant? {
        state.withLock { state in
            let actions = state.machine.tick(now: .now)
            execute(actions, &state)
            return state.machine.nextDeadline
        }
    }

    /// When the next tick is due (nil once closed).
    var nextDeadline: ContinuousClock.Instant? { state.withLock { $0.machine.nextDeadline } }

    /// A hub message for this client, from the lifetime manager (any thread, never blocks).
    func enqueueHubMessage(_ bytes: [UInt8]) {
        state.withLock { state in
            guard !state.closed else { return }
            guard state.queuedBytes + bytes.count <= configuration.maxBufferedBytes else {
                let reason = "The client is too slow: more than \(configuration.maxBufferedBytes) bytes of messages were waiting for it"
                logger.warning("closing a slow client", metadata: ["hubmesh.buffered.bytes": "\(state.queuedBytes)"])
                state.dropPending = true
                execute(state.machine.close(error: reason), &state, code: .policyViolation, reason: reason, metric: "slowClient")
                return
            }
            state.queuedBytes += bytes.count
            outboundContinuation.yield(.message(bytes, state.format, counted: bytes.count))
        }
    }

    /// The reply of the hub to the caller (a `Completion`).
    func enqueueReply(_ message: HubMessage) {
        state.withLock { state in
            guard !state.closed, let codec = state.machine.codec else { return }
            do {
                outboundContinuation.yield(.message(try codec.encode(message), state.format, counted: 0))
            } catch {
                logger.error("cannot encode a reply", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The writer is about to write a frame: returns whether to write it.
    func willWrite(counted: Int) -> Bool {
        state.withLock { state in
            state.queuedBytes -= counted
            state.machine.messageSent(now: .now)
            return !state.dropPending
        }
    }

    /// The server closes the connection (shutdown, a failed hook, ...).
    func close(error: String?, allowReconnect: Bool = false, code: WebSocketErrorCode = .normalClosure, metric: String) {
        state.withLock { state in
            execute(state.machine.close(error: error, allowReconnect: allowReconnect), &state, code: code, reason: error, metric: metric)
        }
    }

    /// The dispatcher took an item.
    func dispatched() {
        state.withLock { $0.pendingDispatch -= 1 }
    }

    /// The transport is gone: nothing more is read or written.
    func transportClosed() {
        state.withLock { state in
            state.machine.transportClosed()
            state.closed = true
        }
        outboundContinuation.finish()
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
                outboundContinuation.yield(.message(bytes, state.format, counted: 0))
                if let codec = state.machine.codec, !state.registered {
                    state.registered = true
                    let connection = SocketConnection(
                        connectionID: accepted.connectionID,
                        userID: accepted.user?.id,
                        protocolName: codec.name,
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
                outboundContinuation.yield(.message(bytes, state.format, counted: 0))
            case .close(let finalMessage, let error):
                if let error {
                    logger.info("closing the connection", metadata: ["error": "\(error.code.rawValue)", "reason": "\(error.message)"])
                }
                state.closed = true
                state.closeReason = metric ?? error?.code.rawValue ?? "normal"
                let closeCode = code ?? Self.closeCode(for: error)
                let closeReason = reason ?? error?.message
                outboundContinuation.yield(.close(finalMessage: finalMessage, state.format, code: closeCode, reason: closeReason))
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
