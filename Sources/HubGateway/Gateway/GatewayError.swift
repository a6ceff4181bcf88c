/// Why a gateway could not start or keep running: a stable code and a message that says what to do.
public struct GatewayError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// An endpoint could not be bound (in use, or not a valid address).
        public static let bind = Code("bind")
        /// The configuration is invalid.
        public static let configuration = Code("configuration")
        /// The gateway did not join its mesh in time (pipeline mode gives up).
        public static let notJoined = Code("notJoined")
        /// Reading or writing a file descriptor failed.
        public static let io = Code("io")
        /// The task waiting for something was cancelled (the gateway is stopping or failed meanwhile).
        public static let cancelled = Code("cancelled")
        public var description: String { name }
    }

    /// The stable code.
    public var code: Code
    /// What was wrong and what to do.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
