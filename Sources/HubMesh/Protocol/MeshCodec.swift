/// Encodes and decodes mesh protocol v1 frames (see `docs/mesh-protocol.md`).
///
/// A mesh message is one ZeroMQ frame: the NUL-terminated topic, then a binary header (version, kind,
/// origin, epoch, sequence, message id), then the kind's body. All integers are big-endian.
public enum MeshCodec {
    /// The protocol version this member speaks.
    public static let version: UInt8 = 1
    /// The default limit for an inbound frame.
    public static let defaultMaxFrameSize = 16 << 20

    /// Kind bytes of the header.
    enum Kind {
        static let all: UInt8 = 1
        static let connection: UInt8 = 2
        static let group: UInt8 = 3
        static let user: UInt8 = 4
        static let groupManagement: UInt8 = 5
        static let ack: UInt8 = 6
        static let batch: UInt8 = 7
        static let hello: UInt8 = 16
        static let welcome: UInt8 = 17
        static let heartbeat: UInt8 = 18
        static let barrierAck: UInt8 = 19
        static let bye: UInt8 = 20
        static let replayRequest: UInt8 = 21
        static let replayData: UInt8 = 22
        static let replayGone: UInt8 = 23
    }

    /// The topic a message is published on.
    public static func topic(for body: MeshMessage.Body) throws(MeshProtocolError) -> Topic {
        switch body {
        case .hub(let envelope):
            try checkName(envelope.hub, "hub")
            switch envelope {
            case .all(let m): return .all(hub: m.hub)
            case .connection(let m):
                guard let owner = ConnectionID.owner(of: m.connectionID) else {
                    throw MeshProtocolError(.badValue, "connection id '\(m.connectionID)' does not name its member ('member.random')")
                }
                try checkName(owner, "connection id")
                return .node(hub: m.hub, member: owner)
            case .group(let m):
                try checkName(m.group, "group")
                return .group(hub: m.hub, group: m.group)
            case .user(let m):
                try checkName(m.userID, "user")
                return .user(hub: m.hub, user: m.userID)
            case .groupManagement(let m): return Topic(parts: [m.hub], letter: Topic.Letter.groupManagement)
            case .ack(let m): return Topic(parts: [m.hub], letter: Topic.Letter.ack)
            }
        case .control(let control):
            switch control {
            case .hello: return Topic(parts: [""], letter: Topic.Letter.hello)
            case .welcome: return Topic(parts: [""], letter: Topic.Letter.welcome)
            case .heartbeat: return Topic(parts: [""], letter: Topic.Letter.heartbeat)
            case .bye: return Topic(parts: [""], letter: Topic.Letter.bye)
            case .replayRequest: return Topic(parts: [""], letter: Topic.Letter.replayRequest)
            case .replayData: return Topic(parts: [""], letter: Topic.Letter.replayData)
            case .replayGone: return Topic(parts: [""], letter: Topic.Letter.replayGone)
            case .barrierAck(let member, let token):
                try checkName(member, "member")
                try checkName(token, "token")
                return .barrier(member: member, token: token)
            }
        }
    }

    static func checkName(_ name: String, _ field: String) throws(MeshProtocolError) {
        guard !name.isEmpty else { throw MeshProtocolError(.badString, "\(field) is empty") }
        guard !name.utf8.contains(0) else { throw MeshProtocolError(.badString, "\(field) contains a NUL byte") }
        guard name.utf8.count <= 1024 else { throw MeshProtocolError(.tooLarge, "\(field) is longer than 1024 bytes") }
    }

    // MARK: - Encoding

    /// Encodes a message into one frame.
    public static func encode(_ message: MeshMessage) throws(MeshProtocolError) -> [UInt8] {
        try encode(message, topic: try topic(for: message.body))
    }

    /// Encodes a message whose topic the caller already computed with ``topic(for:)``.
    static func encode(_ message: MeshMessage, topic: Topic) throws(MeshProtocolError) -> [UInt8] {
        var writer = ByteWriter(capacity: topic.bytes.count + 64 + estimatedBodySize(message.body))
        try encodeHeaderStart(
            topic: topic.bytes, kind: kind(of: message.body), origin: message.header.origin, epoch: message.header.epoch, into: &writer)
        writer.u64(message.header.sequence)
        writer.u64(message.header.messageID)
        try encodeBody(message.body, into: &writer)
        return writer.bytes
    }

    /// How every frame starts: topic, version, kind, origin and epoch (the sequence number and message
    /// id follow).
    static func encodeHeaderStart(
        topic: [UInt8], kind: UInt8, origin: String, epoch: UInt64, into writer: inout ByteWriter
    ) throws(MeshProtocolError) {
        writer.raw(topic)
        writer.u8(version)
        writer.u8(kind)
        try writer.string(origin, field: "origin")
        writer.u64(epoch)
    }

    /// The bytes every frame of one origin and epoch on one hub topic starts with (topic, version,
    /// kind, origin, epoch) and what they were made from: consecutive publishes on one topic reuse
    /// them instead of building and checking the topic again.
    struct EncodePrefix: Sendable {
        var kind: UInt8
        var hub: String
        var target: String
        var origin: String
        var epoch: UInt64
        var topic: Topic
        /// Topic through epoch; the sequence number and message id follow.
        var bytes: [UInt8]
        /// The topic's id in the publishing member's inbox (set once it is numbered there).
        var topicID = -1

        func matches(_ key: PrefixKey, origin: String, epoch: UInt64) -> Bool {
            kind == key.kind && self.epoch == epoch && hub == key.hub && target == key.target && self.origin == origin
        }
    }

    /// What a hub envelope's frame prefix depends on, for the kinds whose topic is made of their hub
    /// and one name (all, group, user); `nil` for the others.
    struct PrefixKey {
        var kind: UInt8
        var hub: String
        var target: String

        init?(_ envelope: HubEnvelope) {
            switch envelope {
            case .all(let m): (kind, hub, target) = (Kind.all, m.hub, "")
            case .group(let m): (kind, hub, target) = (Kind.group, m.hub, m.group)
            case .user(let m): (kind, hub, target) = (Kind.user, m.hub, m.userID)
            case .connection, .groupManagement, .ack: return nil
            }
        }
    }

    /// Builds the prefix for `envelope`'s topic from `origin` in `epoch` (checking the names).
    static func prefix(for envelope: HubEnvelope, key: PrefixKey, origin: String, epoch: UInt64) throws(MeshProtocolError) -> EncodePrefix {
        let topic = try topic(for: .hub(envelope))
        var writer = ByteWriter(capacity: topic.bytes.count + 12 + origin.utf8.count)
        try encodeHeaderStart(topic: topic.bytes, kind: key.kind, origin: origin, epoch: epoch, into: &writer)
        return EncodePrefix(kind: key.kind, hub: key.hub, target: key.target, origin: origin, epoch: epoch, topic: topic, bytes: writer.bytes)
    }

    /// Encodes `envelope` after `prefix` with sequence number and message id zero (patch them with
    /// ``patchNumbering(_:at:sequence:messageID:)`` at offset `prefix.bytes.count`). The same bytes
    /// as ``encode(_:)``.
    static func encode(_ envelope: HubEnvelope, after prefix: EncodePrefix) throws(MeshProtocolError) -> [UInt8] {
        let body = MeshMessage.Body.hub(envelope)
        var writer = ByteWriter(capacity: prefix.bytes.count + 16 + estimatedBodySize(body))
        writer.raw(prefix.bytes)
        writer.u64(0)
        writer.u64(0)
        try encodeBody(body, into: &writer)
        return writer.bytes
    }

    /// Where the header's sequence and message id (two u64s) start in a frame on `topic` from `origin`.
    static func numberingOffset(topic: Topic, origin: String) -> Int {
        topic.bytes.count + 2 + 2 + origin.utf8.count + 8
    }

    /// Overwrites the header's sequence and message id of an encoded frame (offset from ``numberingOffset(topic:origin:)``).
    static func patchNumbering(_ frame: inout [UInt8], at offset: Int, sequence: UInt64, messageID: UInt64) {
        frame.withUnsafeMutableBytes { bytes in
            bytes.storeBytes(of: sequence.bigEndian, toByteOffset: offset, as: UInt64.self)
            bytes.storeBytes(of: messageID.bigEndian, toByteOffset: offset + 8, as: UInt64.self)
        }
    }

    static func estimatedBodySize(_ body: MeshMessage.Body) -> Int {
        switch body {
        case .hub(.all(let m)): return m.payloads.byteCount + 16 * m.payloads.entries.count + m.excluded.count * 32
        case .hub(.connection(let m)): return m.payloads.byteCount + 16 * m.payloads.entries.count + m.connectionID.utf8.count
        case .hub(.group(let m)): return m.payloads.byteCount + 16 * m.payloads.entries.count + m.excluded.count * 32
        case .hub(.user(let m)): return m.payloads.byteCount + 16 * m.payloads.entries.count
        default: return 128
        }
    }

    static func kind(of body: MeshMessage.Body) -> UInt8 {
        switch body {
        case .hub(.all): return Kind.all
        case .hub(.connection): return Kind.connection
        case .hub(.group): return Kind.group
        case .hub(.user): return Kind.user
        case .hub(.groupManagement): return Kind.groupManagement
        case .hub(.ack): return Kind.ack
        case .control(.hello): return Kind.hello
        case .control(.welcome): return Kind.welcome
        case .control(.heartbeat): return Kind.heartbeat
        case .control(.barrierAck): return Kind.barrierAck
        case .control(.bye): return Kind.bye
        case .control(.replayRequest): return Kind.replayRequest
        case .control(.replayData): return Kind.replayData
        case .control(.replayGone): return Kind.replayGone
        }
    }

    static func encodeBody(_ body: MeshMessage.Body, into writer: inout ByteWriter) throws(MeshProtocolError) {
        switch body {
        case .hub(.all(let m)):
            try encodeList(m.excluded, "excluded", into: &writer)
            try encodePayloads(m.payloads, into: &writer)
        case .hub(.connection(let m)):
            try writer.string(m.connectionID, field: "connection id")
            try encodePayloads(m.payloads, into: &writer)
        case .hub(.group(let m)):
            try encodeList(m.excluded, "excluded", into: &writer)
            try encodePayloads(m.payloads, into: &writer)
        case .hub(.user(let m)):
            try encodePayloads(m.payloads, into: &writer)
        case .hub(.groupManagement(let m)):
            try checkName(m.group, "group")
            try checkName(m.connectionID, "connection id")
            writer.u8(m.action.rawValue)
            try writer.string(m.group, field: "group")
            try writer.string(m.connectionID, field: "connection id")
            writer.u64(m.ackID)
        case .hub(.ack(let m)):
            writer.u64(m.ackID)
            writer.u8(m.error?.code.rawValue ?? 0)
            try writer.string(m.error?.message ?? "", field: "ack message")
        case .control(.hello(let info)):
            try encodeMember(info, into: &writer)
        case .control(.welcome(let members)), .control(.heartbeat(let members)):
            guard members.count <= Int(UInt16.max) else { throw MeshProtocolError(.tooLarge, "more than 65535 members") }
            writer.u16(UInt16(members.count))
            for member in members { try encodeMember(member, into: &writer) }
        case .control(.barrierAck), .control(.bye):
            break
        case .control(.replayRequest(let topic, let range)), .control(.replayGone(let topic, let range)):
            try encodeBlob(topic, "replay topic", into: &writer)
            writer.u64(range.lowerBound)
            writer.u64(range.upperBound)
        case .control(.replayData(let frames)):
            guard frames.count <= Int(UInt16.max) else { throw MeshProtocolError(.tooLarge, "more than 65535 replayed frames") }
            writer.u16(UInt16(frames.count))
            for frame in frames { try encodeBlob(frame, "replayed frame", into: &writer) }
        }
    }

    static func encodeBlob(_ bytes: [UInt8], _ field: String, into writer: inout ByteWriter) throws(MeshProtocolError) {
        guard bytes.count <= Int(UInt32.max) else { throw MeshProtocolError(.tooLarge, "\(field) over 4 GiB") }
        writer.u32(UInt32(bytes.count))
        writer.raw(bytes)
    }

    static func encodeList(_ list: [String], _ field: String, into writer: inout ByteWriter) throws(MeshProtocolError) {
        guard list.count <= Int(UInt16.max) else { throw MeshProtocolError(.tooLarge, "\(field) has more than 65535 entries") }
        writer.u16(UInt16(list.count))
        for item in list { try writer.string(item, field: field) }
    }

    static func encodePayloads(_ payloads: Payloads, into writer: inout ByteWriter) throws(MeshProtocolError) {
        guard payloads.entries.count <= 16 else { throw MeshProtocolError(.tooLarge, "more than 16 payloads") }
        writer.u8(UInt8(payloads.entries.count))
        for entry in payloads.entries {
            let nameCount = entry.name.utf8.count
            guard nameCount > 0, nameCount <= 255 else { throw MeshProtocolError(.badString, "protocol name must be 1–255 bytes") }
            guard entry.bytes.count <= Int(UInt32.max) else { throw MeshProtocolError(.tooLarge, "payload over 4 GiB") }
            writer.u8(UInt8(nameCount))
            writer.bytes.append(contentsOf: entry.name.utf8)
            writer.u32(UInt32(entry.bytes.count))
            writer.raw(entry.bytes)
        }
    }

    static func encodeMember(_ info: MemberInfo, into writer: inout ByteWriter) throws(MeshProtocolError) {
        try writer.string(info.id, field: "member id")
        writer.u64(info.epoch)
        writer.u8(info.role.rawValue)
        try writer.string(info.publishEndpoint, field: "publish endpoint")
        try writer.string(info.routerEndpoint, field: "router endpoint")
    }
}
