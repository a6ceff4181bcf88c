import NIOCore
import NIOWebSocket

/// The nio engine's per-connection handler, added once the WebSocket upgrade is done: feeds each
/// frame to the connection's ``SignalRLoadSession`` in `channelRead` and executes its events on
/// the spot (no task, no stream). Client frames are masked.
final class SignalRLoadHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let index: Int
    private var session: SignalRLoadSession
    private let state: LoadState
    private let gate: AsyncGate
    private var failed = false

    init(index: Int, session: SignalRLoadSession, state: LoadState, gate: AsyncGate) {
        self.index = index
        self.session = session
        self.state = state
        self.gate = gate
    }

    /// Fired once the upgrade has finished and the HTTP handlers are gone: time to hand-shake.
    struct Upgraded: Sendable {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is Upgraded else { return context.fireUserInboundEventTriggered(event) }
        send(.text, context.channel.allocator.buffer(string: SignalRLoadSession.handshake), context: context)
        context.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary, .continuation:
            frame.unmaskedData.withUnsafeReadableBytes { session.append($0) }
            drain(context: context)
        case .ping:
            send(.pong, frame.unmaskedData, context: context)
            context.flush()
        case .connectionClose:
            send(.connectionClose, frame.unmaskedData, context: context)
            context.flush()
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !failed && !state.stopping.load(ordering: .relaxed) {
            if session.joined {
                state.closedByServer()
            } else {
                fail(BenchError("connection \(index) closed by the server before it joined"))
            }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !failed && !state.stopping.load(ordering: .relaxed) { fail(error) }
        context.close(promise: nil)
    }

    /// Executes the session's events for the bytes received so far.
    private func drain(context: ChannelHandlerContext) {
        do {
            var wrote = false
            while let event = try session.next() {
                if let text = state.apply(event, index: index, gate: gate) {
                    send(.text, context.channel.allocator.buffer(string: text), context: context)
                    wrote = true
                }
            }
            if wrote { context.flush() }
        } catch {
            fail(error)
            context.close(promise: nil)
        }
    }

    private func send(_ opcode: WebSocketOpcode, _ data: ByteBuffer, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)), promise: nil)
    }

    private func fail(_ error: any Error) {
        failed = true
        state.failed(error)
        gate.release(index)
    }
}
