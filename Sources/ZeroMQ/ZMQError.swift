import CZeroMQ

/// An error from libzmq, with a stable code and a readable message.
///
/// Every libzmq failure is mapped here, in one place, from `zmq_errno()`.
public struct ZMQError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        /// The operation would block (a high-water mark was reached, or nothing to read).
        public static let wouldBlock = Code("wouldBlock")
        /// The peer is not connected (ROUTER with `ZMQ_ROUTER_MANDATORY`).
        public static let hostUnreachable = Code("hostUnreachable")
        /// The context was terminated.
        public static let contextTerminated = Code("contextTerminated")
        /// The address is already in use.
        public static let addressInUse = Code("addressInUse")
        /// The endpoint string or an option value is invalid.
        public static let invalidArgument = Code("invalidArgument")
        /// The transport protocol is not supported.
        public static let protocolNotSupported = Code("protocolNotSupported")
        /// The call was interrupted by a signal.
        public static let interrupted = Code("interrupted")
        /// The operation is not valid in the socket's current state.
        public static let invalidState = Code("invalidState")
        /// The socket was closed.
        public static let notASocket = Code("notASocket")
        /// Too many open sockets or files.
        public static let tooManyOpen = Code("tooManyOpen")
        /// Any other errno value.
        public static let other = Code("other")
        public var description: String { raw }
    }

    /// The stable code.
    public var code: Code
    /// The raw `errno` value reported by libzmq.
    public var errno: Int32
    /// What failed and what libzmq said.
    public var message: String

    /// Creates an error.
    public init(code: Code, errno: Int32, message: String) {
        self.code = code
        self.errno = errno
        self.message = message
    }

    /// Builds an error from the current `zmq_errno()`.
    /// - Parameter operation: what was being done, e.g. `bind tcp://127.0.0.1:6000`.
    public static func last(_ operation: String) -> ZMQError {
        let number = czmq_errno()
        return ZMQError(errno: number, operation: operation)
    }

    /// Builds an error from an errno value.
    public init(errno number: Int32, operation: String) {
        let text = String(cString: zmq_strerror(number))
        self.init(code: Self.code(for: number), errno: number, message: "\(operation): \(text)")
    }

    static func code(for number: Int32) -> Code {
        switch number {
        case EAGAIN: return .wouldBlock
        case EHOSTUNREACH: return .hostUnreachable
        case ETERM: return .contextTerminated
        case EADDRINUSE: return .addressInUse
        case EINVAL: return .invalidArgument
        case EPROTONOSUPPORT: return .protocolNotSupported
        case EINTR: return .interrupted
        case EFSM: return .invalidState
        case ENOTSOCK: return .notASocket
        case EMFILE: return .tooManyOpen
        default: return .other
        }
    }

    public var description: String { "ZMQError(\(code), errno \(errno)): \(message)" }
}
