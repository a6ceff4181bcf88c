import Logging
import NIOCore
import NIOWebSocket

/// Serves one hub WebSocket on its channel's event loop, without a task of its own.
///
/// An idle connection is this handler, NIO's frame codec and its ``HubSession``: no reader task, no
/// async channel wrapper and no task per connection, so it costs memory and nothing else. Client
/// bytes go to the session synchronously (`HubSession.received`); hub methods run in a task that
/// exists only while the connection has invocations to run.
///
/// The WebSocket control frames are answered here (RFC 6455 §5.5): a ping gets its pong, a close
/// from the client gets a close back and the TCP connection is closed. When the server closes
/// (``serverClose(code:reason:)``, after the session's last frames), it sends its close frame and
/// gives the client `closeGrace` to answer before closing the TCP connection itself. Unmasked
/// frames and frames with reserved bits or opcodes end the connection with a protocol error (1002). Oversized and
/// malformed frames are refused before they get here, by NIO's decoder and
/// `WebSocketProtocolErrorHandler` (1009 and 1002).
final class HubSocketHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private enum State {
        case open
        /// The server sent its close frame; the channel closes at the client's answer or the timer.
        case closing(Scheduled<Void>?)
        case closed
    }

    let session: HubSession
    private let closeGrace: TimeAmount
    private var state = State.open
    private var context: ChannelHandlerContext?

    init(session: HubSession, closeGrace: Duration) {
        self.session = session
        self.closeGrace = TimeAmount(closeGrace)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Closed while the upgrade was being decided: no channelInactive will come.
        if !context.channel.isActive { enterClosed() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.maskKey != nil else {
            // RFC 6455 §5.1: a server closes the connection on an unmasked frame from a client.
            session.logger.debug("unmasked WebSocket frame from the client: protocol error")
            serverClose(code: .protocolError, reason: "Client frames must be masked")
            return
        }
        switch frame.opcode {
        case .text, .binary, .continuation:
            guard frame.reservedBits.isEmpty else {
                session.logger.debug("WebSocket frame with reserved bits set: protocol error")
                serverClose(code: .protocolError, reason: "Reserved bits set")
                return
            }
            guard case .open = state else { return }
            session.received(Self.payload(of: frame))
        case .ping:
            guard case .open = state else { return }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            break
        case .connectionClose:
            clientClosed(frame, context: context)
        default:
            session.logger.debug("WebSocket frame with a reserved opcode: protocol error", metadata: ["opcode": "\(frame.opcode)"])
            serverClose(code: .protocolError, reason: "Reserved opcode")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        enterClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        session.logger.debug("WebSocket error; closing the connection", metadata: ["error": "\(error)"])
        if case .closing(let timer) = state { timer?.cancel() }
        state = .closed
        context.close(promise: nil)
    }

    /// The TCP connection is gone: the session learns it (once; it is idempotent).
    private func enterClosed() {
        if case .closing(let timer) = state { timer?.cancel() }
        state = .closed
        session.transportClosed()
    }

    /// Sends the server's close frame, then closes the TCP connection at the client's answer or
    /// after `closeGrace`. Once only; on the event loop.
    func serverClose(code: WebSocketErrorCode, reason: String?) {
        guard case .open = state, let context else { return }
        var data = context.channel.allocator.buffer(capacity: 2 + (reason?.utf8.count ?? 0))
        data.write(webSocketErrorCode: code)
        if let reason { data.writeString(reason) }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)), promise: nil)
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: closeGrace) { [weak self] in
            guard let self, case .closing = self.state else { return }
            self.session.logger.debug("the client did not answer the WebSocket close in time; closing the connection")
            self.context?.close(promise: nil)
        }
        state = .closing(timer)
    }

    /// The client's close frame: answered (unless it answers ours), then the TCP connection closes.
    private func clientClosed(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        switch state {
        case .open:
            state = .closed
            let code = Self.answer(toClosePayload: frame.unmaskedData)
            var reply = context.channel.allocator.buffer(capacity: 2)
            reply.write(webSocketErrorCode: code)
            let closed = context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: reply)))
            closed.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .closing(let timer):
            timer?.cancel()
            state = .closed
            context.close(promise: nil)
        case .closed:
            break
        }
    }

    /// The code a server answers a client's close with: normal, unless the payload is not a close
    /// code (one byte) or its code is not one a peer may send (RFC 6455 §7.4).
    static func answer(toClosePayload payload: ByteBuffer) -> WebSocketErrorCode {
        var payload = payload
        guard payload.readableBytes > 0 else { return .normalClosure }
        guard let code = payload.readWebSocketErrorCode() else { return .protocolError }
        if case .unknown(let raw) = code, raw < 3000 || raw > 4999 { return .protocolError }
        return .normalClosure
    }

    /// The frame's payload, unmasked, in one copy.
    static func payload(of frame: WebSocketFrame) -> [UInt8] {
        var bytes = Array(frame.data.readableBytesView)
        if let key = frame.maskKey {
            for index in bytes.indices { bytes[index] ^= key[index & 3] }
        }
        return bytes
    }
}
