import HubMesh
import Logging
import Synchronization
import ZeroMQ

/// The ingress thread: the only code that touches the ROUTER socket.
///
/// Receive a message → decode and validate → publish (blocking while the mesh is behind) → reply.
/// One request at a time, so replies to each client leave in request order and nothing is read
/// while the mesh pushes back. Requests are handled in bursts of what is already waiting (up to
/// ``burstLimit``): the mesh's I/O thread is woken once per burst, and the burst's replies — each
/// written after its request was accepted — are sent together at its end, so ZeroMQ writes them to
/// the connection in few system calls. The socket is created and bound on the initializing thread and handed
/// to the ingress thread when it starts (thread start is a full memory barrier); after that only
/// ``stop()`` is called from elsewhere.
///
/// The ROUTER lives in the gateway's mesh member's ZeroMQ context, so one libzmq I/O thread serves
/// the ingress and the mesh (a context of its own meant a second I/O thread to wake for every
/// request). The member terminates that context when it stops, which waits for this socket: the
/// ingress stops first (``GatewayFront``).
final class IngressLoop: @unchecked Sendable {
    /// The endpoint as bound (with the port chosen for port 0).
    let endpoint: String
    private let router: Socket
    private let wake: WakeUp
    private let processor: RequestProcessor
    private let logger: Logger
    private let maxFrameBytes: Int
    private let stopRequested = Atomic<Bool>(false)

    /// The most requests handled before their replies are sent and the mesh is woken.
    static let burstLimit = 256

    // Owned by the ingress thread, which alone reads and writes them: the run-time exclusivity
    // checks a class's stored properties get (several per request) are switched off for them.
    @exclusivity(unchecked) private var decoder: RequestDecoder
    @exclusivity(unchecked) private var backlog: ReplyBacklog
    @exclusivity(unchecked) private var client: [UInt8] = []
    /// The replies of the current burst: routing id and reply bytes, back to back.
    @exclusivity(unchecked) private var burstBytes: [UInt8] = []
    @exclusivity(unchecked) private var burst: [BurstReply] = []

    /// A reply waiting for the end of its burst: where its routing id and bytes are in `burstBytes`.
    private struct BurstReply {
        var client: Range<Int>
        var reply: Range<Int>
        var delimiter: Bool
    }

    init(configuration: GatewayConfiguration, endpoint: String, context: Context, processor: RequestProcessor, logger: Logger) throws(GatewayError) {
        let limits = configuration.limits
        self.processor = processor
        self.logger = logger
        maxFrameBytes = limits.maxFrameBytes
        decoder = RequestDecoder(options: configuration.decoderOptions(pipeline: false))
        backlog = ReplyBacklog(limit: limits.replyBacklogLimit)
        let bindEndpoint = Self.bindable(endpoint)
        do {
            wake = try WakeUp()
            router = try Socket(context, type: .router)
            try router.setRouterMandatory(true)
            try router.setReceiveHighWaterMark(limits.receiveHighWaterMark)
            try router.setSendHighWaterMark(limits.sendHighWaterMark)
            try router.setMaxMessageSize(Int64(limits.maxMessageBytes))
            try router.setLinger(milliseconds: 1000)
        } catch {
            throw GatewayError(code: .configuration, message: "could not create the ingress socket: \(error.message)")
        }
        do {
            self.endpoint = try router.bind(bindEndpoint)
        } catch {
            throw GatewayError(
                code: .bind, message: "cannot bind the ingress endpoint \(endpoint): \(Self.describe(error)); choose another with --ingress")
        }
    }

    /// `tcp://host:0` means "any free port" (ZeroMQ spells it `*`).
    static func bindable(_ endpoint: String) -> String {
        endpoint.hasSuffix(":0") ? String(endpoint.dropLast()) + "*" : endpoint
    }

    /// A bind failure in words (avoiding libzmq's wording, which scripts waiting for "ready" might match).
    static func describe(_ error: ZMQError) -> String {
        switch error.code {
        case .addressInUse: return "the address is in use by another process"
        case .invalidArgument, .protocolNotSupported: return "not a valid ZeroMQ endpoint such as tcp://127.0.0.1:7000"
        default: return "\(error.code) (errno \(error.errno))"
        }
    }

    /// Asks the thread to stop: it answers what is queued with `unavailable`, flushes replies and closes.
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        wake.signal()
    }

    /// Runs on the ingress thread until ``stop()``.
    func run() {
        MeshMember.nameCurrentThread("hubmesh-ingress")  // Foundation's `Thread.name` does not reach the kernel on Linux
        let poller = Poller()
        poller.add(router)
        poller.add(fileDescriptor: wake.fileDescriptor)
        logger.info("ingress serving", metadata: ["hubmesh.gateway.ingress": "\(endpoint)"])
        while !stopRequested.load(ordering: .acquiring) {
            do {
                try poller.poll(timeoutMilliseconds: backlog.isEmpty ? 100 : 2)
            } catch {
                logger.error("ingress poll failed; the ingress stops", metadata: ["hubmesh.gateway.error": "\(error)"])
                break
            }
            if poller.readyEvents(at: 1).contains(.readable) { wake.drain() }
            guard drain(budget: 4096) else { break }
            if !backlog.isEmpty { flushBacklog() }
        }
        // Stopping: the state is `stopping`, so whatever is still queued is answered `unavailable`.
        _ = drain(budget: 100_000)
        let deadline = ContinuousClock.now.advanced(by: .seconds(1))
        while !backlog.isEmpty && ContinuousClock.now < deadline {
            flushBacklog()
            if !backlog.isEmpty { _ = try? poller.poll(timeoutMilliseconds: 5) }
        }
        router.close()
        logger.info("ingress closed", metadata: ["hubmesh.gateway.ingress": "\(endpoint)"])
    }

    /// Handles up to `budget` queued messages, in bursts. Returns `false` if the socket failed.
    private func drain(budget: Int) -> Bool {
        var remaining = budget
        while remaining > 0 {
            var handled = 0
            let limit = min(remaining, Self.burstLimit)
            do {
                while handled < limit, try handleOne() { handled += 1 }
            } catch {
                logger.error("ingress receive failed; the ingress stops", metadata: ["hubmesh.gateway.error": "\(error)"])
                endBurst()
                return false
            }
            endBurst()
            if handled < limit { return true }
            remaining -= handled
        }
        return true
    }

    /// Wakes the mesh for the burst's publishes, then sends its replies in order.
    private func endBurst() {
        guard !burst.isEmpty else { return }
        processor.flushPublishes()
        burstBytes.withUnsafeBytes { bytes in
            for reply in burst {
                send(
                    client: UnsafeRawBufferPointer(rebasing: bytes[reply.client]),
                    reply: UnsafeRawBufferPointer(rebasing: bytes[reply.reply]),
                    delimiter: reply.delimiter
                )
            }
        }
        burst.removeAll(keepingCapacity: true)
        burstBytes.removeAll(keepingCapacity: burstBytes.capacity <= 1 << 20)
    }

    /// Receives one message, if any, and answers it. Returns `false` when nothing was waiting.
    private func handleOne() throws -> Bool {
        guard
            let more = try router.receive(
                dontWait: true,
                { bytes, more in
                    client.removeAll(keepingCapacity: true)
                    client.appendBytes(bytes)
                    return more
                })
        else { return false }
        processor.metrics.routerFrames.increment()
        guard more else { return true }  // a routing id alone: DEALER and REQ peers never send that
        var firstEmpty = false
        var oversize = false
        var hasMore = false
        var decoded =
            try router.receive { bytes, more -> DecodedFrame? in
                if !more { return decoder.decode(bytes) }
                firstEmpty = bytes.isEmpty
                oversize = bytes.count > maxFrameBytes
                hasMore = true
                return nil
            } ?? nil
        var delimiter = false
        if decoded == nil && hasMore {
            var frames = 2
            decoded =
                try router.receive { bytes, more -> DecodedFrame? in
                    hasMore = more
                    guard firstEmpty && !more else {
                        oversize = oversize || bytes.count > maxFrameBytes
                        return nil
                    }
                    delimiter = true
                    return decoder.decode(bytes)
                } ?? nil
            while hasMore {
                frames += 1
                _ = try router.receive { bytes, more in
                    hasMore = more
                    oversize = oversize || bytes.count > maxFrameBytes
                }
            }
            if decoded == nil {
                decoded =
                    oversize
                    ? .refused(nil, .tooLarge, "a frame of this \(frames)-frame message is over \(maxFrameBytes) bytes; send one request per frame")
                    : .refused(nil, .badRequest, "a request is one frame, or an empty delimiter frame and one frame (REQ); got \(frames) frames")
            }
        }
        guard let decoded else { return true }
        let reply = processor.process(decoded, deferWake: true)
        let clientStart = burstBytes.count
        burstBytes.append(contentsOf: client)
        let replyStart = burstBytes.count
        reply.encode(into: &burstBytes)
        burst.append(BurstReply(client: clientStart..<replyStart, reply: replyStart..<burstBytes.count, delimiter: delimiter))
        return true
    }

    /// Sends a reply to `client` now, or queues it behind the client's backlog.
    private func send(client: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer, delimiter: Bool) {
        if backlog.isEmpty || !backlog.has(Array(client)) {
            switch trySend(client, reply, delimiter: delimiter) {
            case true?: return
            case nil:  // the client is gone
                processor.metrics.repliesDroppedClientGone.increment()
                return
            case false?: break  // its queue is full: keep the reply, in order
            }
        }
        if !backlog.append(ReplyBacklog.Pending(delimiter: delimiter, bytes: Array(reply)), for: Array(client)) {
            processor.metrics.repliesDroppedBacklogFull.increment()
            logger.warning("a client does not read its replies; reply dropped", metadata: ["hubmesh.gateway.backlog": "\(backlog.limit)"])
        }
    }

    /// `true` sent, `false` the client's queue is full, `nil` the client is gone.
    private func trySend(_ client: [UInt8], _ pending: ReplyBacklog.Pending) -> Bool? {
        client.withUnsafeBytes { client in
            pending.bytes.withUnsafeBytes { reply in trySend(client, reply, delimiter: pending.delimiter) }
        }
    }

    /// `true` sent, `false` the client's queue is full, `nil` the client is gone.
    private func trySend(_ client: UnsafeRawBufferPointer, _ reply: UnsafeRawBufferPointer, delimiter: Bool) -> Bool? {
        do {
            guard try router.send(client, more: true, dontWait: true) else { return false }
            if delimiter { try router.send(UnsafeRawBufferPointer(start: nil, count: 0), more: true) }
            try router.send(reply)
            return true
        } catch {
            if error.code != .hostUnreachable {
                logger.warning("sending a reply failed", metadata: ["hubmesh.gateway.error": "\(error)"])
            }
            return nil
        }
    }

    private func flushBacklog() {
        let dropped = backlog.flush { client, pending in trySend(client, pending) }
        if dropped > 0 {
            processor.metrics.repliesDroppedClientGone.increment(by: dropped)
            logger.debug("\(dropped) replies dropped: their client is gone")
        }
    }
}
