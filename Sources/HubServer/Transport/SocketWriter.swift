import NIOCore
import NIOWebSocket

/// Writes one session's frames to its channel on the channel's event loop, batched by the loop's
/// ``LoopFlusher``: all frames pending for the session go out with one flush.
///
/// Frames are already framed (``WireFrame``), so they are written from the WebSocket frame
/// encoder's context, that is past the encoder, straight towards the socket; a message fanned out
/// to many connections is one shared buffer, never copied per connection.
final class SocketWriter: Sendable {
    let channel: any Channel
    let flusher: LoopFlusher
    private let encoder: NIOLoopBoundBox<ChannelHandlerContext?>

    init(channel: any Channel, flusher: LoopFlusher) {
        self.channel = channel
        self.flusher = flusher
        self.encoder = .makeEmptyBox(valueType: ChannelHandlerContext.self, eventLoop: channel.eventLoop)
    }

    /// `session` has frames pending.
    func schedule(_ session: HubSession) {
        flusher.schedule(session)
    }

    /// Writes and flushes what `session` has pending. On the event loop.
    func flush(_ session: HubSession) {
        let frames = session.takePending()
        let context = encoderContext()
        var written = 0
        var close: (code: WebSocketErrorCode, reason: String?)?
        for frame in frames {
            switch frame {
            case .message(let buffer, _):
                context?.write(NIOAny(buffer), promise: nil)
                written += 1
            case .close(let finalMessage, let code, let reason):
                if let finalMessage {
                    context?.write(NIOAny(finalMessage), promise: nil)
                    written += 1
                }
                close = (code, reason)
            }
        }
        if let context, written > 0 {
            context.flush()
            session.endpoint.metrics.sent.increment(by: Int64(written))
        }
        if let close {
            // After the frames before it: the WebSocket close, then the TCP close (HubSocketHandler).
            let handler = try? channel.pipeline.syncOperations.handler(type: HubSocketHandler.self)
            handler?.serverClose(code: close.code, reason: close.reason.map(HubSession.closeReason))
        } else if context != nil {
            let backlog = (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
            session.flushed(backlog: backlog)
        }
    }

    private func encoderContext() -> ChannelHandlerContext? {
        if let context = encoder.value { return context }
        guard channel.isActive, let context = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self) else {
            return nil
        }
        encoder.value = context
        return context
    }
}
