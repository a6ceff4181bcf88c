/// Reads MessagePack hub messages: each a MessagePack array preceded by its VarInt length.
public struct MessagePackMessageReader: HubMessageReader {
    /// The largest accepted message payload, in bytes (the length prefix excluded).
    public let maxMessageSize: Int
    private var buffer = FrameBuffer()
    private var failure: HubProtocolError?

    /// Creates a reader.
    public init(maxMessageSize: Int = HubMessageReaderDefaults.maxMessageSize) {
        self.maxMessageSize = maxMessageSize
    }

    /// The number of received bytes not yet returned as messages.
    public var bufferedByteCount: Int { buffer.count }

    /// Adds received bytes.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        buffer.append(bytes)
    }

    /// The next complete message, or nil when more bytes are needed.
    ///
    /// An oversized message fails as soon as its length prefix is read, before its body arrives.
    public mutating func next() throws(HubProtocolError) -> HubMessage? {
        if let failure { throw failure }
        do throws(HubProtocolError) {
            guard let (message, end) = try decodeNext() else { return nil }
            buffer.consume(upTo: end)
            return message
        } catch {
            failure = error
            throw error
        }
    }

    /// Decodes the first complete message; returns it with the position after it.
    private func decodeNext() throws(HubProtocolError) -> (HubMessage, Int)? {
        guard let (length, prefixLength) = try VarInt.read(buffer.bytes, at: buffer.start) else {
            return nil
        }
        if length > maxMessageSize {
            throw HubProtocolError.messageTooLarge(size: length, limit: maxMessageSize)
        }
        let bodyStart = buffer.start + prefixLength
        guard buffer.bytes.count - bodyStart >= length else {
            return nil
        }
        let end = bodyStart + length
        return (try MessagePackHubProtocol.decodePayload(buffer.bytes[bodyStart..<end]), end)
    }
}
