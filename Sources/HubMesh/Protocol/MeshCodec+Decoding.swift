#if canImport(Glibc)
    import Glibc
#endif

extension MeshCodec {
    /// Decodes one frame.
    /// - Throws: ``MeshProtocolError`` for anything malformed, truncated, oversized or of an unknown
    ///   version or kind. Never traps on bad input.
    public static func decode(_ frame: [UInt8], maxFrameSize: Int = defaultMaxFrameSize) throws(MeshProtocolError) -> MeshMessage {
        let result = frame.withUnsafeBytes { buffer in
            Result { () throws(MeshProtocolError) -> MeshMessage in try decode(buffer, maxFrameSize: maxFrameSize) }
        }
        return try result.get()
    }

    /// Decodes one frame in place (for example straight from a received `zmq_msg_t`).
    public static func decode(_ frame: UnsafeRawBufferPointer, maxFrameSize: Int = defaultMaxFrameSize) throws(MeshProtocolError) -> MeshMessage {
        try decodeWithTopic(frame, maxFrameSize: maxFrameSize).message
    }

    /// Decodes one frame and reports how many leading bytes are the topic.
    static func decodeWithTopic(
        _ frame: UnsafeRawBufferPointer,
        maxFrameSize: Int
    ) throws(MeshProtocolError) -> (message: MeshMessage, topicLength: Int) {
        guard frame.count <= maxFrameSize else {
            throw MeshProtocolError(.tooLarge, "frame of \(frame.count) bytes exceeds the limit of \(maxFrameSize)")
        }
        var unused = PrefixCache()
        let decoded = try decodeFull(frame, cache: &unused, remember: false)
        return (decoded.message, decoded.topicLength)
    }

    /// What a receiver remembers of the previous hub message it decoded. The frames of a stream repeat
    /// their topic, version, kind and origin byte for byte; a frame that starts with exactly the same
    /// bytes reuses the strings decoded and checked for the previous one (and its topic array), so
    /// only the rest of the frame is read. Any other frame is decoded in full and becomes the new
    /// prefix. The result is the same either way (tests decode every frame both ways).
    struct PrefixCache {
        /// Bytes of the previous frame up to the end of its origin; empty when there is none.
        var prefix: [UInt8] = []
        var topic: [UInt8] = []
        var hub = ""
        var letter: UInt8 = 0
        var target = ""
        var kind: UInt8 = 0
        var origin = ""

        init() {}

        /// Whether `frame` starts with the remembered prefix.
        func matches(_ frame: UnsafeRawBufferPointer) -> Bool {
            guard !prefix.isEmpty, frame.count >= prefix.count else { return false }
            return prefix.withUnsafeBytes { memcmp($0.baseAddress!, frame.baseAddress!, prefix.count) == 0 }
        }
    }

    /// Decodes one frame using (and updating) `cache`; returns the message and its topic bytes.
    static func decode(
        _ frame: UnsafeRawBufferPointer,
        maxFrameSize: Int,
        cache: inout PrefixCache
    ) throws(MeshProtocolError) -> (message: MeshMessage, topic: [UInt8]) {
        guard frame.count <= maxFrameSize else {
            throw MeshProtocolError(.tooLarge, "frame of \(frame.count) bytes exceeds the limit of \(maxFrameSize)")
        }
        if cache.matches(frame) {
            var reader = ByteReader(frame, offset: cache.prefix.count)
            let header = MeshHeader(
                origin: cache.origin,
                epoch: try reader.u64("epoch"),
                sequence: try reader.u64("sequence"),
                messageID: try reader.u64("message id")
            )
            let body = try decodeBody(
                kind: cache.kind, letter: cache.letter, hub: cache.hub, target: cache.target, second: "", reader: &reader, namesChecked: true)
            guard reader.remaining == 0 else { throw MeshProtocolError(.trailingBytes, "\(reader.remaining) bytes after the message") }
            return (MeshMessage(header: header, body: body), cache.topic)
        }
        let decoded = try decodeFull(frame, cache: &cache, remember: true)
        let topic = decoded.remembered ? cache.topic : Array(UnsafeRawBufferPointer(rebasing: frame[0..<decoded.topicLength]))
        return (decoded.message, topic)
    }

    /// Decodes a frame in full; with `remember`, a hub message's prefix replaces the one in `cache`.
    private static func decodeFull(
        _ frame: UnsafeRawBufferPointer,
        cache: inout PrefixCache,
        remember: Bool
    ) throws(MeshProtocolError) -> (message: MeshMessage, topicLength: Int, remembered: Bool) {
        var reader = ByteReader(frame)
        let hub = try reader.terminated("hub")
        let letter = try reader.u8("topic letter")
        guard try reader.u8("topic separator") == 0 else { throw MeshProtocolError(.badTopic, "topic letter is not NUL-terminated") }
        // The topic's parts after the letter: a target (node, group, user), or a barrier's member and token.
        var target = ""
        var second = ""
        switch letter {
        case Topic.Letter.node, Topic.Letter.group, Topic.Letter.user:
            target = try reader.terminated("topic target")
        case Topic.Letter.barrier:
            target = try reader.terminated("barrier member")
            second = try reader.terminated("barrier token")
        default:
            break
        }
        let topicLength = reader.offset
        let version = try reader.u8("version")
        guard version == Self.version else {
            throw MeshProtocolError(.unsupportedVersion, "mesh protocol version \(version) is not supported; this member speaks \(Self.version)")
        }
        let kind = try reader.u8("kind")
        let origin = try reader.string("origin")
        let originEnd = reader.offset
        let header = MeshHeader(
            origin: origin,
            epoch: try reader.u64("epoch"),
            sequence: try reader.u64("sequence"),
            messageID: try reader.u64("message id")
        )
        guard ConnectionID.isValidMemberID(origin) else {
            throw MeshProtocolError(.badString, "origin '\(origin)' is not a valid member id")
        }
        let body = try decodeBody(kind: kind, letter: letter, hub: hub, target: target, second: second, reader: &reader)
        guard reader.remaining == 0 else { throw MeshProtocolError(.trailingBytes, "\(reader.remaining) bytes after the message") }
        let message = MeshMessage(header: header, body: body)
        // Only hub messages are remembered (their names were checked just now); control messages are rare.
        let isHub: Bool
        switch kind {
        case Kind.all, Kind.connection, Kind.group, Kind.user: isHub = true
        default: isHub = false
        }
        guard remember, isHub else { return (message, topicLength, false) }
        // The prefix array is only ever held here: refilled in place, it allocates nothing once grown.
        cache.prefix.removeAll(keepingCapacity: true)
        cache.prefix.append(contentsOf: UnsafeRawBufferPointer(rebasing: frame[0..<originEnd]))
        cache.topic = Array(UnsafeRawBufferPointer(rebasing: frame[0..<topicLength]))
        cache.hub = hub
        cache.letter = letter
        cache.target = target
        cache.kind = kind
        cache.origin = origin
        return (message, topicLength, true)
    }

    static func expect(_ letter: UInt8, _ wanted: UInt8, hub: String, hubMessage: Bool, namesChecked: Bool = false) throws(MeshProtocolError) {
        guard letter == wanted else { throw MeshProtocolError(.badTopic, "topic letter does not match the kind") }
        if namesChecked { return }
        if hubMessage {
            try checkName(hub, "hub")
        } else {
            guard hub.isEmpty else { throw MeshProtocolError(.badTopic, "control messages have an empty hub") }
        }
    }

    static func decodeBody(
        kind: UInt8,
        letter: UInt8,
        hub: String,
        target: String,
        second: String,
        reader: inout ByteReader,
        namesChecked: Bool = false
    ) throws(MeshProtocolError) -> MeshMessage.Body {
        switch kind {
        case Kind.all:
            try expect(letter, Topic.Letter.all, hub: hub, hubMessage: true, namesChecked: namesChecked)
            let excluded = try decodeList("excluded", &reader)
            return .hub(.all(AllMessage(hub: hub, excluded: excluded, payloads: try decodePayloads(&reader))))
        case Kind.connection:
            try expect(letter, Topic.Letter.node, hub: hub, hubMessage: true, namesChecked: namesChecked)
            let id = try reader.string("connection id")
            guard ConnectionID.owner(of: id) == target else {
                throw MeshProtocolError(.badTopic, "connection id '\(id)' is not owned by topic member '\(target)'")
            }
            return .hub(.connection(ConnectionMessage(hub: hub, connectionID: id, payloads: try decodePayloads(&reader))))
        case Kind.group:
            try expect(letter, Topic.Letter.group, hub: hub, hubMessage: true, namesChecked: namesChecked)
            if !namesChecked { try checkName(target, "group") }
            let excluded = try decodeList("excluded", &reader)
            return .hub(.group(GroupMessage(hub: hub, group: target, excluded: excluded, payloads: try decodePayloads(&reader))))
        case Kind.user:
            try expect(letter, Topic.Letter.user, hub: hub, hubMessage: true, namesChecked: namesChecked)
            if !namesChecked { try checkName(target, "user") }
            return .hub(.user(UserMessage(hub: hub, userID: target, payloads: try decodePayloads(&reader))))
        case Kind.groupManagement:
            try expect(letter, Topic.Letter.groupManagement, hub: hub, hubMessage: true)
            let rawAction = try reader.u8("action")
            guard let action = GroupAction(rawValue: rawAction) else {
                throw MeshProtocolError(.badValue, "group action \(rawAction) is neither add (1) nor remove (2)")
            }
            let group = try reader.string("group")
            let connection = try reader.string("connection id")
            try checkName(group, "group")
            try checkName(connection, "connection id")
            let ackID = try reader.u64("ack id")
            return .hub(.groupManagement(GroupManagement(hub: hub, action: action, group: group, connectionID: connection, ackID: ackID)))
        case Kind.ack:
            try expect(letter, Topic.Letter.ack, hub: hub, hubMessage: true)
            let ackID = try reader.u64("ack id")
            let status = try reader.u8("status")
            let message = try reader.string("ack message")
            let error = status == 0 ? nil : HubMeshError(code: .init(rawValue: status), message: message)
            return .hub(.ack(Ack(hub: hub, ackID: ackID, error: error)))
        case Kind.hello:
            try expect(letter, Topic.Letter.hello, hub: hub, hubMessage: false)
            return .control(.hello(try decodeMember(&reader)))
        case Kind.welcome, Kind.heartbeat:
            try expect(letter, kind == Kind.welcome ? Topic.Letter.welcome : Topic.Letter.heartbeat, hub: hub, hubMessage: false)
            let count = Int(try reader.u16("member count"))
            var members: [MemberInfo] = []
            members.reserveCapacity(min(count, 1024))
            for _ in 0..<count { members.append(try decodeMember(&reader)) }
            return .control(kind == Kind.welcome ? .welcome(members) : .heartbeat(members))
        case Kind.barrierAck:
            try expect(letter, Topic.Letter.barrier, hub: hub, hubMessage: false)
            try checkName(target, "barrier member")
            try checkName(second, "barrier token")
            return .control(.barrierAck(member: target, token: second))
        case Kind.bye:
            try expect(letter, Topic.Letter.bye, hub: hub, hubMessage: false)
            return .control(.bye)
        case Kind.replayRequest, Kind.replayGone:
            let letter2 = kind == Kind.replayRequest ? Topic.Letter.replayRequest : Topic.Letter.replayGone
            try expect(letter, letter2, hub: hub, hubMessage: false)
            let topicLength = Int(try reader.u32("replay topic length"))
            let topic = try reader.bytes(topicLength, "replay topic")
            let from = try reader.u64("replay from")
            let to = try reader.u64("replay to")
            guard from <= to, from > 0 else { throw MeshProtocolError(.badValue, "replay range \(from)...\(to) is empty or starts at 0") }
            return .control(kind == Kind.replayRequest ? .replayRequest(topic: topic, range: from...to) : .replayGone(topic: topic, range: from...to))
        case Kind.replayData:
            try expect(letter, Topic.Letter.replayData, hub: hub, hubMessage: false)
            let count = Int(try reader.u16("replayed frame count"))
            guard count * 4 <= reader.remaining else { throw MeshProtocolError(.truncated, "replay data declares \(count) frames") }
            var frames: [[UInt8]] = []
            frames.reserveCapacity(count)
            for _ in 0..<count {
                let length = Int(try reader.u32("replayed frame length"))
                frames.append(try reader.bytes(length, "replayed frame"))
            }
            return .control(.replayData(frames))
        case Kind.batch:
            throw MeshProtocolError(.unknownKind, "a batch (kind 7) is only valid as a published frame of hub envelopes, never nested or directed")
        default:
            throw MeshProtocolError(.unknownKind, "message kind \(kind) is unknown to mesh protocol v\(version)")
        }
    }

    static func decodeList(_ field: @autoclosure () -> String, _ reader: inout ByteReader) throws(MeshProtocolError) -> [String] {
        let count = Int(try reader.u16("\(field()) count"))
        // Each entry takes at least two bytes: refuse counts the frame cannot hold before allocating.
        guard count * 2 <= reader.remaining else { throw MeshProtocolError(.truncated, "\(field()) declares \(count) entries") }
        var list: [String] = []
        list.reserveCapacity(count)
        for _ in 0..<count { list.append(try reader.string(field())) }
        return list
    }

    static func decodePayloads(_ reader: inout ByteReader) throws(MeshProtocolError) -> Payloads {
        let count = Int(try reader.u8("payload count"))
        guard count <= 16 else { throw MeshProtocolError(.tooLarge, "\(count) payloads; the limit is 16") }
        var entries: [Payloads.Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let nameLength = Int(try reader.u8("protocol name length"))
            guard nameLength > 0 else { throw MeshProtocolError(.badString, "empty protocol name") }
            let name = try reader.string(count: nameLength, "protocol name")
            let length = Int(try reader.u32("payload length"))
            entries.append(Payloads.Entry(name: name, bytes: try reader.bytes(length, "payload")))
        }
        for index in entries.indices.dropFirst() where entries[index - 1].name >= entries[index].name {
            throw MeshProtocolError(.badValue, "payload names must be unique and sorted")
        }
        return Payloads(entries: entries)
    }

    static func decodeMember(_ reader: inout ByteReader) throws(MeshProtocolError) -> MemberInfo {
        let id = try reader.string("member id")
        guard ConnectionID.isValidMemberID(id) else { throw MeshProtocolError(.badString, "member id '\(id)' is not valid") }
        let epoch = try reader.u64("member epoch")
        let rawRole = try reader.u8("member role")
        guard let role = MemberInfo.Role(rawValue: rawRole) else { throw MeshProtocolError(.badValue, "member role \(rawRole) is unknown") }
        return MemberInfo(
            id: id,
            epoch: epoch,
            role: role,
            publishEndpoint: try reader.string("publish endpoint"),
            routerEndpoint: try reader.string("router endpoint")
        )
    }
}
