/// How a mesh member is set up. Every field has a documented default.
public struct MeshConfiguration: Sendable {
    /// This member's id: 1–64 characters from `A–Z a–z 0–9 _ -`. Connection ids start with it, so it
    /// must be unique in the mesh. Default: `m-` and 8 random characters.
    public var memberID: String
    /// What this member is (node, gateway, bare member).
    public var role: MemberInfo.Role
    /// Where the ROUTER listens; this is the endpoint other members `--join`.
    /// Default `tcp://127.0.0.1:6000`. Port `0` or `*` picks a free port.
    public var endpoint: String
    /// Where the PUB listens. Default: `nil`, meaning the endpoint's port + 1 (or a free port when the
    /// endpoint's port is picked by the system).
    public var publishEndpoint: String?
    /// ROUTER endpoints of existing members to join through. Empty: start a new mesh.
    public var join: [String]
    /// How often a heartbeat goes to every peer. Default 500 ms.
    public var heartbeatInterval: Duration
    /// Silence after which a peer is declared dead. Default 2.5 s.
    public var deadAfter: Duration
    /// Silence after which a dead peer is forgotten: its SUB connection and DEALER are closed (they
    /// would otherwise try to reconnect to it forever), and it leaves the member list and `/health`.
    /// If it comes back it joins again as a new peer. Seeds (``join``) are never forgotten, so a
    /// partition longer than this still heals; a seed is recognised by the endpoint it advertises, and
    /// a ``join`` entry that names a host (`tcp://localhost:7000`) is resolved once at start to match
    /// it (`tcp://127.0.0.1:7000`). Must be longer than ``deadAfter``; `nil`: never.
    /// Default 60 s.
    public var forgetAfter: Duration? = .seconds(60)
    /// How long a group-management request waits for the owner's ack. Default 5 s.
    public var requestTimeout: Duration
    /// How long a subscription barrier waits for each peer. Default 2 s.
    public var barrierTimeout: Duration
    /// Envelopes accepted but not yet handed to ZeroMQ before `publish` starts waiting (backpressure). Default 8192.
    public var publishQueueLimit: Int
    /// ZeroMQ high-water marks in messages per peer (a message may be a batch of up to
    /// ``maxBatchEnvelopes`` envelopes). Default 10,000. PUB never drops: it is
    /// set to `XPUB_NODROP`, so a full pipe holds the publisher back instead.
    public var highWaterMark: Int32
    /// The largest inbound frame accepted. Default 16 MiB.
    public var maxFrameSize: Int
    /// Envelopes of one topic queued back to back are packed into one ZeroMQ message of at most this
    /// many envelopes (a *batch*, `docs/mesh-protocol.md` section 2.4): ZeroMQ's cost is mostly per
    /// message, so under load this multiplies what one hop carries. A lone envelope always leaves on
    /// its own, so an idle mesh adds no delay. Default 64; 1 turns batching off.
    public var maxBatchEnvelopes: Int = 64
    /// Whether a publisher hands each envelope to ZeroMQ on its own thread, rather than queueing it
    /// for the member's I/O thread. Lower latency (no wake-up of, and on a busy machine no wait for,
    /// the I/O thread: mesh hop p50 at 100 k/s about a third lower on a 2-core machine), but no
    /// batches from a publisher's bursts: about 40 % less throughput per publisher and more CPU per
    /// envelope at both ends (`docs/benchmarks.md`, section 1). Publishes with `deferWake` are
    /// batched either way (by the publisher's ``MeshMember/flushPublishes()``). A publisher never waits
    /// for another thread that is sending: it leaves its envelope to that thread, which sends it before
    /// it lets go. Default `false`.
    public var sendImmediately = false
    /// Whether the member's I/O thread runs under Linux's `SCHED_BATCH` policy: it gets its fair share
    /// of the CPU as before, but a publish (or an arriving message) that wakes it does not preempt the
    /// thread that is running. On a busy machine the publisher then keeps the core for its burst and
    /// the I/O thread finds a longer queue to batch, instead of the two trading the core per envelope:
    /// on a 2-core machine, mesh hop runs made ~20 % (quick, 11 pairs) and ~13 % (full size, 3 of 4
    /// pairs) more throughput with it, the publisher spent ~20 % less CPU per envelope, and the paced
    /// publisher was about a third as late; latency did not improve. The cost: when other work
    /// oversubscribes the CPU, the I/O thread waits longer for it. A gateway under a full test suite's
    /// load passed about a quarter fewer requests per second, and with every member of the benchmark's
    /// fan-out (gateway, two nodes, load clients on 2 cores) under it, fan-out did not gain and had
    /// its worst tail (`docs/benchmarks-history.md`, sessions 13 and 14). Only the I/O thread is
    /// affected, not the threads that publish. Ignored elsewhere than Linux. Default `false`.
    public var ioThreadBatchScheduling = false
    /// A batch stops growing at this many bytes (an envelope larger than it leaves alone). It also
    /// bounds what one pipe slot of the high-water mark can hold. Default 16 KiB.
    public var maxBatchBytes: Int = 16 << 10
    /// Kernel socket buffer size for the PUB and SUB sockets, in bytes. Default `nil`: the OS default.
    public var socketBufferSize: Int32?
    /// Published envelopes kept for replay to members that missed some, across topics. Default 200,000.
    /// 0 turns repair off (gaps are then only detected and reported).
    public var replayCapacity: Int
    /// Envelopes older than this are dropped from the replay buffer. Default 60 s.
    public var replayMaxAge: Duration
    /// When the PUB socket has refused messages for this long (a subscriber stopped reading), fan-out
    /// turns lossy for ``lossyPeriod`` so the other members keep receiving; the stalled member repairs
    /// from the replay buffer afterwards (or reports what is older than it as lost). `nil`: never —
    /// strict backpressure, one stalled member holds everyone back once the pipes and socket buffers
    /// are full. Default 500 ms.
    public var stallTimeout: Duration?
    /// How long fan-out stays lossy after a stall was detected. Default 1 s.
    public var lossyPeriod: Duration
    /// How long a receiver waits for a replay before it declares the missing messages lost. Default 5 s.
    public var repairTimeout: Duration

    /// Creates a configuration; see each property for its default.
    public init(
        memberID: String? = nil,
        role: MemberInfo.Role = .member,
        endpoint: String = "tcp://127.0.0.1:6000",
        publishEndpoint: String? = nil,
        join: [String] = [],
        heartbeatInterval: Duration = .milliseconds(500),
        deadAfter: Duration = defaultDeadAfter,
        requestTimeout: Duration = .seconds(5),
        barrierTimeout: Duration = .seconds(2),
        publishQueueLimit: Int = 8192,
        highWaterMark: Int32 = 10_000,
        maxFrameSize: Int = MeshCodec.defaultMaxFrameSize,
        replayCapacity: Int = 200_000,
        replayMaxAge: Duration = .seconds(60),
        stallTimeout: Duration? = .milliseconds(500),
        lossyPeriod: Duration = .seconds(1),
        repairTimeout: Duration = .seconds(5)
    ) {
        self.memberID = memberID ?? Self.randomMemberID()
        self.role = role
        self.endpoint = endpoint
        self.publishEndpoint = publishEndpoint
        self.join = join
        self.heartbeatInterval = heartbeatInterval
        self.deadAfter = deadAfter
        self.requestTimeout = requestTimeout
        self.barrierTimeout = barrierTimeout
        self.publishQueueLimit = publishQueueLimit
        self.highWaterMark = highWaterMark
        self.maxFrameSize = maxFrameSize
        self.socketBufferSize = nil
        self.replayCapacity = replayCapacity
        self.replayMaxAge = replayMaxAge
        self.stallTimeout = stallTimeout
        self.lossyPeriod = lossyPeriod
        self.repairTimeout = repairTimeout
    }

    /// The batch sizes ``maxBatchEnvelopes`` may take (the count is a 16-bit field of the batch).
    public static let maxBatchEnvelopesRange = 1...65_535

    /// Why a high-water mark or batch size cannot be used, naming them as `hwmName` and
    /// `batchName` (a property or a command-line flag); nil when both can. A member refuses to start
    /// with either (``MeshMember/init(configuration:logger:)``). A high-water mark of 0 (ZeroMQ: no
    /// limit) is refused: it would let a stalled peer's pipe grow without bound.
    public static func flagProblem(
        highWaterMark: Int32,
        maxBatchEnvelopes: Int,
        hwmFlag hwmName: String = "--mesh-hwm",
        batchFlag batchName: String = "--mesh-max-batch"
    ) -> String? {
        if highWaterMark < 1 { return "\(hwmName) must be at least 1 (messages per peer)" }
        if !maxBatchEnvelopesRange.contains(maxBatchEnvelopes) { return "\(batchName) must be 1 to 65535 (1: no batching)" }
        return nil
    }

    /// Why a forget-after value in seconds (a command-line flag named `flag`; 0: never) cannot be
    /// used with the default ``deadAfter``; nil when it can.
    public static func forgetAfterProblem(seconds: Int, flag: String = "--mesh-forget-after") -> String? {
        guard seconds < 0 || (seconds > 0 && Duration.seconds(seconds) <= defaultDeadAfter) else { return nil }
        return "\(flag) must be 0 (never) or more seconds than the \(defaultDeadAfter) after which a silent member is declared dead"
    }

    /// The default ``deadAfter``.
    public static let defaultDeadAfter: Duration = .milliseconds(2500)

    static func randomMemberID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return "m-" + String(decoding: (0..<8).map { _ in alphabet.randomElement()! }, as: UTF8.self)
    }

    /// Checks the configuration and resolves the bind endpoints.
    func resolvedEndpoints() throws(HubMeshError) -> (router: String, publish: String) {
        guard ConnectionID.isValidMemberID(memberID) else {
            throw HubMeshError(code: .configuration, message: "member id '\(memberID)' must be 1–64 characters from A–Z a–z 0–9 _ -")
        }
        guard deadAfter > heartbeatInterval else {
            throw HubMeshError(code: .configuration, message: "deadAfter must be longer than heartbeatInterval")
        }
        if let forgetAfter, forgetAfter <= deadAfter {
            throw HubMeshError(code: .configuration, message: "forgetAfter must be longer than deadAfter")
        }
        if let problem = Self.flagProblem(
            highWaterMark: highWaterMark,
            maxBatchEnvelopes: maxBatchEnvelopes,
            hwmFlag: "highWaterMark",
            batchFlag: "maxBatchEnvelopes"
        ) {
            throw HubMeshError(code: .configuration, message: problem)
        }
        guard maxBatchBytes > 0 else {
            throw HubMeshError(code: .configuration, message: "maxBatchBytes must be at least 1")
        }
        guard let (prefix, port) = Self.split(endpoint) else {
            throw HubMeshError(code: .configuration, message: "endpoint '\(endpoint)' must look like tcp://127.0.0.1:6000")
        }
        let router = port == "0" ? prefix + ":*" : endpoint
        if let publishEndpoint {
            guard let (pubPrefix, pubPort) = Self.split(publishEndpoint) else {
                throw HubMeshError(code: .configuration, message: "publish endpoint '\(publishEndpoint)' must look like tcp://127.0.0.1:6001")
            }
            return (router, pubPort == "0" ? pubPrefix + ":*" : publishEndpoint)
        }
        if let number = Int(port), number > 0, number < 65535 {
            return (router, "\(prefix):\(number + 1)")
        }
        return (router, prefix + ":*")
    }

    static func split(_ endpoint: String) -> (String, String)? {
        guard endpoint.hasPrefix("tcp://"), let colon = endpoint.lastIndex(of: ":"), colon > endpoint.index(endpoint.startIndex, offsetBy: 6)
        else { return nil }
        let port = String(endpoint[endpoint.index(after: colon)...])
        guard port == "*" || Int(port) != nil else { return nil }
        return (String(endpoint[..<colon]), port)
    }
}
