#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads JSON hub messages: UTF-8 JSON objects, each terminated by the record separator `0x1E`.
public struct JSONMessageReader: HubMessageReader {
    /// The largest accepted message payload, in bytes (the `0x1E` excluded).
    public let maxMessageSize: Int
    private var buffer = FrameBuffer()
    /// How many bytes after `buffer.start` are known to hold no separator.
    private var scanned = 0
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
    public mutating func next() throws(HubProtocolError) -> HubMessage? {
        if let failure { throw failure }
        do throws(HubProtocolError) {
            guard let (message, end) = try decodeNext() else {
                scanned = buffer.count
                if scanned > maxMessageSize {
                    throw HubProtocolError.messageTooLarge(size: scanned, limit: maxMessageSize)
                }
                return nil
            }
            buffer.consume(upTo: end)
            scanned = 0
            return message
        } catch {
            failure = error
            throw error
        }
    }

    /// Decodes the first complete message; returns it with the position after its separator.
    private func decodeNext() throws(HubProtocolError) -> (HubMessage, Int)? {
        let searchStart = buffer.start + scanned
        guard let separator = Self.firstSeparator(in: buffer.bytes, from: searchStart) else {
            return nil
        }
        let payloadSize = separator - buffer.start
        if payloadSize > maxMessageSize {
            throw HubProtocolError.messageTooLarge(size: payloadSize, limit: maxMessageSize)
        }
        return (try JSONHubProtocol.decodePayload(buffer.bytes[buffer.start..<separator]), separator + 1)
    }

    /// The position of the first record separator at or after `start` (`memchr`: a reader looks at
    /// every byte it receives once, and a byte loop was a tenth of a load client's decoding).
    static func firstSeparator(in bytes: [UInt8], from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        return bytes.withUnsafeBytes { all -> Int? in
            guard let base = all.baseAddress, let found = memchr(base + start, Int32(JSONHubProtocol.recordSeparator), all.count - start) else {
                return nil
            }
            return UnsafeRawPointer(found) - base
        }
    }
}
