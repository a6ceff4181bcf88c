import Logging
import ZeroMQ

extension MeshIO {
    func handle(_ actions: [Membership<ContinuousClock.Instant>.Action]) {
        for action in actions {
            switch action {
            case .connect(let info):
                connect(to: info)
                logger.info("member joined", metadata: ["hubmesh.member": "\(info.id)", "hubmesh.endpoint": "\(info.routerEndpoint)"])
                events.yield(.memberJoined(info))
                sendDirected(.control(.hello(me)), toMember: info.id)
                // Lets the new peer see our subscriptions are active on its PUB (it waits for that to join).
                startBarrier(peers: [info.id]) { _ in }
            case .restarted(let old, let new):
                if old.routerEndpoint != new.routerEndpoint || old.publishEndpoint != new.publishEndpoint {
                    disconnect(from: old)
                    connect(to: new)
                }
                tracker.forget(origin: new.id)
                heardOnSubscriber[new.id] = clock.now
                failRequests(to: new.id, HubMeshError(code: .memberDead, message: "member \(new.id) restarted before answering"))
                peersSubscribedToMe.remove(new.id)
                logger.info("member restarted and rejoined", metadata: ["hubmesh.member": "\(new.id)"])
                events.yield(.memberRestarted(new))
                sendDirected(.control(.hello(me)), toMember: new.id)
                startBarrier(peers: [new.id]) { _ in }
            case .revived(let info):
                heardOnSubscriber[info.id] = clock.now
                // It may have missed the end of what we published while it was silent: flush it.
                keepFlushing(since: clock.now.advanced(by: .zero - configuration.replayMaxAge), until: clock.now.advanced(by: .seconds(5)))
                logger.info("member is alive again", metadata: ["hubmesh.member": "\(info.id)"])
                events.yield(.memberRevived(info))
            case .declaredDead(let info), .departed(let info):
                if case .departed = action {
                    logger.info("member left the mesh", metadata: ["hubmesh.member": "\(info.id)"])
                } else {
                    logger.warning(
                        "member declared dead",
                        metadata: ["hubmesh.member": "\(info.id)", "hubmesh.silence": "\(configuration.deadAfter)"]
                    )
                }
                events.yield(.memberDead(info))
                failRequests(to: info.id, HubMeshError(code: .memberDead, message: "member \(info.id) died before answering"))
                for token in barriers.keys { barrierAnswered(token: token, by: info.id) }
            case .forgotten(let info):
                forget(info)
                logger.info(
                    "dead member forgotten: its connections are closed; it joins again as a new member if it comes back",
                    metadata: ["hubmesh.member": "\(info.id)", "hubmesh.silence": "\(configuration.forgetAfter.map { "\($0)" } ?? "-")"]
                )
                events.yield(.memberForgotten(info))
            }
        }
    }

    func connect(to info: MemberInfo) {
        peerEndpoints[info.id] = (info.routerEndpoint, info.publishEndpoint)
        heardOnSubscriber[info.id] = clock.now
        _ = dealer(for: info.routerEndpoint)
        do {
            try subscriber.connect(info.publishEndpoint)
        } catch {
            logger.error("could not subscribe to \(info.id) at \(info.publishEndpoint): \(error)")
        }
    }

    /// Drops what this member keeps about a forgotten peer: its endpoints, its SUB connection and
    /// DEALER, its sequence numbers.
    func forget(_ info: MemberInfo) {
        disconnect(from: info)
        peerEndpoints[info.id] = nil
        heardOnSubscriber[info.id] = nil
        peersSubscribedToMe.remove(info.id)
        tracker.forget(origin: info.id)
    }

    /// Closes the SUB connection and DEALER to `info`'s endpoints, except those another known peer
    /// uses now (a new member on a dead one's port keeps its links).
    func disconnect(from info: MemberInfo) {
        let others = peerEndpoints.filter { $0.key != info.id }.values
        if !others.contains(where: { $0.publish == info.publishEndpoint }) {
            try? subscriber.disconnect(info.publishEndpoint)
        }
        if !others.contains(where: { $0.router == info.routerEndpoint }) {
            dealers.removeValue(forKey: info.routerEndpoint)?.close()
        }
    }

    func dealer(for endpoint: String) -> Socket? {
        if let dealer = dealers[endpoint] { return dealer }
        do {
            let dealer = try Socket(context, type: .dealer)
            try dealer.setRoutingID(Array(me.id.utf8))
            try dealer.setSendHighWaterMark(configuration.highWaterMark)
            try dealer.setLinger(milliseconds: 0)
            try dealer.setReconnectInterval(100, max: 1000)
            try dealer.connect(endpoint)
            dealers[endpoint] = dealer
            return dealer
        } catch {
            logger.error("could not connect to \(endpoint): \(error)")
            return nil
        }
    }

    func sayHello(toEndpoint endpoint: String) {
        send(.control(.hello(me)), via: dealer(for: endpoint), to: endpoint)
    }

    func sendDirected(_ body: MeshMessage.Body, toMember id: String) {
        guard let endpoint = peerEndpoints[id]?.router else {
            logger.debug("no route to member \(id)")
            return
        }
        send(body, via: dealer(for: endpoint), to: id)
    }

    func send(_ body: MeshMessage.Body, via dealer: Socket?, to target: String) {
        guard let dealer else { return }
        do {
            let frame = try inbox.encodeDirected(body, origin: me.id, epoch: me.epoch)
            if try !dealer.send(frame, dontWait: true) {
                if case .control(.heartbeat) = body { return }  // the next one will do
                logger.warning("directed message to \(target) dropped: its queue is full (is it stalled?)")
            }
        } catch {
            logger.error("could not send to \(target): \(error)")
        }
    }

    /// The first seed answered: close seed connections that are not a member's endpoint, then run
    /// the join barrier (our subscriptions active on every peer).
    func seedsAnswered() {
        let known = Set(peerEndpoints.values.map(\.router))
        for seed in unansweredSeeds where !known.contains(seed) {
            dealers.removeValue(forKey: seed)?.close()
        }
        unansweredSeeds.removeAll()
        checkJoined()
    }

    /// Joining has two halves: our subscriptions active at every peer (our barrier), and every peer's
    /// subscriptions active on our PUB (their barriers seen on our XPUB). Only then is nothing we
    /// publish, and nothing they publish, lost to a slow joiner.
    func checkJoined() {
        guard !joined, unansweredSeeds.isEmpty, ownBarrierDoneAt == nil else { return }
        startBarrier(peers: membership.alivePeerIDs) { [weak self] missing in
            guard let self else { return }
            if !missing.isEmpty {
                self.logger.warning("these members did not confirm our subscriptions in time: \(missing)")
            }
            self.ownBarrierDoneAt = self.clock.now
            self.checkJoinComplete(now: self.clock.now)
        }
    }

    /// Completes the join once every alive peer subscribed to us, or after the barrier timeout.
    func checkJoinComplete(now: ContinuousClock.Instant) {
        guard !joined, let doneAt = ownBarrierDoneAt else { return }
        let waiting = membership.alivePeerIDs.subtracting(peersSubscribedToMe)
        let timedOut = doneAt.duration(to: now) >= configuration.barrierTimeout
        guard waiting.isEmpty || timedOut else { return }
        joined = true
        let members = membership.aliveMembers.map(\.id)
        if waiting.isEmpty {
            logger.info("joined the mesh", metadata: ["hubmesh.members": "\(members)"])
        } else {
            logger.warning("joined the mesh, but these members have not subscribed to us yet: \(waiting.sorted())")
        }
        events.yield(.joined(members: members))
        publishSnapshot()
    }

    // MARK: - Barriers

    func startBarrier(peers: Set<String>, completion: @escaping @Sendable ([String]) -> Void) {
        guard !peers.isEmpty else {
            completion([])
            return
        }
        barrierCounter += 1
        let token = "\(me.epoch)-\(barrierCounter)"
        let topic = Topic.barrier(member: me.id, token: token)
        do {
            try subscriber.subscribe(topic.bytes)
        } catch {
            logger.error("barrier subscribe failed: \(error)")
            completion(Array(peers))
            return
        }
        barriers[token] = PendingBarrier(
            topic: topic,
            waiting: peers,
            deadline: clock.now.advanced(by: configuration.barrierTimeout),
            completion: completion
        )
    }

    func barrierAnswered(token: String, by member: String) {
        guard var barrier = barriers[token] else { return }
        barrier.waiting.remove(member)
        if barrier.waiting.isEmpty {
            finishBarrier(token: token, barrier: barrier, missing: [])
        } else {
            barriers[token] = barrier
        }
    }

    func finishBarrier(token: String, barrier: PendingBarrier, missing: [String]) {
        barriers[token] = nil
        try? subscriber.unsubscribe(barrier.topic.bytes)
        barrier.completion(missing)
    }

    // MARK: - Group management requests

    func sendRequest(_ request: GroupManagement, owner: String, completion: @escaping @Sendable (HubMeshError?) -> Void) {
        let state = membership.state(of: owner)
        guard state.known else {
            completion(
                HubMeshError(code: .unknownMember, message: "no member '\(owner)' is in the mesh; connection '\(request.connectionID)' cannot exist"))
            return
        }
        guard state.alive else {
            completion(HubMeshError(code: .memberDead, message: "member '\(owner)' owning connection '\(request.connectionID)' is dead"))
            return
        }
        ackCounter += 1
        var request = request
        request.ackID = ackCounter
        pending[ackCounter] = PendingRequest(owner: owner, deadline: clock.now.advanced(by: configuration.requestTimeout), completion: completion)
        counters.requestsSent += 1
        sendDirected(.hub(.groupManagement(request)), toMember: owner)
    }

    func failRequests(to owner: String, _ error: HubMeshError) {
        for (id, request) in pending where request.owner == owner {
            pending[id] = nil
            counters.requestsFailed += 1
            request.completion(error)
        }
    }

    // MARK: - Timers

    func timers() {
        let now = clock.now
        for id in injectedLinkCuts.withLock({ cuts in
            defer { cuts.removeAll() }; return cuts
        }) {
            if let endpoint = peerEndpoints[id]?.publish { try? subscriber.disconnect(endpoint) }
        }
        if now >= nextHeartbeat {
            nextHeartbeat = now.advanced(by: configuration.heartbeatInterval)
            let members = membership.aliveMembers
            for id in peerEndpoints.keys { sendDirected(.control(.heartbeat(members)), toMember: id) }
            publishLocally(.control(.heartbeat([])))
            publishFlushes(now: now)
            for seed in unansweredSeeds { sayHello(toEndpoint: seed) }
            handle(membership.tick(now: now))
            checkSubscriptionLinks(now: now)
        }
        for (token, barrier) in barriers where barrier.deadline <= now {
            finishBarrier(token: token, barrier: barrier, missing: Array(barrier.waiting))
        }
        for (id, request) in pending where request.deadline <= now {
            pending[id] = nil
            counters.requestsTimedOut += 1
            request.completion(
                HubMeshError(code: .timeout, message: "member '\(request.owner)' did not answer within \(configuration.requestTimeout)")
            )
        }
        checkLossy(now: now)
        if !joined && ownBarrierDoneAt != nil { checkJoinComplete(now: now) }
        if !repairDeadlines.isEmpty { expireRepairs(now: now) }
        if now >= nextSnapshot {
            nextSnapshot = now.advanced(by: .milliseconds(100))
            inbox.withLane { $0.replay.evict(now: now) }
            publishSnapshot()
        }
    }

    /// A peer that is alive (we hear it directly) but whose PUB has sent us nothing for twice
    /// `deadAfter` while we keep up with our SUB: the link to its PUB is broken (it publishes a
    /// heartbeat there every interval). Reconnecting makes a new pipe; what was missed is repaired
    /// from the peer's replay buffer through the sequence gap the next message shows.
    func checkSubscriptionLinks(now: ContinuousClock.Instant) {
        guard subscriberDrained else { return }
        let limit = configuration.deadAfter * 2
        for id in membership.alivePeerIDs {
            guard let endpoint = peerEndpoints[id]?.publish, let heard = heardOnSubscriber[id], heard.duration(to: now) > limit else {
                continue
            }
            logger.warning(
                "nothing arrived from this peer's PUB although it is alive: reconnecting the subscription; missed messages are repaired",
                metadata: ["hubmesh.member": "\(id)", "hubmesh.silence": "\(heard.duration(to: now))"]
            )
            try? subscriber.disconnect(endpoint)
            do {
                try subscriber.connect(endpoint)
            } catch {
                logger.error("could not resubscribe to \(id) at \(endpoint): \(error)")
            }
            heardOnSubscriber[id] = now
            counters.linkResets += 1
        }
    }

    func publishSnapshot() {
        flushReceivedCount()
        let (published, batches) = inbox.collectCounts()
        let waits = inbox.state.withLock { $0.backpressureWaits }
        self.counters.published.merge(published, uniquingKeysWith: +)
        self.counters.batchesPublished += batches
        var counters = self.counters
        counters.backpressureWaits = waits
        let snapshot = MeshSnapshot(me: me, peers: membership.statuses(now: clock.now), joined: joined, counters: counters)
        self.snapshot.withLock { $0 = snapshot }
        metrics.update(snapshot)
    }
}
