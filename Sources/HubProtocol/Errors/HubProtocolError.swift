/// An error raised while parsing or producing SignalR hub protocol data.
///
/// Every decoder in this module reports malformed input with this error instead of trapping. The
/// `message` says what was wrong in words fit for a log line or a `Close` message sent to the client;
/// the `code` is for programs.
public struct HubProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure happened.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The bytes are not valid JSON (RFC 8259, UTF-8).
        case invalidJSON
        /// The bytes are not valid MessagePack, or a value is truncated.
        case invalidMessagePack
        /// A value has no representation in the target format (a MessagePack extension type,
        /// a NaN or infinite number for JSON, a non-string JSON object key).
        case unsupportedValue
        /// Arrays and maps are nested deeper than the decoder's limit.
        case nestingTooDeep
        /// A syntactically valid message misses a required field or has a field of the wrong type.
        case invalidMessage
        /// The message `type` is not one of 1–9.
        case unknownMessageType
        /// A message (or a handshake) is larger than the configured maximum.
        case messageTooLarge
        /// The MessagePack VarInt length prefix is malformed or larger than 2 GB.
        case invalidLengthPrefix
        /// The handshake request is not a valid `{"protocol":…,"version":…}` object.
        case invalidHandshake
        /// The client asked for a hub protocol this server does not speak.
        case unsupportedProtocol
        /// The client asked for a protocol version other than 0, 1 or 2.
        case unsupportedProtocolVersion
        /// The client did not complete the handshake in time.
        case handshakeTimeout
        /// The client sent nothing for longer than the client timeout.
        case clientTimeout
        /// The connection was used after it was closed, or an operation came in the wrong state.
        case invalidState
        /// A value could not be converted to or from a Swift `Codable` type.
        case conversionFailed
    }

    /// What kind of failure happened.
    public var code: Code
    /// A human readable explanation: what was wrong and, where it helps, what to do.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String {
        "\(code.rawValue): \(message)"
    }
}

extension HubProtocolError {
    static func invalidJSON(_ message: String, at offset: Int) -> HubProtocolError {
        HubProtocolError(code: .invalidJSON, message: "\(message) at byte offset \(offset)")
    }

    static func invalidMessagePack(_ message: String, at offset: Int) -> HubProtocolError {
        HubProtocolError(code: .invalidMessagePack, message: "\(message) at byte offset \(offset)")
    }

    static func invalidMessage(_ message: String) -> HubProtocolError {
        HubProtocolError(code: .invalidMessage, message: message)
    }

    static func messageTooLarge(size: Int, limit: Int) -> HubProtocolError {
        HubProtocolError(
            code: .messageTooLarge,
            message: "The message is too large: \(size) bytes exceed the maximum message size of \(limit) bytes"
        )
    }

    static func nestingTooDeep(limit: Int, at offset: Int) -> HubProtocolError {
        HubProtocolError(
            code: .nestingTooDeep,
            message: "Arrays and maps are nested deeper than the limit of \(limit) at byte offset \(offset)"
        )
    }
}
