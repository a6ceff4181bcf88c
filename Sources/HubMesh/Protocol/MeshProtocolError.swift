/// A mesh frame could not be decoded (or a value could not be encoded).
public struct MeshProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why decoding failed.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        /// The frame ended before a field it declares.
        public static let truncated = Code("truncated")
        /// The frame is bigger than the configured limit, or a field is bigger than the format allows.
        public static let tooLarge = Code("tooLarge")
        /// The header's version byte is not one this member speaks.
        public static let unsupportedVersion = Code("unsupportedVersion")
        /// The header's kind byte is unknown.
        public static let unknownKind = Code("unknownKind")
        /// The topic is malformed or does not match the kind.
        public static let badTopic = Code("badTopic")
        /// A string is not UTF-8, or a name is empty or contains NUL.
        public static let badString = Code("badString")
        /// A field holds a value outside its range.
        public static let badValue = Code("badValue")
        /// Bytes follow the end of the message.
        public static let trailingBytes = Code("trailingBytes")
        public var description: String { raw }
    }

    /// Why.
    public var code: Code
    /// Details: which field, at which offset.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "mesh protocol error (\(code)): \(message)" }
}
