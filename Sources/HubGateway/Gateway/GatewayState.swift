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

    var current: GatewayState { GatewayState(rawValue: value.load(ordering: .acquiring)) ?? .stopping }

    /// Moves to `ready` unless stopping already.
    func markReady() {
        _ = value.compareExchange(expected: GatewayState.starting.rawValue, desired: GatewayState.ready.rawValue, ordering: .acquiringAndReleasing)
    }

    func markStopping() { value.store(GatewayState.stopping.rawValue, ordering: .releasing) }
}
