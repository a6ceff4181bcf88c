import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// A member of a HubMesh mesh: a node, a gateway, or a bare member.
///
/// It owns one I/O thread with its ZeroMQ sockets (XPUB, SUB, ROUTER, and a DEALER per peer).
/// Swift code publishes envelopes, manages reference-counted topic subscriptions and sends group
/// management requests; deliveries arrive on per-hub handlers. Run it as a `Service`:
///
/// ```swift
/// let member = try MeshMember(configuration: .init(memberID: "node-a", endpoint: "tcp://127.0.0.1:6000"))
/// try await ServiceGroup(services: [member], logger: logger).run()
/// ```
public final class MeshMember: Service, Sendable {
    /// What this member tells others about itself (endpoints as bound).
    public let info: MemberInfo
    /// The configuration it was created with.
    public let configuration: MeshConfiguration

    let io: MeshIO
    let inbox: MeshInbox
    let logger: Logger
    let subscriptions = Mutex(SubscriptionState())
    private let eventStream: AsyncStream<MeshEvent>
    private let requestStream: AsyncStream<(origin: String, request: GroupManagement)>
    private let started = Atomic<Bool>(false)
    /// The I/O thread's scheduling policy as the kernel reported it once the thread started (-1 before,
    /// or where there is none to report).
    let ioThreadPolicy = Atomic<Int32>(-1)
    private let groupHandlers = Mutex<[String: @Sendable (GroupManagement) async -> HubMeshError?]>([:])

    struct SubscriptionState: ~Copyable {
        var table = TopicSubscriptions()
        var waiters: [Topic: [CheckedContinuation<Void, Never>]] = [:]
    }

    /// Creates the member and binds its sockets (so a port conflict is reported here, at once).
    /// Nothing runs until ``run()``.
    public init(configuration: MeshConfiguration, logger: Logger = Logger(label: "hubmesh.mesh")) throws(HubMeshError) {
        var logger = logger
        logger[metadataKey: "hubmesh.member"] = "\(configuration.memberID)"
        self.logger = logger
        self.configuration = configuration
        let (events, eventContinuation) = AsyncStream<MeshEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let (requests, requestContinuation) = AsyncStream<(origin: String, request: GroupManagement)>.makeStream()
        eventStream = events
        requestStream = requests
        io = try MeshIO(
            configuration: configuration,
            logger: logger,
            events: eventContinuation,
            requests: requestContinuation
        )
        info = io.me
        inbox = io.inbox
    }

    /// This member's id.
    public var id: String { info.id }

    /// Runs the member until the task is cancelled or a graceful shutdown is triggered.
    public func run() async throws {
        guard !started.exchange(true, ordering: .relaxed) else {
            throw HubMeshError(code: .configuration, message: "MeshMember.run() must be called only once")
        }
        logger.info(
            "mesh member starting",
            metadata: [
                "hubmesh.endpoint": "\(info.routerEndpoint)", "hubmesh.publish": "\(info.publishEndpoint)", "hubmesh.join": "\(configuration.join)",
                "hubmesh.hwm": "\(configuration.highWaterMark)", "hubmesh.batch.max": "\(configuration.maxBatchEnvelopes)",
                "hubmesh.send": "\(configuration.sendImmediately ? "immediately" : "batched")",
                "hubmesh.io.scheduling": "\(configuration.ioThreadBatchScheduling ? "batch" : "normal")",
                "hubmesh.forget_after": "\(configuration.forgetAfter.map { "\($0)" } ?? "never")",
            ]
        )
        let io = self.io
        let inbox = self.inbox
        let member = self
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    group.addTask {
                        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                            let thread = Thread {
                                member.prepareIOThread()
                                io.run()
                                continuation.resume()
                            }
                            thread.name = "hubmesh-io"
                            thread.stackSize = 1 << 20
                            thread.start()
                        }
                    }
                    group.addTask { await self.serveGroupManagement() }
                }
            } onGracefulShutdown: {
                inbox.stop()
            }
        } onCancel: {
            inbox.stop()
        }
        logger.info("mesh member stopped")
    }

    /// On the I/O thread, before it runs: names it `hubmesh-io` for the OS (`ps -L`, `top -H`, perf;
    /// Foundation's `Thread.name` does not reach the kernel on Linux) and applies
    /// ``MeshConfiguration/ioThreadBatchScheduling``.
    private func prepareIOThread() {
        IOThreadScheduling.nameCurrentThread("hubmesh-io")
        if configuration.ioThreadBatchScheduling, let problem = IOThreadScheduling.applyBatch() {
            logger.warning(
                "the mesh I/O thread stays under the default scheduling policy",
                metadata: ["hubmesh.io.scheduling": "batch", "hubmesh.error": "\(problem)"])
        }
        ioThreadPolicy.store(IOThreadScheduling.currentPolicy() ?? -1, ordering: .releasing)
    }

    /// Names the calling thread for the OS (`ps -L`, `top -H`, perf; at most 15 bytes), as the
    /// member names its I/O thread: for the threads of a process that embeds a member (the gateway's
    /// `hubmesh-ingress`). Best effort; Linux only.
    public static func nameCurrentThread(_ name: String) {
        IOThreadScheduling.nameCurrentThread(name)
    }

    /// Asks the member to stop; ``run()`` returns once sockets are closed.
    public func stop() { inbox.stop() }

    private func serveGroupManagement() async {
        await withDiscardingTaskGroup { group in
            for await (origin, request) in requestStream {
                let handler = groupHandlers.withLock { $0[request.hub] }
                group.addTask {
                    let error: HubMeshError?
                    if let handler {
                        error = await handler(request)
                    } else {
                        error = HubMeshError(code: .refused, message: "hub '\(request.hub)' is not served by member \(self.id)")
                    }
                    self.inbox.send(.ack(to: origin, Ack(hub: request.hub, ackID: request.ackID, error: error)))
                }
            }
        }
    }

    // MARK: - Hubs

    /// Serves a hub: `deliver` is called for every envelope of that hub received from peers, on the
    /// member's I/O thread — it must not block. `groupManagement` answers add/remove requests for
    /// connections owned by this member.
    public func register(
        hub: String,
        deliver: @escaping @Sendable (MeshDelivery) -> Void,
        groupManagement: @escaping @Sendable (GroupManagement) async -> HubMeshError?
    ) {
        groupHandlers.withLock { $0[hub] = groupManagement }
        inbox.send(.register(hub: hub, handler: deliver))
    }

    /// The member's ZeroMQ context. A process with more sockets of its own (the gateway's ingress
    /// ROUTER) creates them here, so one libzmq I/O thread serves both; the member terminates it
    /// when it stops, which waits until those sockets are closed.
    public var zeroMQContext: Context { io.context }

    // MARK: - Publishing

    /// Publishes an `All`, `Connection`, `Group` or `User` envelope to the peers subscribed to its topic.
    ///
    /// Returns once the envelope is queued for ZeroMQ; waits while the queue is over
    /// ``MeshConfiguration/publishQueueLimit`` (backpressure instead of loss).
    /// - Throws: ``HubMeshError`` with `.invalidName` for empty or NUL-containing names, `.refused` for
    ///   group management and acks (internal to the mesh), `.notRunning` after shutdown.
    public func publish(_ envelope: HubEnvelope) async throws(HubMeshError) {
        try Self.checkPublishable(envelope)
        try await inbox.publish(.hub(envelope), origin: info.id, epoch: info.epoch, kind: envelope.kindName)
    }

    /// Like ``publish(_:)``, but blocks the calling thread while the queue is full.
    ///
    /// For a dedicated thread that owns its own sockets (the gateway's ingress thread): it stops
    /// reading requests while the mesh is behind, so backpressure reaches the publishers.
    /// Never call it from Swift concurrency's cooperative pool.
    ///
    /// With `deferWake`, the envelope is only queued: publish a burst this way, then call
    /// ``flushPublishes()`` once, which sends the burst in batches on the calling thread (no
    /// hand-off to the I/O thread). Without the flush it leaves at the I/O thread's next turn (at
    /// most 100 ms later). A call that has to wait sends what is queued first.
    public func publishBlocking(_ envelope: HubEnvelope, deferWake: Bool = false) throws(HubMeshError) {
        try Self.checkPublishable(envelope)
        try inbox.publishBlocking(.hub(envelope), origin: info.id, epoch: info.epoch, kind: envelope.kindName, deferWake: deferWake)
    }

    /// Group management and acks are internal; an envelope without payloads is a flush (internal
    /// too, and never delivered): publishing either would lose it silently, so both are refused.
    static func checkPublishable(_ envelope: HubEnvelope) throws(HubMeshError) {
        switch envelope {
        case .groupManagement, .ack:
            throw HubMeshError(code: .refused, message: "group management and acks are internal to the mesh and cannot be published")
        case .all, .connection, .group, .user:
            guard !envelope.isFlush else {
                throw HubMeshError(code: .refused, message: "an envelope needs at least one payload (json, messagepack, …); none would reach anyone")
            }
        }
    }

    /// Sends, on the calling thread, the envelopes published with `deferWake` (see ``publishBlocking(_:deferWake:)``),
    /// in batches; if another thread is sending at that moment, that thread sends them before it lets go.
    public func flushPublishes() {
        inbox.flushPublishes()
    }

    // MARK: - Subscriptions

    /// Adds one local user of `topic`. The first user subscribes and waits until every live peer
    /// has confirmed the subscription (a barrier), so whatever a peer publishes afterwards arrives.
    public func subscribe(_ topic: Topic) async {
        let action = subscriptions.withLock { $0.table.add(topic) }
        switch action {
        case .none, .unsubscribe:
            return
        case .subscribe:
            inbox.send(.subscribe(topic))
            inbox.send(
                .barrier(peers: nil) { [weak self] missing in
                    self?.confirm(topic, missing: missing)
                }
            )
            await waitConfirmed(topic)
        case .wait:
            await waitConfirmed(topic)
        }
    }

    /// Removes one local user of `topic`; the last one unsubscribes.
    public func unsubscribe(_ topic: Topic) {
        let action = subscriptions.withLock { $0.table.remove(topic) }
        if action == .unsubscribe { inbox.send(.unsubscribe(topic)) }
    }

    private func waitConfirmed(_ topic: Topic) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = subscriptions.withLock { state -> Bool in
                if state.table.count(of: topic) == 0 || state.table.isConfirmed(topic) { return true }
                state.waiters[topic, default: []].append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func confirm(_ topic: Topic, missing: [String]) {
        if !missing.isEmpty {
            logger.warning("subscription not confirmed by \(missing) in time", metadata: ["hubmesh.topic": "\(topic)"])
        }
        let waiters = subscriptions.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.table.confirmed(topic)
            return state.waiters.removeValue(forKey: topic) ?? []
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until every live peer has confirmed this member's current subscriptions.
    /// - Returns: the peers that did not answer within the barrier timeout.
    @discardableResult
    public func barrier() async -> [String] {
        await withCheckedContinuation { continuation in
            inbox.send(.barrier(peers: nil) { missing in continuation.resume(returning: missing) })
        }
    }

    // MARK: - Group management

    /// Asks the member owning `connectionID` to add it to or remove it from `group`.
    ///
    /// Fails at once with `.unknownMember` or `.memberDead` when the owner is unknown or dead, with the
    /// owner's refusal (e.g. `.unknownConnection`), or with `.timeout` after ``MeshConfiguration/requestTimeout``.
    /// Connections owned by this member are not handled here: the caller manages them locally.
    public func requestGroupChange(hub: String, action: GroupAction, group: String, connectionID: String) async throws(HubMeshError) {
        guard let owner = ConnectionID.owner(of: connectionID) else {
            throw HubMeshError(code: .invalidName, message: "connection id '\(connectionID)' does not name its member")
        }
        let request = GroupManagement(hub: hub, action: action, group: group, connectionID: connectionID, ackID: 0)
        let error: HubMeshError? = await withCheckedContinuation { continuation in
            inbox.send(.groupManagement(request, owner: owner) { error in continuation.resume(returning: error) })
        }
        if let error { throw error }
    }

    // MARK: - State

    /// Events as they happen: joins, deaths, restarts, gaps. One consumer at a time.
    public var events: MeshEvents { MeshEvents(stream: eventStream) }

    /// The current state, refreshed by the I/O thread every 100 ms and at once on join.
    public var snapshot: MeshSnapshot { io.snapshot.withLock { $0 } }

    /// Waits until the member has joined (seeds answered, subscriptions confirmed), or the timeout passes.
    /// - Returns: whether it joined.
    public func waitUntilJoined(timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline, !Task.isCancelled {
            if snapshot.joined { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return snapshot.joined
    }
}

/// Mesh events as an async sequence.
public struct MeshEvents: AsyncSequence, Sendable {
    public typealias Element = MeshEvent
    let stream: AsyncStream<MeshEvent>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<MeshEvent>.AsyncIterator
        public mutating func next() async -> MeshEvent? { await base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: stream.makeAsyncIterator()) }
}
