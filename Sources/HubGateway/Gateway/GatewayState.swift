import Synchronization

/// Where a gateway is in its life: starting (not joined yet), ready, or stopping.
enum GatewayState: UInt8 {
    case starting = 0
    case ready = 1
    case stopping = 2
}

/// The state, readable from any thread.
final class GatewayStateBox: Sendable {
    private let value = Atomic<UInt8>(GatewayState.starting.rawValue)
    private let served = Atomic<Bool>(false)

    var current: GatewayState { GatewayState(rawValue: value.load(ordering: .acquiring)) ?? .stopping }

    /// Whether it was ever `ready` (a fast pipeline can be `stopping` again before anyone looked).
    var wasReady: Bool { served.load(ordering: .acquiring) }

    /// Moves to `ready` unless stopping already.
    func markReady() {
        let (exchanged, _) = value.compareExchange(
            expected: GatewayState.starting.rawValue, desired: GatewayState.ready.rawValue, ordering: .acquiringAndReleasing)
        if exchanged { served.store(true, ordering: .releasing) }
    }

    func markStopping() { value.store(GatewayState.stopping.rawValue, ordering: .releasing) }
}
