import Logging
import Synchronization
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// The I/O thread of a member: the only code that touches its ZeroMQ sockets.
///
/// Sockets: an XPUB (data fan-out; reads subscription messages to answer barriers), a SUB connected
/// to every peer's PUB, a ROUTER for directed traffic in, and one DEALER per peer for directed
/// traffic out. Swift code talks to it through ``MeshInbox``; deliveries go out through handlers.
/// The XPUB is the exception: it sits in the inbox's ``PublishLane``, under its lock, so publishers
/// send on their own threads; this thread uses it under the same lock.
final class MeshIO: @unchecked Sendable {
    let configuration: MeshConfiguration
    let me: MemberInfo
    let inbox: MeshInbox
    let logger: Logger
    let context: Context
    /// The XPUB's `ZMQ_FD`: readable when the socket may have subscription messages to read.
    let publisherSignal: Int32
    let subscriber: Socket
    let router: Socket
    let poller = Poller()
    let clock = ContinuousClock()

    /// Written by the I/O thread, read by anyone.
    let snapshot: Mutex<MeshSnapshot>
    let events: AsyncStream<MeshEvent>.Continuation
    let requests: AsyncStream<(origin: String, request: GroupManagement)>.Continuation

    var membership: Membership<ContinuousClock.Instant>
    var lastHeardOrigin: String?
    /// The previous hub message's decoded prefix (see ``MeshCodec/PrefixCache``).
    var prefixCache = MeshCodec.PrefixCache()
    /// Deliveries counted but not yet added to `counters.received`: one dictionary update per run
    /// of one kind instead of one per message (``flushReceivedCount()``).
    var receivedRun: (kind: String, count: Int) = ("", 0)
    /// The handler of the hub delivered to last: streams mostly repeat their hub.
    var lastHandler: (hub: String, handler: (@Sendable (MeshDelivery) -> Void)?)?
    /// When each peer's PUB last reached our SUB (any frame), or when we connected to it.
    var heardOnSubscriber: [String: ContinuousClock.Instant] = [:]
    /// Whether the last drain emptied the SUB: we are not behind on reading it.
    var subscriberDrained = true
    /// Whether the last drain emptied the ROUTER (else the next turn reads it without asking poll).
    var routerDrained = true
    /// Fault injection for tests: peers whose subscription link is cut at the next turn, silently
    /// (as a broken pipe would), to show that the link check notices and repairs it.
    let injectedLinkCuts = Mutex<Set<String>>([])
    /// After a stall: flushes go out on the topics published since `flushSince` until `flushUntil`
    /// (see `publishFlushes`), so a stalled member's tail loss shows up as a gap before a flush.
    var flushSince: ContinuousClock.Instant?
    var flushUntil: ContinuousClock.Instant?
    var tracker = SequenceTracker()
    var counters = MeshCounters()
    var metrics = MeshMetrics()
    var handlers: [String: @Sendable (MeshDelivery) -> Void] = [:]
    /// DEALER sockets by ROUTER endpoint; peers map to endpoints.
    var dealers: [String: Socket] = [:]
    var peerEndpoints: [String: (router: String, publish: String)] = [:]
    /// Join seeds not yet answered, by endpoint.
    var unansweredSeeds: Set<String>
    var repairs: [RepairKey: TopicRepair<MeshDelivery>] = [:]
    var repairDeadlines: [RepairKey: ContinuousClock.Instant] = [:]
    var lossyUntil: ContinuousClock.Instant?
    var barriers: [String: PendingBarrier] = [:]
    var barrierCounter: UInt64 = 0
    var pending: [UInt64: PendingRequest] = [:]
    var ackCounter: UInt64 = 0
    /// When our own join barrier completed (our subscriptions are active at every peer).
    var ownBarrierDoneAt: ContinuousClock.Instant?
    /// Peers whose barrier subscriptions reached our XPUB: their subscriptions to us are active.
    var peersSubscribedToMe: Set<String> = []
    var joined = false
    var nextHeartbeat: ContinuousClock.Instant
    var nextSnapshot: ContinuousClock.Instant
    var stopping = false

    struct RepairKey: Hashable {
        var origin: String
        var topic: [UInt8]

        func hash(into hasher: inout Hasher) {
            hasher.combine(origin)
            topic.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    struct PendingBarrier {
        var topic: Topic
        var waiting: Set<String>
        var deadline: ContinuousClock.Instant
        var completion: @Sendable ([String]) -> Void
    }

    struct PendingRequest {
        var owner: String
        var deadline: ContinuousClock.Instant
        var completion: @Sendable (HubMeshError?) -> Void
    }

    init(
        configuration: MeshConfiguration,
        logger: Logger,
        events: AsyncStream<MeshEvent>.Continuation,
        requests: AsyncStream<(origin: String, request: GroupManagement)>.Continuation
    ) throws(HubMeshError) {
        self.configuration = configuration
        self.logger = logger
        self.events = events
        self.requests = requests
        let (routerEndpoint, publishEndpoint) = try configuration.resolvedEndpoints()
        let publisher: Socket
        do {
            context = try Context()
            publisher = try Socket(context, type: .xpub)
            try publisher.setXPubNoDrop(true)
            try publisher.setSendHighWaterMark(configuration.highWaterMark)
            try publisher.setLinger(milliseconds: 2000)
            subscriber = try Socket(context, type: .sub)
            try subscriber.setReceiveHighWaterMark(configuration.highWaterMark)
            try subscriber.setMaxMessageSize(Int64(configuration.maxFrameSize))
            try subscriber.setReconnectInterval(100, max: 1000)
            try subscriber.setLinger(milliseconds: 0)
            router = try Socket(context, type: .router)
            try router.setRouterHandover(true)
            try router.setReceiveHighWaterMark(configuration.highWaterMark)
            try router.setMaxMessageSize(Int64(configuration.maxFrameSize))
            try router.setLinger(milliseconds: 0)
            if let size = configuration.socketBufferSize {
                try publisher.setSendBufferSize(size)
                try subscriber.setReceiveBufferSize(size)
            }
        } catch {
            throw HubMeshError(code: .transport, message: "could not create the member's sockets: \(error.message)")
        }
        let boundRouter: String
        let boundPublish: String
        do {
            boundRouter = try router.bind(routerEndpoint)
        } catch {
            throw HubMeshError(code: .transport, message: "could not bind the mesh endpoint \(routerEndpoint): \(error.message)")
        }
        do {
            boundPublish = try publisher.bind(publishEndpoint)
        } catch {
            throw HubMeshError(code: .transport, message: "could not bind the publish endpoint \(publishEndpoint): \(error.message)")
        }
        me = MemberInfo(
            id: configuration.memberID,
            epoch: Self.makeEpoch(),
            role: configuration.role,
            publishEndpoint: boundPublish,
            routerEndpoint: boundRouter
        )
        membership = Membership(
            me: me, deadAfter: configuration.deadAfter, forgetAfter: configuration.forgetAfter,
            keeping: configuration.join.reduce(into: Set()) { $0.formUnion(SeedEndpoints.spellings(of: $1)) })
        unansweredSeeds = Set(configuration.join.filter { $0 != boundRouter })
        let now = clock.now
        nextHeartbeat = now
        nextSnapshot = now
        snapshot = Mutex(MeshSnapshot(me: me, peers: [], joined: false, counters: MeshCounters()))
        do {
            publisherSignal = try publisher.fileDescriptor
            inbox = try MeshInbox(
                limit: configuration.publishQueueLimit, immediate: configuration.sendImmediately,
                lane: PublishLane(socket: publisher, origin: me.id, epoch: me.epoch, configuration: configuration, logger: logger))
        } catch {
            throw HubMeshError(code: .transport, message: "could not set up the member's publish lane: \(error.message)")
        }
        let items = [
            poller.add(fileDescriptor: inbox.wake.fileDescriptor), poller.add(fileDescriptor: publisherSignal), poller.add(subscriber),
            poller.add(router),
        ]
        assert(items == [PollItem.wake, PollItem.publisher, PollItem.subscriber, PollItem.router])
    }

    /// The poller's items, by index.
    enum PollItem {
        static let wake = 0
        static let publisher = 1
        static let subscriber = 2
        static let router = 3
    }

    /// Microseconds since 1970: increases across restarts of the same member.
    static func makeEpoch() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) &* 1_000_000 &+ UInt64(now.tv_nsec / 1000)
    }

    // MARK: - The loop

    /// Runs until stopped. Called on the dedicated thread.
    func run() {
        // The sockets were created on the initializing thread; thread start is a full memory barrier.
        // Every member publishes a heartbeat on its PUB too: the sign that our link to its PUB works.
        do { try subscriber.subscribe(Topic.linkHeartbeat.bytes) } catch { logger.error("subscribe failed: \(error)") }
        for seed in unansweredSeeds { sayHello(toEndpoint: seed) }
        if unansweredSeeds.isEmpty { checkJoined() }
        var commands: [MeshCommand] = []
        while !stopping {
            let lane = inbox.take(into: &commands)
            for command in commands { execute(command) }
            let tookCommands = !commands.isEmpty
            commands.removeAll(keepingCapacity: commands.capacity <= 65_536)
            if stopping { break }
            // Frames ZeroMQ refused are retried every millisecond. A publisher's send may have taken
            // the XPUB's ZMQ_FD signal for a subscription message: look again within 5 ms.
            let timeout = lane.queued ? 1 : lane.sentByPublishers ? min(5, pollTimeout()) : pollTimeout()
            // A turn that does not poll reads every socket; one that polls reads those the poll found
            // readable, and those a drain left behind on its budget. An empty read is not free: each
            // one makes libzmq check the socket's command mailbox (`getpid` and `poll` system calls),
            // and a paced publisher causes a turn per message.
            var ready = Readiness.all
            if !tookCommands && !subscriptionsWait() {
                do {
                    try poller.poll(timeoutMilliseconds: timeout)
                } catch {
                    logger.error("poll failed, stopping the member", metadata: ["hubmesh.error": "\(error)"])
                    break
                }
                if poller.readyEvents(at: PollItem.wake).contains(.readable) { inbox.wake.drain() }
                ready = Readiness(
                    publisher: poller.readyEvents(at: PollItem.publisher).contains(.readable),
                    subscriber: !subscriberDrained || poller.readyEvents(at: PollItem.subscriber).contains(.readable),
                    router: !routerDrained || poller.readyEvents(at: PollItem.router).contains(.readable))
            }
            if ready.publisher { drainPublisher() }
            if ready.subscriber { drainSubscriber(budget: 20_000) }
            if ready.router { drainRouter(budget: 10_000) }
            flushLane()
            timers()
        }
        shutdown()
    }

    /// Which sockets a turn reads (see ``run()``).
    struct Readiness {
        var publisher: Bool
        var subscriber: Bool
        var router: Bool

        static let all = Readiness(publisher: true, subscriber: true, router: true)
    }

    /// Whether the XPUB holds subscription messages although its `ZMQ_FD` may not say so (this
    /// thread's own sends can take that signal): then the turn does not sleep.
    func subscriptionsWait() -> Bool {
        do {
            return try inbox.hasSubscriptions()
        } catch {
            logger.error("reading the publish socket's events failed: \(error)")
            return false
        }
    }

    func pollTimeout() -> Int {
        Self.pollTimeout(from: clock.now, until: min(nextHeartbeat, nextSnapshot))
    }

    /// How long a turn may sleep in poll before the next timer is due: whole milliseconds (what
    /// `zmq_poll` takes), at most 100, rounded *up*. Rounded down, every turn in the last millisecond
    /// before each deadline polled with a zero timeout: an idle member spun ~6 ms of CPU a second
    /// (a snapshot every 100 ms, a heartbeat every 500), thousands of polls a second for nothing.
    /// Waking up to a millisecond late is what the timers allow anyway.
    static func pollTimeout(from now: ContinuousClock.Instant, until deadline: ContinuousClock.Instant) -> Int {
        let wait = now.duration(to: deadline)
        guard wait > .zero else { return 0 }
        guard wait < .milliseconds(100) else { return 100 }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let (seconds, attoseconds) = wait.components  // seconds is 0 here
        return Int(seconds * 1000 + (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond)
    }

    func execute(_ command: MeshCommand) {
        switch command {
        case .subscribe(let topic):
            do { try subscriber.subscribe(topic.bytes) } catch { logger.error("subscribe failed: \(error)") }
        case .unsubscribe(let topic):
            do { try subscriber.unsubscribe(topic.bytes) } catch { logger.error("unsubscribe failed: \(error)") }
            tracker.forget(topic: topic.bytes)
        case .barrier(let peers, let completion):
            startBarrier(peers: peers ?? membership.alivePeerIDs, completion: completion)
        case .groupManagement(let request, let owner, let completion):
            sendRequest(request, owner: owner, completion: completion)
        case .ack(let origin, let ack):
            sendDirected(.hub(.ack(ack)), toMember: origin)
        case .register(let hub, let handler):
            handlers[hub] = handler
            lastHandler = nil
        case .stop:
            stopping = true
        }
    }

    /// Hands queued frames to the XPUB without blocking (the rest waits for the next turn); notes a stall.
    /// - Returns: how many publishes left the queue.
    @discardableResult
    func flushLane() -> Int {
        let now = clock.now
        let flushed = inbox.flush(now: now)
        if flushed.blocked { noteBlocked(now: now) }
        return flushed.sent
    }

    /// Queues a frame on the XPUB behind everything already queued (order is kept).
    func publishLocally(_ body: MeshMessage.Body) {
        do {
            try inbox.queueLocally(body, origin: me.id, epoch: me.epoch)
        } catch {
            logger.error("could not encode \(body): \(error)")
        }
    }

    func shutdown() {
        // Say goodbye so peers mark this member dead at once, and give queued publishes a moment to leave.
        for peer in membership.alivePeerIDs { sendDirected(.control(.bye), toMember: peer) }
        let deadline = clock.now.advanced(by: .seconds(2))
        while inbox.queued > 0 && clock.now < deadline {
            if flushLane() == 0 { _ = try? poller.poll(timeoutMilliseconds: 5) }
        }
        let left = inbox.queued
        if left > 0 {
            logger.warning("stopping with \(left) envelopes not handed to ZeroMQ")
        }
        for (_, request) in pending {
            request.completion(HubMeshError(code: .notRunning, message: "the mesh member is shutting down"))
        }
        pending.removeAll()
        for (_, barrier) in barriers { barrier.completion(Array(barrier.waiting)) }
        barriers.removeAll()
        publishSnapshot()
        for dealer in dealers.values {
            try? dealer.setLinger(milliseconds: 200)
            dealer.close()
        }
        dealers.removeAll()
        subscriber.close()
        router.close()
        inbox.withLane { $0.close() }
        // Without this, a process that exits right after stopping loses what libzmq still had queued
        // (the PUB's linger bounds the wait).
        context.terminate()
        events.finish()
        requests.finish()
    }
}
