/// A ZeroMQ topic: the first bytes of every mesh frame, matched by prefix by SUB sockets.
///
/// Every part is terminated by a NUL byte, so `room1` never matches `room10`:
/// `hub\0A\0` (all), `hub\0G\0group\0`, `hub\0U\0user\0`, `hub\0N\0member\0` (connection messages go to
/// the owner's node topic), `hub\0M\0member\0` / `hub\0K\0member\0` (group management and acks, sent
/// directly), and control topics with an empty hub: `\0H\0`, `\0W\0`, `\0B\0`, `\0X\0`, `\0S\0member\0token\0`.
public struct Topic: Hashable, Sendable, CustomStringConvertible {
    /// The topic bytes, NUL-terminated parts.
    public let bytes: [UInt8]

    /// Wraps topic bytes as received.
    public init(bytes: [UInt8]) { self.bytes = bytes }

    init(parts: [String], letter: UInt8) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(parts.reduce(4) { $0 + $1.utf8.count + 1 })
        bytes.append(contentsOf: parts[0].utf8)
        bytes.append(0)
        bytes.append(letter)
        bytes.append(0)
        for part in parts.dropFirst() {
            bytes.append(contentsOf: part.utf8)
            bytes.append(0)
        }
        self.bytes = bytes
    }

    /// `hub\0letter\0` plus `target\0` if given: the hub topics, built without an array of parts
    /// (they are built once per published envelope).
    init(hub: String, letter: UInt8, target: String?) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hub.utf8.count + 4 + (target?.utf8.count ?? 0))
        bytes.append(contentsOf: hub.utf8)
        bytes.append(0)
        bytes.append(letter)
        bytes.append(0)
        if let target {
            bytes.append(contentsOf: target.utf8)
            bytes.append(0)
        }
        self.bytes = bytes
    }

    /// Every connection of `hub`.
    public static func all(hub: String) -> Topic { Topic(hub: hub, letter: Letter.all, target: nil) }
    /// Connection messages for connections owned by `member`.
    public static func node(hub: String, member: String) -> Topic { Topic(hub: hub, letter: Letter.node, target: member) }
    /// A group of `hub`.
    public static func group(hub: String, group: String) -> Topic { Topic(hub: hub, letter: Letter.group, target: group) }
    /// A user of `hub`.
    public static func user(hub: String, user: String) -> Topic { Topic(hub: hub, letter: Letter.user, target: user) }
    /// Barrier acknowledgements for `member`'s barrier `token`.
    public static func barrier(member: String, token: String) -> Topic {
        Topic(parts: ["", member, token], letter: Letter.barrier)
    }
    /// Heartbeats a member publishes on its PUB (every member subscribes): the sign that a subscription link works.
    public static let linkHeartbeat = Topic(parts: [""], letter: Letter.heartbeat)
    /// Prefix matching every barrier acknowledgement for `member`.
    public static func barrierPrefix(member: String) -> Topic { Topic(parts: ["", member], letter: Letter.barrier) }

    public static func == (lhs: Topic, rhs: Topic) -> Bool { lhs.bytes == rhs.bytes }

    /// Hashes the bytes in one call (the synthesized version hashes them one by one).
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public var description: String {
        String(decoding: bytes.map { $0 == 0 ? UInt8(ascii: "|") : $0 }, as: UTF8.self)
    }

    /// The letters that name topic kinds.
    enum Letter {
        static let all = UInt8(ascii: "A")
        static let node = UInt8(ascii: "N")
        static let group = UInt8(ascii: "G")
        static let user = UInt8(ascii: "U")
        static let groupManagement = UInt8(ascii: "M")
        static let ack = UInt8(ascii: "K")
        static let hello = UInt8(ascii: "H")
        static let welcome = UInt8(ascii: "W")
        static let heartbeat = UInt8(ascii: "B")
        static let barrier = UInt8(ascii: "S")
        static let bye = UInt8(ascii: "X")
        static let replayRequest = UInt8(ascii: "R")
        static let replayData = UInt8(ascii: "D")
        static let replayGone = UInt8(ascii: "L")
    }
}
