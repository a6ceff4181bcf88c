/// The state of one peer as seen by this member.
public struct PeerStatus: Sendable, Equatable {
    /// What the peer said about itself.
    public var info: MemberInfo
    /// Whether it was heard from recently.
    public var alive: Bool
    /// Seconds since it was last heard from.
    public var silentFor: Duration
    /// How many times it was declared dead.
    public var deaths: Int
}

/// Who is in the mesh and who is alive: a pure state machine over an injected clock.
///
/// Every message from a peer counts as a sign of life; a peer silent for longer than `deadAfter` is
/// declared dead. A peer that speaks again is alive again; one with a new epoch has restarted. A
/// dead peer silent for longer than `forgetAfter` is forgotten (its sockets can be closed), unless
/// it is one of the seeds this member joined through: those stay, so a partition longer than
/// `forgetAfter` still heals (the seed keeps getting heartbeats, and learns this member back from
/// the first one that arrives).
public struct Membership<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// What the member must do after an event.
    public enum Action: Sendable, Hashable {
        /// A new peer: connect the SUB and DEALER to it and say hello.
        case connect(MemberInfo)
        /// A known peer restarted; if its endpoints changed, reconnect from `old` to `new`.
        case restarted(old: MemberInfo, new: MemberInfo)
        /// A dead peer speaks again (same epoch).
        case revived(MemberInfo)
        /// A peer went silent for too long.
        case declaredDead(MemberInfo)
        /// A peer said goodbye: it is dead at once.
        case departed(MemberInfo)
        /// A dead peer stayed silent for `forgetAfter`: it is no longer known (close its sockets, drop
        /// its state). If it comes back, it is a new peer (`connect`).
        case forgotten(MemberInfo)
    }

    struct Peer {
        var info: MemberInfo
        var lastHeard: Instant
        var alive: Bool
        var deaths: Int
    }

    /// This member.
    public let me: MemberInfo
    /// Silence after which a peer is dead.
    public let deadAfter: Duration
    /// Silence after which a dead peer is forgotten; nil: never.
    public let forgetAfter: Duration?
    /// ROUTER endpoints of peers that are never forgotten (the seeds this member joined through).
    public let keptEndpoints: Set<String>
    private(set) var peers: [String: Peer] = [:]
    /// Peers forgotten lately, with the epoch they had and when: gossip about them in that epoch (from
    /// a member that has not noticed yet) is ignored for another `forgetAfter`, so it cannot bring
    /// them back as alive. The peer itself always can (a direct message).
    private(set) var forgotten: [String: (epoch: UInt64, at: Instant)] = [:]

    /// Creates the state for member `me`.
    public init(me: MemberInfo, deadAfter: Duration, forgetAfter: Duration? = nil, keeping keptEndpoints: Set<String> = []) {
        self.me = me
        self.deadAfter = deadAfter
        self.forgetAfter = forgetAfter
        self.keptEndpoints = keptEndpoints
    }

    /// A peer described itself (hello, welcome or heartbeat entry) or was heard from.
    /// - Parameter direct: the message came from the peer itself (a sign of life), not from gossip.
    public mutating func learned(_ info: MemberInfo, direct: Bool, now: Instant) -> [Action] {
        guard info.id != me.id else { return [] }
        if let tombstone = forgotten[info.id] {
            if !direct && info.epoch <= tombstone.epoch { return [] }
            forgotten[info.id] = nil
        }
        guard var peer = peers[info.id] else {
            // Gossip about a peer never heard from directly still starts its clock now; if it never
            // speaks it is declared dead after `deadAfter`.
            peers[info.id] = Peer(info: info, lastHeard: now, alive: true, deaths: 0)
            return [.connect(info)]
        }
        if info.epoch < peer.info.epoch { return [] }  // stale news about an earlier run
        var actions: [Action] = []
        if info.epoch > peer.info.epoch {
            if !direct { return [] }  // only the peer itself can announce its restart
            actions.append(.restarted(old: peer.info, new: info))
            peer.info = info
            peer.alive = true
            peer.lastHeard = now
        } else if direct {
            peer.lastHeard = now
            if !peer.alive {
                peer.alive = true
                actions.append(.revived(info))
            }
        }
        peers[info.id] = peer
        return actions
    }

    /// A message arrived from `id` in `epoch`: a sign of life.
    /// - Returns: `.revived` if it was dead; nothing for unknown peers (they say hello first).
    public mutating func heard(from id: String, epoch: UInt64, now: Instant) -> [Action] {
        guard var peer = peers[id], peer.info.epoch == epoch else { return [] }
        peer.lastHeard = now
        var actions: [Action] = []
        if !peer.alive {
            peer.alive = true
            actions.append(.revived(peer.info))
        }
        peers[id] = peer
        return actions
    }

    /// Time passed: declare silent peers dead, and forget those dead and silent for `forgetAfter`.
    public mutating func tick(now: Instant) -> [Action] {
        var actions: [Action] = []
        for (id, var peer) in peers where peer.alive && peer.lastHeard.duration(to: now) > deadAfter {
            peer.alive = false
            peer.deaths += 1
            peers[id] = peer
            actions.append(.declaredDead(peer.info))
        }
        guard let forgetAfter else { return actions }
        for (id, peer) in peers
        where !peer.alive && peer.lastHeard.duration(to: now) > forgetAfter && !keptEndpoints.contains(peer.info.routerEndpoint) {
            peers[id] = nil
            forgotten[id] = (peer.info.epoch, now)
            actions.append(.forgotten(peer.info))
        }
        for (id, tombstone) in forgotten where tombstone.at.duration(to: now) > forgetAfter {
            forgotten[id] = nil
        }
        return actions
    }

    /// The peer left on purpose (`bye`): dead at once.
    public mutating func left(_ id: String) -> [Action] {
        guard var peer = peers[id], peer.alive else { return [] }
        peer.alive = false
        peer.deaths += 1
        peers[id] = peer
        return [.departed(peer.info)]
    }

    /// Whether `id` is a known peer, and alive.
    public func state(of id: String) -> (known: Bool, alive: Bool) {
        guard let peer = peers[id] else { return (id == me.id, id == me.id) }
        return (true, peer.alive)
    }

    /// Info of a peer.
    public func info(of id: String) -> MemberInfo? { peers[id]?.info }

    /// Every member this one believes alive, itself included (what it gossips).
    public var aliveMembers: [MemberInfo] {
        [me] + peers.values.filter(\.alive).map(\.info).sorted { $0.id < $1.id }
    }

    /// Ids of alive peers.
    public var alivePeerIDs: Set<String> { Set(peers.values.filter(\.alive).map(\.info.id)) }

    /// A snapshot of every peer.
    public func statuses(now: Instant) -> [PeerStatus] {
        peers.values.map {
            PeerStatus(info: $0.info, alive: $0.alive, silentFor: $0.lastHeard.duration(to: now), deaths: $0.deaths)
        }.sorted { $0.info.id < $1.info.id }
    }
}
