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
    /// Messages `range` on `topic` from `origin` were never received.
    case gap(origin: String, topic: String, range: ClosedRange<UInt64>)
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
    /// Sequence gaps detected.
    public var gapsDetected: Int = 0
    /// Messages known lost (sum of gap sizes).
    public var messagesLost: Int = 0
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
