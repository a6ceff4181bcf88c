/// An error from a hub: thrown by hub methods to send a clear error to the caller, and reported by
/// the dispatcher when an invocation cannot run (unknown method, wrong arguments, ...).
///
/// The message of a `HubError` thrown by a hub method goes to the client as it is, like SignalR's
/// `HubException`; other errors are reported as "an error on the server" unless detailed errors are on.
public struct HubError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure happened.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The code's name.
        public var rawValue: String

        /// Creates a code.
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// The hub has no method with the invoked name.
        public static let unknownMethod = Code(rawValue: "unknownMethod")
        /// The invocation has more or fewer arguments than the method takes.
        public static let wrongArgumentCount = Code(rawValue: "wrongArgumentCount")
        /// An argument cannot be converted to the parameter's type.
        public static let invalidArgument = Code(rawValue: "invalidArgument")
        /// The caller may not do this (for example join a group its token does not list).
        public static let forbidden = Code(rawValue: "forbidden")
        /// The message kind is not supported (streaming, client results).
        public static let unsupported = Code(rawValue: "unsupported")
        /// The method failed; the message says why.
        public static let methodFailed = Code(rawValue: "methodFailed")
        /// A result could not be encoded.
        public static let invalidResult = Code(rawValue: "invalidResult")

        /// The code's name.
        public var description: String { rawValue }
    }

    /// What kind of failure happened.
    public var code: Code
    /// What was wrong and what to do; sent to the client.
    public var message: String

    /// Creates an error.
    public init(code: Code = .methodFailed, message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "\(code): \(message)" }
}
