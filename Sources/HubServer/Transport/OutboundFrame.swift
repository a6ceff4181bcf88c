import HubProtocol
import NIOWebSocket

/// What the writer of a connection does next, in order.
enum OutboundFrame: Sendable {
    /// Write one WebSocket message; `counted` bytes were reserved in the connection's buffer budget.
    case message([UInt8], TransferFormat, counted: Int)
    /// Write `finalMessage` if any, then close the WebSocket with `code` and `reason`.
    case close(finalMessage: [UInt8]?, TransferFormat, code: WebSocketErrorCode, reason: String?)
}
