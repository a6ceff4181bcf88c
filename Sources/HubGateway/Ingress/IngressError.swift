/// Why the gateway refused a request: a stable code from the ingress protocol (section 5) and a
/// message that says what was wrong and what to do.
public struct IngressError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code; `rawValue` is the wire string (`bad_json`, …).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code as sent in replies.
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The frame is not one UTF-8 JSON object (or is blank, or nested deeper than 64 levels).
        public static let badJSON = Code("bad_json")
        /// `v` is missing or not the integer `1`.
        public static let unsupportedVersion = Code("unsupported_version")
        /// A field is missing, empty, of the wrong type, too long, unknown or repeated, or the frame shape is wrong.
        public static let badRequest = Code("bad_request")
        /// `kind` is not one of `all`, `connection`, `group`, `user`.
        public static let unknownKind = Code("unknown_kind")
        /// `kind` names a message internal to the mesh (group management, acks, …).
        public static let forbiddenKind = Code("forbidden_kind")
        /// The frame is over the size limit, or a batch has too many items.
        public static let tooLarge = Code("too_large")
        /// The gateway has a declared hub list and the hub is not in it.
        public static let unknownHub = Code("unknown_hub")
        /// The gateway has not joined a mesh yet, or is shutting down.
        public static let unavailable = Code("unavailable")
        /// An unexpected failure inside the gateway.
        public static let `internal` = Code("internal")

        /// Every code, in the order of the protocol's table.
        public static let allCodes: [Code] = [
            .badJSON, .unsupportedVersion, .badRequest, .unknownKind, .forbiddenKind, .tooLarge, .unknownHub, .unavailable, .internal,
        ]

        public var description: String { rawValue }
    }

    /// The stable code.
    public var code: Code
    /// What was wrong and what to do. Not for parsing.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension IngressError {
    static func badRequest(_ message: String) -> IngressError { IngressError(code: .badRequest, message: message) }
}
