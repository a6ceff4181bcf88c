/// An error of the hub server: a stable code and a message that says what was wrong and what to do.
public struct HubServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure happened.
    public enum Code: String, Sendable, Hashable {
        /// The configuration is invalid (bad address, unusable key, unreadable file, ...).
        case configuration
        /// The server could not start listening.
        case startup
    }

    /// What kind of failure happened.
    public var code: Code
    /// What was wrong and what to do.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "\(code.rawValue): \(message)" }
}
