/// An error from the mesh: a stable code and a message that says what was wrong and what to do.
public struct HubMeshError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable error code. Codes travel in acks between members, so their raw values are part of the mesh protocol.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The wire value.
        public let rawValue: UInt8
        /// A readable name.
        public let name: String
        private init(_ rawValue: UInt8, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        /// The connection id names a member this mesh has never seen.
        public static let unknownMember = Code(1, "unknownMember")
        /// The connection id names a member that is known but currently dead.
        public static let memberDead = Code(2, "memberDead")
        /// The owning member has no such connection.
        public static let unknownConnection = Code(3, "unknownConnection")
        /// No answer came within the configured timeout.
        public static let timeout = Code(4, "timeout")
        /// The owner refused the request (for example an unknown hub).
        public static let refused = Code(5, "refused")
        /// An id, hub, group or user name is empty, too long, or contains a NUL byte.
        public static let invalidName = Code(6, "invalidName")
        /// The member is not running (not started yet, or shut down).
        public static let notRunning = Code(7, "notRunning")
        /// A socket failed.
        public static let transport = Code(8, "transport")
        /// The configuration is invalid.
        public static let configuration = Code(9, "configuration")

        static let all: [Code] = [
            .unknownMember, .memberDead, .unknownConnection, .timeout, .refused, .invalidName, .notRunning, .transport,
            .configuration,
        ]

        /// The code for a wire value, or `.refused` for values from a newer protocol.
        public init(rawValue: UInt8) {
            self = Self.all.first { $0.rawValue == rawValue } ?? .refused
        }

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

    public var description: String { "\(code): \(message)" }
}
