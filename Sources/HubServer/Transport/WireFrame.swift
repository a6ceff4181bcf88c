import HubProtocol
import NIOCore

/// Unmasked server-to-client WebSocket frames (RFC 6455 section 5.2), built once and written as
/// plain bytes: a message fanned out to many connections shares one buffer.
enum WireFrame {
    /// One final frame carrying `bytes`: text for the JSON protocol, binary for MessagePack.
    static func make(_ bytes: [UInt8], _ format: TransferFormat) -> ByteBuffer {
        let count = bytes.count
        var buffer = ByteBuffer()
        buffer.reserveCapacity(count + 10)
        buffer.writeInteger(UInt8(format == .binary ? 0x82 : 0x81))
        if count < 126 {
            buffer.writeInteger(UInt8(count))
        } else if count <= Int(UInt16.max) {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(count))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(count))
        }
        buffer.writeBytes(bytes)
        return buffer
    }
}
