/// Collects the client's handshake request from the transport.
///
/// The request may arrive split across several reads, and the read that completes it may also
/// carry the first hub messages: those bytes are returned as `leftover`, to be fed to the
/// protocol's ``HubMessageReader``.
public struct HandshakeReader: Sendable {
    /// What a read produced.
    public enum Outcome: Sendable, Hashable {
        /// The request is not complete yet.
        case needMoreData
        /// The request, and the bytes that followed its `0x1E`.
        case complete(HandshakeRequest, leftover: [UInt8])
    }

    /// The largest accepted request, in bytes (the `0x1E` excluded).
    public let maxSize: Int
    private var buffer: [UInt8] = []
    private var isDone = false

    /// Creates a reader.
    /// - Parameter maxSize: the largest accepted request; 32 KB by default.
    public init(maxSize: Int = HubMessageReaderDefaults.maxMessageSize) {
        self.maxSize = maxSize
    }

    /// Adds received bytes.
    ///
    /// - Throws: `.messageTooLarge` when more than `maxSize` bytes arrive without a `0x1E`; the
    ///   errors of ``HandshakeRequest/init(json:)`` for a malformed request; `.invalidState` when
    ///   called again after the request was complete.
    public mutating func read(_ bytes: some Collection<UInt8>) throws(HubProtocolError) -> Outcome {
        guard !isDone else {
            throw HubProtocolError(code: .invalidState, message: "The handshake was already read")
        }
        let searchStart = buffer.count
        buffer.append(contentsOf: bytes)
        guard let separator = buffer[searchStart...].firstIndex(of: JSONHubProtocol.recordSeparator) else {
            if buffer.count > maxSize {
                throw HubProtocolError(
                    code: .messageTooLarge,
                    message: "The handshake request is too large: more than \(maxSize) bytes without a record separator (0x1E)"
                )
            }
            return .needMoreData
        }
        guard separator <= maxSize else {
            throw HubProtocolError(
                code: .messageTooLarge,
                message: "The handshake request is too large: \(separator) bytes exceed the maximum of \(maxSize)"
            )
        }
        let request = try HandshakeRequest(json: buffer[..<separator])
        isDone = true
        let leftover = Array(buffer[(separator + 1)...])
        buffer = []
        return .complete(request, leftover: leftover)
    }
}
