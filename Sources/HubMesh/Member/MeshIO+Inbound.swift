import Logging
import ZeroMQ

extension MeshIO {
    /// Reads subscription messages from the XPUB and answers barrier subscriptions.
    func drainPublisher() {
        let frames: [[UInt8]]
        do {
            frames = try inbox.readSubscriptions()
        } catch {
            logger.error("reading subscriptions failed: \(error)")
            return
        }
        for frame in frames {
            // [1, topic...] subscribes, [0, topic...] unsubscribes. A barrier topic is \0S\0member\0token\0.
            guard frame.count > 4, frame[0] == 1, frame[1] == 0, frame[2] == Topic.Letter.barrier, frame[3] == 0 else { continue }
            let parts = frame[4...].split(separator: 0, omittingEmptySubsequences: false)
            guard parts.count >= 2,
                let member = String(validating: parts[0], as: UTF8.self),
                let token = String(validating: parts[1], as: UTF8.self),
                !member.isEmpty, !token.isEmpty
            else { continue }
            // Everything the subscriber subscribed before this token is active on our XPUB now; the
            // answer is queued behind all data already queued, so it arrives after it.
            publishLocally(.control(.barrierAck(member: member, token: token)))
            if peersSubscribedToMe.insert(member).inserted, !joined { checkJoinComplete(now: clock.now) }
        }
    }

    /// Handles what the SUB holds, up to `budget` envelopes (a batch counts as the envelopes in it).
    func drainSubscriber(budget: Int) {
        lastHeardOrigin = nil
        subscriberDrained = false
        var handled = 0
        while handled < budget {
            let received: Int?
            do {
                received = try subscriber.receive(dontWait: true) { bytes, _ in self.handleSubscribedMessage(bytes) }
            } catch {
                logger.error("receiving from peers failed: \(error)")
                return
            }
            guard let received else {
                subscriberDrained = true
                return
            }
            handled += received
        }
    }

    /// One ZeroMQ message from the SUB: a batch, whose frames are handled in order exactly like frames
    /// published alone, or a single frame.
    /// - Returns: how many frames it held.
    func handleSubscribedMessage(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let topicLength = MeshCodec.batchTopicLength(bytes) else {
            handleSubscribed(bytes)
            return 1
        }
        let frames: [Range<Int>]
        do {
            frames = try MeshCodec.batchedFrames(bytes, topicLength: topicLength, maxFrameSize: configuration.maxFrameSize)
        } catch {
            // Like a lost frame: the next envelope on the topic shows the gap, and it is repaired.
            counters.decodeErrors += 1
            logger.warning("dropped an undecodable batch from a peer", metadata: ["hubmesh.error": "\(error)"])
            return 1
        }
        counters.batchesReceived += 1
        for range in frames { handleSubscribed(UnsafeRawBufferPointer(rebasing: bytes[range])) }
        return frames.count
    }

    func handleSubscribed(_ bytes: UnsafeRawBufferPointer) {
        let decoded: (message: MeshMessage, topic: [UInt8])
        do {
            decoded = try MeshCodec.decode(bytes, maxFrameSize: configuration.maxFrameSize, cache: &prefixCache)
        } catch {
            counters.decodeErrors += 1
            logger.warning("dropped an undecodable frame from a peer", metadata: ["hubmesh.error": "\(error)"])
            return
        }
        let header = decoded.message.header
        // A sign of life; once per origin per drained batch is plenty.
        if header.origin != lastHeardOrigin {
            lastHeardOrigin = header.origin
            let now = clock.now
            if peerEndpoints[header.origin] != nil { heardOnSubscriber[header.origin] = now }
            handle(membership.heard(from: header.origin, epoch: header.epoch, now: now))
        }
        switch decoded.message.body {
        case .control(.barrierAck(let member, let token)):
            guard member == me.id else { return }
            barrierAnswered(token: token, by: header.origin)
        case .control:
            return
        case .hub(let envelope):
            receive(MeshDelivery(origin: header.origin, envelope: envelope), topic: decoded.topic, epoch: header.epoch, sequence: header.sequence)
        }
    }

    func drainRouter(budget: Int) {
        routerDrained = false
        for _ in 0..<budget {
            let frames: [[UInt8]]?
            do {
                frames = try router.receiveMultipart(dontWait: true)
            } catch {
                logger.error("receiving directed messages failed: \(error)")
                return
            }
            guard let frames else {
                routerDrained = true
                return
            }
            guard frames.count == 2 else {
                counters.decodeErrors += 1
                logger.warning("dropped a directed message with \(frames.count) frames (expected identity + 1)")
                continue
            }
            let message: MeshMessage
            do {
                message = try MeshCodec.decode(frames[1], maxFrameSize: configuration.maxFrameSize)
            } catch {
                counters.decodeErrors += 1
                logger.warning("dropped an undecodable directed message", metadata: ["hubmesh.error": "\(error)"])
                continue
            }
            handleDirected(message)
        }
    }

    func handleDirected(_ message: MeshMessage) {
        let origin = message.header.origin
        let now = clock.now
        switch message.body {
        case .control(.hello(let info)):
            guard info.id == origin, info.id != me.id else { return }
            handle(membership.learned(info, direct: true, now: now))
            sendDirected(.control(.welcome(membership.aliveMembers)), toMember: info.id)
        case .control(.welcome(let members)), .control(.heartbeat(let members)):
            for info in members where info.id != me.id {
                handle(membership.learned(info, direct: info.id == origin, now: now))
            }
            if case .control(.welcome) = message.body, !unansweredSeeds.isEmpty {
                seedsAnswered()
            }
        case .control(.bye):
            handle(membership.left(origin))
        case .control(.barrierAck):
            return
        case .control(.replayRequest(let topic, let range)):
            handle(membership.heard(from: origin, epoch: message.header.epoch, now: now))
            serveReplay(topic: topic, range: range, to: origin)
        case .control(.replayData(let frames)):
            handle(membership.heard(from: origin, epoch: message.header.epoch, now: now))
            applyReplay(frames, from: origin)
        case .control(.replayGone(let topic, let range)):
            applyGone(topic: topic, range: range, from: origin)
        case .hub(.groupManagement(let request)):
            handle(membership.heard(from: origin, epoch: message.header.epoch, now: now))
            requests.yield((origin, request))
        case .hub(.ack(let ack)):
            handle(membership.heard(from: origin, epoch: message.header.epoch, now: now))
            guard let request = pending.removeValue(forKey: ack.ackID) else { return }
            if let error = ack.error {
                counters.requestsFailed += 1
                request.completion(error)
            } else {
                counters.requestsAcked += 1
                request.completion(nil)
            }
        case .hub:
            counters.decodeErrors += 1
            logger.warning("ignored a hub message sent directly by \(origin); hub messages travel over PUB/SUB")
        }
    }
}

extension HubEnvelope {
    /// A short name of the kind, for counters and metrics.
    public var kindName: String {
        switch self {
        case .all: return "all"
        case .connection: return "connection"
        case .group: return "group"
        case .user: return "user"
        case .groupManagement: return "groupmanagement"
        case .ack: return "ack"
        }
    }
}
