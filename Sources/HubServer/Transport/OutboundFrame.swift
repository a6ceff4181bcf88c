import NIOCore
import NIOWebSocket

/// What the writer of a connection does next, in order.
enum OutboundFrame: Sendable {
    /// Write one WebSocket message, already framed (see ``WireFrame``); `counted` bytes were
    /// reserved in the connection's buffer budget.
    case message(ByteBuffer, counted: Int)
    /// Write `finalMessage` (framed) if any, then close the WebSocket with `code` and `reason`.
    case close(finalMessage: ByteBuffer?, code: WebSocketErrorCode, reason: String?)
}
