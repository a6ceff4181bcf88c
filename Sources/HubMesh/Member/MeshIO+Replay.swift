import Logging
import ZeroMQ

/// Repair of sequence gaps (receiver side), the replay buffer (origin side), and stall isolation.
extension MeshIO {
    // MARK: - Stalls

    /// The XPUB refused a frame: a subscriber's pipe is full. If that lasts, fan-out turns lossy for a
    /// while so the other members keep receiving; the stalled one repairs from the replay buffer.
    func noteBlocked(now: ContinuousClock.Instant) {
        guard lossyUntil == nil, let stallTimeout = configuration.stallTimeout else { return }
        let since: ContinuousClock.Instant
        do {
            let lossy = try inbox.withLane { lane throws(ZMQError) -> ContinuousClock.Instant? in
                guard let since = lane.blockedSince, since.duration(to: now) >= stallTimeout else { return nil }
                try lane.socket.setXPubNoDrop(false)
                return since
            }
            guard let lossy else { return }
            since = lossy
        } catch {
            logger.error("could not switch fan-out to lossy: \(error)")
            return
        }
        lossyUntil = now.advanced(by: configuration.lossyPeriod)
        keepFlushing(since: flushSince ?? since, until: now.advanced(by: configuration.lossyPeriod + Self.flushWindow))
        counters.stalls += 1
        logger.warning(
            "a subscriber stopped reading: fan-out is lossy for a while so the others keep receiving; it will repair from the replay buffer",
            metadata: ["hubmesh.blocked": "\(since.duration(to: now))", "hubmesh.lossy_for": "\(configuration.lossyPeriod)"]
        )
        events.yield(.stalled)
    }

    func checkLossy(now: ContinuousClock.Instant) {
        guard let until = lossyUntil, now >= until else { return }
        do {
            try inbox.withLane { lane throws(ZMQError) in
                try lane.socket.setXPubNoDrop(true)
                lane.blockedSince = nil
            }
            lossyUntil = nil
            logger.info("fan-out is lossless again")
        } catch {
            logger.error("could not switch fan-out back to lossless: \(error)")
        }
    }

    // MARK: - Flushes

    /// How long after a stall flushes keep going out (a stalled member's pipe may take a while to
    /// come back once it reads again).
    static let flushWindow: Duration = .seconds(10)

    func keepFlushing(since: ContinuousClock.Instant, until: ContinuousClock.Instant) {
        flushSince = min(flushSince ?? since, since)
        flushUntil = max(flushUntil ?? until, until)
    }

    /// A message dropped for a stalled member is only seen missing when a later one on its topic
    /// arrives: at the end of a stream nothing would. So after a stall, every heartbeat, each topic
    /// published since the stall began gets a *flush*: an envelope without payloads carrying the last
    /// sequence number handed to ZeroMQ on that topic (taking no number of its own; never delivered).
    /// A receiver that has not seen that number knows the end of the topic is missing and repairs it
    /// (or reports it lost). Everything up to that number was sent before the flush, so the replay
    /// buffer has it when the request comes.
    func publishFlushes(now: ContinuousClock.Instant) {
        guard let since = flushSince, let until = flushUntil else { return }
        guard now <= until else {
            flushSince = nil
            flushUntil = nil
            return
        }
        // Under the lock throughout: the number a flush names is the last one handed to ZeroMQ, and
        // the flush is queued behind everything queued after it.
        let failures = inbox.withLane { lane -> [String] in
            var failures: [String] = []
            for topic in lane.replay.topics(since: since, limit: Self.flushTopicLimit) {
                guard let envelope = Self.flushEnvelope(for: topic), let sequence = lane.replay.lastSequence(topic: topic) else { continue }
                do {
                    let header = MeshHeader(origin: me.id, epoch: me.epoch, sequence: sequence, messageID: 0)
                    let frame = try MeshCodec.encode(MeshMessage(header: header, body: .hub(envelope)), topic: topic)
                    lane.append(PublishLane.Outgoing(frame: frame, kind: "", topicID: nil, sequence: 0))
                } catch {
                    failures.append("could not encode a flush for \(topic): \(error)")
                }
            }
            return failures
        }
        for failure in failures { logger.error("\(failure)") }
    }

    /// A flush arrived: if it names a number this receiver never saw, repair up to it.
    func receiveFlush(origin: String, topic: [UInt8], epoch: UInt64, sequence: UInt64) {
        guard let range = tracker.flush(origin: origin, epoch: epoch, topic: topic, sequence: sequence) else { return }
        counters.gapsDetected += 1
        let key = RepairKey(origin: origin, topic: topic)
        guard configuration.replayCapacity > 0 || repairs[key] != nil else {
            declareLost(origin: origin, topic: topic, ranges: [range])
            return
        }
        if repairs[key] == nil {
            repairs[key] = TopicRepair(gap: range)
        } else {
            repairs[key]?.gap(range)
        }
        repairDeadlines[key] = clock.now.advanced(by: configuration.repairTimeout)
        logger.info(
            "a flush shows the end of a topic is missing: asking the origin to replay",
            metadata: ["hubmesh.origin": "\(origin)", "hubmesh.topic": "\(Self.topicName(topic))", "hubmesh.range": "\(range)"]
        )
        sendDirected(.control(.replayRequest(topic: topic, range: range)), toMember: origin)
    }

    /// Topics flushed per heartbeat at most (the most recently published ones).
    static let flushTopicLimit = 1000

    /// An envelope without payloads on `topic`, or `nil` for a topic that is not a hub topic.
    static func flushEnvelope(for topic: Topic) -> HubEnvelope? {
        let parts = topic.bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard parts.count >= 3, !parts[0].isEmpty, parts[1].utf8.count == 1 else { return nil }
        let hub = parts[0]
        let empty = Payloads([:])
        switch parts[1].utf8.first {
        case Topic.Letter.all: return .all(AllMessage(hub: hub, payloads: empty))
        case Topic.Letter.group where parts.count >= 4: return .group(GroupMessage(hub: hub, group: parts[2], payloads: empty))
        case Topic.Letter.user where parts.count >= 4: return .user(UserMessage(hub: hub, userID: parts[2], payloads: empty))
        case Topic.Letter.node where parts.count >= 4:
            return .connection(ConnectionMessage(hub: hub, connectionID: parts[2] + ".flush", payloads: empty))
        default: return nil
        }
    }

    // MARK: - Receiving hub envelopes

    /// Checks the sequence number of a received envelope and delivers it, holding it back while an
    /// earlier gap on its topic is being repaired.
    func receive(_ delivery: MeshDelivery, topic: [UInt8], epoch: UInt64, sequence: UInt64) {
        if delivery.envelope.isFlush {
            receiveFlush(origin: delivery.origin, topic: topic, epoch: epoch, sequence: sequence)
            return
        }
        let verdict = tracker.record(origin: delivery.origin, epoch: epoch, topic: topic, sequence: sequence)
        let key = RepairKey(origin: delivery.origin, topic: topic)
        switch verdict {
        case .stale:
            return
        case .inOrder, .baseline:
            if repairs.isEmpty || repairs[key] == nil {
                deliver(delivery)
            } else {
                repairs[key]?.hold(delivery, sequence: sequence)
                boundRepair(key)
            }
        case .gap(let range):
            counters.gapsDetected += 1
            guard configuration.replayCapacity > 0 || repairs[key] != nil else {
                declareLost(origin: delivery.origin, topic: topic, ranges: [range])
                deliver(delivery)
                return
            }
            if repairs[key] == nil {
                repairs[key] = TopicRepair(gap: range, message: delivery, sequence: sequence)
            } else {
                repairs[key]?.gap(range, message: delivery, sequence: sequence)
            }
            repairDeadlines[key] = clock.now.advanced(by: configuration.repairTimeout)
            logger.info(
                "sequence gap: asking the origin to replay",
                metadata: ["hubmesh.origin": "\(delivery.origin)", "hubmesh.topic": "\(Self.topicName(topic))", "hubmesh.range": "\(range)"]
            )
            sendDirected(.control(.replayRequest(topic: topic, range: range)), toMember: delivery.origin)
        }
    }

    /// Flushes never get here: `receive` takes them aside, and they are never held or replayed.
    func deliver(_ delivery: MeshDelivery) {
        let kind = delivery.envelope.kindName
        if kind != receivedRun.kind {
            flushReceivedCount()
            receivedRun.kind = kind
        }
        receivedRun.count += 1
        let hub = delivery.envelope.hub
        if let last = lastHandler, last.hub == hub {
            last.handler?(delivery)
        } else {
            let handler = handlers[hub]
            lastHandler = (hub, handler)
            handler?(delivery)
        }
    }

    /// Adds the deliveries counted since the last call to `counters.received`.
    func flushReceivedCount() {
        guard receivedRun.count > 0 else { return }
        counters.received[receivedRun.kind, default: 0] += receivedRun.count
        receivedRun.count = 0
    }

    /// Keeps held-back messages bounded: past the limit the repair is given up.
    func boundRepair(_ key: RepairKey) {
        guard let repair = repairs[key], repair.heldCount > configuration.replayCapacity + Int(configuration.highWaterMark) else { return }
        finishRepair(key, expired: true)
    }

    // MARK: - Origin side

    func serveReplay(topic bytes: [UInt8], range: ClosedRange<UInt64>, to requester: String) {
        counters.replaysServed += 1
        let lookup = inbox.withLane { $0.replay.frames(topic: Topic(bytes: bytes), range: range) }
        if let gone = lookup.gone {
            logger.warning(
                "replay requested for messages no longer in the replay buffer",
                metadata: ["hubmesh.requester": "\(requester)", "hubmesh.topic": "\(Self.topicName(bytes))", "hubmesh.range": "\(gone)"]
            )
            sendDirected(.control(.replayGone(topic: bytes, range: gone)), toMember: requester)
        }
        var chunk: [[UInt8]] = []
        var size = 0
        for frame in lookup.frames {
            chunk.append(frame)
            size += frame.count
            if chunk.count >= 2000 || size >= 1 << 20 {
                sendDirected(.control(.replayData(chunk)), toMember: requester)
                chunk.removeAll(keepingCapacity: true)
                size = 0
            }
        }
        if !chunk.isEmpty { sendDirected(.control(.replayData(chunk)), toMember: requester) }
    }

    // MARK: - Receiver side

    func applyReplay(_ frames: [[UInt8]], from origin: String) {
        var touched: Set<RepairKey> = []
        for frame in frames {
            let maxFrameSize = configuration.maxFrameSize
            let result = frame.withUnsafeBytes { buffer in
                Result { () throws(MeshProtocolError) -> DecodedFrame in
                    let (message, topicLength) = try MeshCodec.decodeWithTopic(buffer, maxFrameSize: maxFrameSize)
                    return DecodedFrame(message: message, topicLength: topicLength)
                }
            }
            let decoded: DecodedFrame
            do {
                decoded = try result.get()
            } catch {
                counters.decodeErrors += 1
                logger.warning("dropped an undecodable replayed frame from \(origin): \(error)")
                continue
            }
            guard decoded.message.header.origin == origin, case .hub(let envelope) = decoded.message.body else { continue }
            let key = RepairKey(origin: origin, topic: Array(frame.prefix(decoded.topicLength)))
            if repairs[key]?.replayed(MeshDelivery(origin: origin, envelope: envelope), sequence: decoded.message.header.sequence) == true {
                counters.messagesRepaired += 1
                touched.insert(key)
            }
        }
        for key in touched { drainRepair(key) }
    }

    func applyGone(topic: [UInt8], range: ClosedRange<UInt64>, from origin: String) {
        let key = RepairKey(origin: origin, topic: topic)
        guard let lost = repairs[key]?.gone(range), !lost.isEmpty else { return }
        declareLost(origin: origin, topic: topic, ranges: lost)
        drainRepair(key)
    }

    func drainRepair(_ key: RepairKey) {
        guard var repair = repairs[key] else { return }
        let ready = repair.drain()
        let complete = repair.isComplete
        repairs[key] = complete ? nil : repair
        if complete {
            repairDeadlines[key] = nil
            counters.gapsRepaired += 1
            logger.info("sequence gap repaired", metadata: ["hubmesh.origin": "\(key.origin)", "hubmesh.topic": "\(Self.topicName(key.topic))"])
        }
        for delivery in ready { deliver(delivery) }
    }

    func expireRepairs(now: ContinuousClock.Instant) {
        for (key, deadline) in repairDeadlines where deadline <= now { finishRepair(key, expired: true) }
    }

    func finishRepair(_ key: RepairKey, expired: Bool) {
        guard var repair = repairs.removeValue(forKey: key) else { return }
        repairDeadlines[key] = nil
        let (lost, deliver) = repair.expire()
        if !lost.isEmpty {
            logger.warning(
                "no replay arrived in time", metadata: ["hubmesh.origin": "\(key.origin)", "hubmesh.topic": "\(Self.topicName(key.topic))"])
            declareLost(origin: key.origin, topic: key.topic, ranges: lost)
        }
        for delivery in deliver { self.deliver(delivery) }
    }

    func declareLost(origin: String, topic: [UInt8], ranges: [ClosedRange<UInt64>]) {
        let name = Self.topicName(topic)
        for range in ranges {
            counters.messagesLost += Int(range.upperBound - range.lowerBound + 1)
            logger.error(
                "messages lost",
                metadata: ["hubmesh.origin": "\(origin)", "hubmesh.topic": "\(name)", "hubmesh.lost": "\(range.lowerBound)...\(range.upperBound)"]
            )
            events.yield(.gap(origin: origin, topic: name, range: range))
        }
    }

    struct DecodedFrame {
        var message: MeshMessage
        var topicLength: Int
    }

    static func topicName(_ topic: [UInt8]) -> String {
        String(decoding: topic.map { $0 == 0 ? UInt8(ascii: "|") : $0 }, as: UTF8.self)
    }
}
