/// Splits the bytes received from a transport into hub messages and decodes them.
///
/// A WebSocket frame may hold several messages, and a message may be split across frames: append
/// every frame's bytes with ``append(_:)``, then call ``next()`` until it returns nil.
///
/// The reader enforces ``maxMessageSize``: a message whose payload is larger fails with
/// `.messageTooLarge` as soon as that is known (for MessagePack, from the length prefix; for JSON,
/// when more bytes than the limit arrive without a record separator). After any error the reader
/// stays failed and rethrows the same error; the connection should be closed.
public protocol HubMessageReader: Sendable {
    /// The largest accepted message payload, in bytes (framing excluded).
    var maxMessageSize: Int { get }
    /// The number of received bytes not yet returned as messages.
    var bufferedByteCount: Int { get }
    /// Adds received bytes.
    mutating func append(_ bytes: some Collection<UInt8>)
    /// The next complete message, or nil when more bytes are needed.
    mutating func next() throws(HubProtocolError) -> HubMessage?
}

/// Defaults shared by the readers.
public enum HubMessageReaderDefaults {
    /// 32 KB, the ASP.NET Core default `MaximumReceiveMessageSize`.
    public static let maxMessageSize = 32_768
}
