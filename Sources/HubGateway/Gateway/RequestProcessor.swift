import HubMesh
import Logging
import Synchronization

/// Carries decoded requests into the mesh and decides each reply: steps 10 (idempotency) and 11
/// (availability, publishing) of the protocol's section 6.
///
/// Shared by the ingress thread and pipeline mode; thread-safe. `publish` blocks the calling thread
/// while the mesh is behind (backpressure), so the reply goes out only after the mesh accepted.
final class RequestProcessor: Sendable {
    typealias Publish = @Sendable (HubEnvelope) throws(HubMeshError) -> Void

    let publish: Publish
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
        publish: @escaping Publish
    ) {
        self.publish = publish
        self.state = state
        self.metrics = metrics
        self.logger = logger
        window = Mutex(IdempotencyWindow(ttl: idempotency.ttl, capacity: idempotency.maxKeys))
    }

    /// Publishes what a frame asks for, in order, and returns the reply.
    func process(_ frame: DecodedFrame) -> Reply {
        switch frame {
        case .single(let id, let item):
            return Reply(id: id, body: .single(process(item, id: id)))
        case .batch(let id, let items):
            var outcomes: [ItemOutcome] = []
            outcomes.reserveCapacity(items.count)
            for item in items { outcomes.append(process(item, id: id)) }
            return Reply(id: id, body: .batch(outcomes))
        }
    }

    /// Publishes one request (or batch item) and returns its outcome.
    func process(_ item: Result<IngressRequest, IngressError>, id: String?) -> ItemOutcome {
        let outcome: ItemOutcome
        switch item {
        case .failure(let error): outcome = .rejected(error)
        case .success(let request): outcome = deliverOnce(request)
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

    private func deliverOnce(_ request: IngressRequest) -> ItemOutcome {
        guard let key = request.key else { return deliver(request) }
        let reservation = window.withLock { $0.reserve(key, now: clock.now) }
        if reservation == .duplicate { return .duplicate }
        let outcome = deliver(request)
        window.withLock { window in
            if outcome == .accepted {
                window.commit(key, now: clock.now)
            } else {
                window.release(key)
            }
        }
        return outcome
    }

    private func deliver(_ request: IngressRequest) -> ItemOutcome {
        switch state.current {
        case .starting:
            return .rejected(Self.unavailable("the gateway has not joined a mesh yet"))
        case .stopping:
            return .rejected(Self.unavailable("the gateway is shutting down"))
        case .ready:
            break
        }
        do {
            try publish(request.envelope)
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
