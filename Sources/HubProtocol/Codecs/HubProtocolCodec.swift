/// How a hub protocol's messages travel on a WebSocket: text frames or binary frames.
public enum TransferFormat: String, Sendable, Hashable, CaseIterable {
    /// UTF-8 text (the JSON protocol); WebSocket text frames.
    case text = "Text"
    /// Arbitrary bytes (the MessagePack protocol); WebSocket binary frames.
    case binary = "Binary"
}

/// A SignalR hub protocol: the encoding of ``HubMessage``s for one connection.
///
/// The two implementations are ``JSONHubProtocol`` (`"json"`) and ``MessagePackHubProtocol``
/// (`"messagepack"`); look them up by name with ``HubProtocols/named(_:)``. All outputs are
/// complete, framed messages, ready to be written to the transport as they are.
public protocol HubProtocolCodec: Sendable {
    /// The name used in the handshake: `"json"` or `"messagepack"`.
    var name: String { get }
    /// Whether the messages go in text or binary frames.
    var transferFormat: TransferFormat { get }

    /// Encodes and frames one message.
    /// - Throws: `.unsupportedValue` when a value cannot be represented (for example NaN in JSON).
    func encode(_ message: HubMessage) throws(HubProtocolError) -> [UInt8]

    /// Encodes and frames one message, appending it to `buffer`.
    func encode(_ message: HubMessage, into buffer: inout [UInt8]) throws(HubProtocolError)

    /// Decodes the payload of one message, without its framing (no `0x1E`, no length prefix).
    func decodeMessage(_ payload: ArraySlice<UInt8>) throws(HubProtocolError) -> HubMessage

    /// A reader that splits incoming bytes into messages and decodes them.
    /// - Parameter maxMessageSize: the largest accepted message payload, in bytes.
    func makeReader(maxMessageSize: Int) -> any HubMessageReader

    /// The fast path of the backplane: a framed non-blocking `Invocation` of `target` whose
    /// arguments are the JSON array text `argumentsJSON`, without building ``HubValue``s.
    ///
    /// - Throws: `.invalidJSON` when `argumentsJSON` is not exactly one valid JSON array,
    ///   `.nestingTooDeep` past 64 levels.
    func encodeInvocation(target: String, argumentsJSON: [UInt8]) throws(HubProtocolError) -> [UInt8]
}

extension HubProtocolCodec {
    /// Encodes and frames one message, appending it to `buffer`.
    public func encode(_ message: HubMessage, into buffer: inout [UInt8]) throws(HubProtocolError) {
        buffer.append(contentsOf: try encode(message))
    }

    /// A reader with the default maximum message size of 32 KB.
    public func makeReader() -> any HubMessageReader {
        makeReader(maxMessageSize: HubMessageReaderDefaults.maxMessageSize)
    }

    /// Decodes every message in `bytes`, which must hold only complete, framed messages.
    ///
    /// - Throws: any decoding error, `.messageTooLarge`, or `.invalidMessage` when `bytes` ends
    ///   inside a message.
    public func decodeMessages(
        _ bytes: some Collection<UInt8>,
        maxMessageSize: Int = HubMessageReaderDefaults.maxMessageSize
    ) throws(HubProtocolError) -> [HubMessage] {
        var reader = makeReader(maxMessageSize: maxMessageSize)
        reader.append(bytes)
        var messages: [HubMessage] = []
        while let message = try reader.next() {
            messages.append(message)
        }
        guard reader.bufferedByteCount == 0 else {
            throw .invalidMessage("The data ends inside a message: \(reader.bufferedByteCount) bytes are left over")
        }
        return messages
    }
}
