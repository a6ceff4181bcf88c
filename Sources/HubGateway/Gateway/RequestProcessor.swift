import HubMesh
import Logging
import Synchronization

/// Carries decoded requests into the mesh and decides each reply: steps 10 (idempotency) and 11
/// (availability, publishing) of the protocol's section 6.
///
/// Shared by the ingress thread and pipeline mode; thread-safe. `publish` blocks the calling thread
/// while the mesh is behind (backpressure), so the reply goes out only after the mesh accepted.
/// Its second argument asks the mesh not to wake its I/O thread for this envelope: a caller that
/// processes a burst that way calls ``flushPublishes()`` after the burst.
final class RequestProcessor: Sendable {
    typealias Publish = @Sendable (_ envelope: HubEnvelope, _ deferWake: Bool) throws(HubMeshError) -> Void

    let publish: Publish
    let flush: @Sendable () -> Void
    let state: GatewayStateBox
    let metrics: GatewayMetrics
    let logger: Logger
    private let window: Mutex<IdempotencyWindow<ContinuousClock.Instant>>
    private let clock = ContinuousClock()

    init(
        idempotency: GatewayConfiguration.Idempotency,
        state: GatewayStateBox,
        metrics: GatewayMetrics = GatewayMetrics(),
        logger: Logger,
        flush: @escaping @Sendable () -> Void = {},
        publish: @escaping Publish
    ) {
        self.publish = publish
        self.flush = flush
        self.state = state
        self.metrics = metrics
        self.logger = logger
        window = Mutex(IdempotencyWindow(ttl: idempotency.ttl, capacity: idempotency.maxKeys))
    }

    /// Publishes what a frame asks for, in order, and returns the reply.
    /// - Parameter deferWake: leave the mesh's I/O thread asleep; call ``flushPublishes()`` after the burst.
    func process(_ frame: DecodedFrame, deferWake: Bool = false) -> Reply {
        switch frame {
        case .single(let id, let item):
            return Reply(id: id, body: .single(process(item, id: id, deferWake: deferWake)))
        case .batch(let id, let items):
            var outcomes: [ItemOutcome] = []
            outcomes.reserveCapacity(items.count)
            for item in items { outcomes.append(process(item, id: id, deferWake: deferWake)) }
            return Reply(id: id, body: .batch(outcomes))
        }
    }

    /// Wakes the mesh for what was published with `deferWake`.
    func flushPublishes() { flush() }

    /// Publishes one request (or batch item) and returns its outcome.
    func process(_ item: Result<IngressRequest, IngressError>, id: String?, deferWake: Bool = false) -> ItemOutcome {
        let outcome: ItemOutcome
        switch item {
        case .failure(let error): outcome = .rejected(error)
        case .success(let request): outcome = deliverOnce(request, deferWake: deferWake)
        }
        metrics.record(outcome)
        if case .rejected(let error) = outcome {
            logger.debug(
                "request refused",
                metadata: [
                    "hubmesh.gateway.code": "\(error.code)", "hubmesh.gateway.id": "\(id ?? "null")",
                    "hubmesh.gateway.message": "\(error.message)",
                ]
            )
        }
        return outcome
    }

    private func deliverOnce(_ request: IngressRequest, deferWake: Bool) -> ItemOutcome {
        guard let key = request.key else { return deliver(request, deferWake: deferWake) }
        let reservation = window.withLock { $0.reserve(key, now: clock.now) }
        if reservation == .duplicate { return .duplicate }
        let outcome = deliver(request, deferWake: deferWake)
        window.withLock { window in
            if outcome == .accepted {
                window.commit(key, now: clock.now)
            } else {
                window.release(key)
            }
        }
        return outcome
    }

    private func deliver(_ request: IngressRequest, deferWake: Bool) -> ItemOutcome {
        switch state.current {
        case .starting:
            return .rejected(Self.unavailable("the gateway has not joined a mesh yet"))
        case .stopping:
            return .rejected(Self.unavailable("the gateway is shutting down"))
        case .ready:
            break
        }
        do {
            try publish(request.envelope, deferWake)
            return .accepted
        } catch {
            switch error.code {
            case .notRunning:
                return .rejected(Self.unavailable("the gateway's mesh member is shutting down"))
            case .invalidName:
                return .rejected(.badRequest("the mesh refused the message: \(error.message)"))
            default:
                logger.error("publishing failed", metadata: ["hubmesh.gateway.error": "\(error)"])
                return .rejected(IngressError(code: .internal, message: "publishing failed inside the gateway (\(error)); retry with a key"))
            }
        }
    }

    static func unavailable(_ reason: String) -> IngressError {
        IngressError(code: .unavailable, message: "\(reason); retry later with backoff (a \"key\" makes retries safe)")
    }
}
