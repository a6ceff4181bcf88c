/// Something that happened in the mesh, as seen by this member.
public enum MeshEvent: Sendable, Equatable {
    /// Every peer known at start answered and confirmed this member's subscriptions.
    case joined(members: [String])
    /// A new peer appeared.
    case memberJoined(MemberInfo)
    /// A peer went silent for longer than `deadAfter`, or said goodbye.
    case memberDead(MemberInfo)
    /// A dead peer speaks again.
    case memberRevived(MemberInfo)
    /// A peer restarted (new epoch).
    case memberRestarted(MemberInfo)
    /// A dead peer stayed silent for `forgetAfter` and was forgotten (``MeshConfiguration/forgetAfter``).
    case memberForgotten(MemberInfo)
    /// Messages `range` on `topic` from `origin` were lost: neither received nor repaired.
    case gap(origin: String, topic: String, range: ClosedRange<UInt64>)
    /// This member's PUB socket was blocked by a stalled subscriber; fan-out is lossy for a while.
    case stalled
}

/// Hub messages delivered to this member from a peer.
public struct MeshDelivery: Sendable {
    /// The member that published it.
    public var origin: String
    /// The message.
    public var envelope: HubEnvelope
}

/// A snapshot of a member's state, for health and metrics.
public struct MeshSnapshot: Sendable {
    /// This member.
    public var me: MemberInfo
    /// Every peer.
    public var peers: [PeerStatus]
    /// Whether the start-up join completed.
    public var joined: Bool
    /// Counters since start.
    public var counters: MeshCounters
}

/// Counters kept by a member since it started.
public struct MeshCounters: Sendable, Equatable {
    /// Hub envelopes published, by kind name.
    public var published: [String: Int] = [:]
    /// Hub envelopes received from peers, by kind name.
    public var received: [String: Int] = [:]
    /// Batches published: ZeroMQ messages that carried several envelopes of one topic (each envelope
    /// is also counted in ``published``).
    public var batchesPublished: Int = 0
    /// Batches received from peers (each envelope is also counted in ``received``).
    public var batchesReceived: Int = 0
    /// Sequence gaps detected.
    public var gapsDetected: Int = 0
    /// Messages known lost (neither received nor repaired).
    public var messagesLost: Int = 0
    /// Gaps whose messages were all replayed.
    public var gapsRepaired: Int = 0
    /// Messages delivered from a replay.
    public var messagesRepaired: Int = 0
    /// Replay requests this member answered for others.
    public var replaysServed: Int = 0
    /// Times a stalled subscriber made fan-out lossy.
    public var stalls: Int = 0
    /// Times a subscription link to an alive peer was silent and was reconnected.
    public var linkResets: Int = 0
    /// Frames that failed to decode.
    public var decodeErrors: Int = 0
    /// Group-management requests sent / acked / failed / timed out.
    public var requestsSent: Int = 0
    public var requestsAcked: Int = 0
    public var requestsFailed: Int = 0
    public var requestsTimedOut: Int = 0
    /// Times a publish had to wait for the queue to drain.
    public var backpressureWaits: Int = 0
}
