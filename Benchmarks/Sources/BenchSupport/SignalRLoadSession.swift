import HubProtocol

/// One load connection's SignalR protocol, without a socket: received bytes in, events out.
///
/// The connection writes ``handshake`` first. The session checks the server's answer, then asks
/// for the `<joinMethod>(group)` invocation to be written (with `idle`, it is ready right after
/// the handshake), waits for its completion, and turns every invocation of `method` into a
/// delivery with the publish time and sequence number read from its first argument
/// (`"<monotonic ns>:<seq>:filler"`). Both engines of `ws-clients` drive it: append each frame's
/// payload, then call ``next()`` until it returns nil.
public struct SignalRLoadSession: Sendable {
    public enum Event: Equatable, Sendable {
        /// Write this text message.
        case send(String)
        /// The connection has joined its group (idle: has hand-shaken).
        case joined
        /// An invocation of the counted method; zeros when its argument holds no time stamp.
        case delivered(sentNanos: UInt64, sequence: UInt64)
        /// The server sent a Close message.
        case closedByServer
    }

    /// The JSON protocol handshake request, with its record separator.
    public static let handshake = #"{"protocol":"json","version":1}"# + "\u{1E}"

    public let group: String
    public let joinMethod: String
    public let method: String
    public let idle: Bool
    /// Whether the connection has joined (idle: hand-shaken).
    public private(set) var joined = false
    private var handshakeDone = false
    private var pending: [UInt8] = []
    private var reader = JSONMessageReader(maxMessageSize: 1 << 20)

    public init(group: String, joinMethod: String, method: String, idle: Bool) {
        self.group = group
        self.joinMethod = joinMethod
        self.method = method
        self.idle = idle
    }

    /// Adds the payload of a received frame.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        if handshakeDone {
            reader.append(bytes)
        } else {
            pending += bytes
        }
    }

    /// The next event, or nil when more bytes are needed.
    /// - Throws: when the handshake or the join is refused, or on a malformed message.
    public mutating func next() throws -> Event? {
        if !handshakeDone {
            guard let separator = pending.firstIndex(of: JSONHubProtocol.recordSeparator) else { return nil }
            let answer = String(decoding: pending[..<separator], as: UTF8.self)
            guard answer == "{}" else { throw BenchError("handshake refused: \(answer)") }
            handshakeDone = true
            reader.append(pending[(separator + 1)...])
            pending = []
            if idle {
                joined = true
                return .joined
            }
            let invocation = HubMessage.invocation(InvocationMessage(invocationId: "1", target: joinMethod, arguments: [.string(group)]))
            return .send(String(decoding: try JSONHubProtocol().encode(invocation), as: UTF8.self))
        }
        while let message = try reader.next() {
            switch message {
            case .completion(let completion) where !joined:
                if case .error(let error) = completion.outcome { throw BenchError("\(joinMethod) failed: \(error)") }
                joined = true
                return .joined
            case .invocation(let invocation) where invocation.target == method:
                guard case .string(let text)? = invocation.arguments.first else { return .delivered(sentNanos: 0, sequence: 0) }
                let stamp = Self.stamp(text)
                return .delivered(sentNanos: stamp.sentNanos, sequence: stamp.sequence)
            case .close:
                return .closedByServer
            default:
                continue
            }
        }
        return nil
    }

    /// The publish time and sequence number at the start of a bench argument, zeros if absent.
    /// `"<sent>:<sequence>"`, then anything after a further `:`; one pass over the bytes, no
    /// allocation (a load client reads one per delivery).
    public static func stamp(_ text: String) -> (sentNanos: UInt64, sequence: UInt64) {
        var sent: UInt64 = 0
        var value: UInt64 = 0
        var digits = 0
        var field = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ":") {
                guard digits > 0 else { return (0, 0) }
                if field == 1 { return (sent, value) }
                (sent, value, digits, field) = (value, 0, 0, 1)
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") && digits < 19 {
                value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
                digits += 1
            } else {
                return (0, 0)
            }
        }
        return field == 1 && digits > 0 ? (sent, value) : (0, 0)
    }
}
