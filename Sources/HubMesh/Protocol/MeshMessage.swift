/// Member-to-member control messages.
public enum ControlMessage: Sendable, Equatable {
    /// A member introduces itself (to a `--join` seed, or to each member it learns of).
    case hello(MemberInfo)
    /// The answer to `hello`: the sender's view of the whole mesh, itself included.
    case welcome([MemberInfo])
    /// Sent to every peer every heartbeat interval; carries the sender's member list (gossip).
    case heartbeat([MemberInfo])
    /// Published on `\0S\0<member>\0<token>\0` when a subscriber's barrier subscription arrived:
    /// every subscription that member made before it is active on the sender's PUB.
    case barrierAck(member: String, token: String)
    /// The sender is shutting down on purpose.
    case bye
    /// A receiver saw a sequence gap on `topic` from the recipient and asks for `range` again.
    case replayRequest(topic: [UInt8], range: ClosedRange<UInt64>)
    /// The answer to a replay request: the original frames, in order.
    case replayData([[UInt8]])
    /// The answer to a replay request for messages no longer in the replay buffer: they are lost.
    case replayGone(topic: [UInt8], range: ClosedRange<UInt64>)
}

/// The common header of every mesh message.
public struct MeshHeader: Sendable, Equatable {
    /// The member that created the message.
    public var origin: String
    /// The origin's epoch (changes at every start).
    public var epoch: UInt64
    /// Sequence number of this message on its topic, from this origin and epoch, starting at 1.
    /// Zero on directed (ROUTER) messages, which are not sequenced per topic.
    public var sequence: UInt64
    /// Unique per origin and epoch, increasing with every message the origin sends.
    public var messageID: UInt64

    /// Creates a header.
    public init(origin: String, epoch: UInt64, sequence: UInt64, messageID: UInt64) {
        self.origin = origin
        self.epoch = epoch
        self.sequence = sequence
        self.messageID = messageID
    }
}

/// A complete mesh message: header and body. One ZeroMQ frame on the wire.
public struct MeshMessage: Sendable, Equatable {
    /// The body.
    public enum Body: Sendable, Equatable {
        case hub(HubEnvelope)
        case control(ControlMessage)
    }

    public var header: MeshHeader
    public var body: Body

    /// Creates a message.
    public init(header: MeshHeader, body: Body) {
        self.header = header
        self.body = body
    }
}
