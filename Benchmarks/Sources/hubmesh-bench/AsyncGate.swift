import Synchronization

/// A counting semaphore for connection set-up; each connection releases its permit once.
final class AsyncGate: Sendable {
    private struct State {
        var permits: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        var released = Set<Int>()
    }
    private let state: Mutex<State>

    init(permits: Int) { state = Mutex(State(permits: permits)) }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s -> Bool in
                if s.permits > 0 {
                    s.permits -= 1
                    return true
                }
                s.waiters.append(continuation)
                return false
            }
            if go { continuation.resume() }
        }
    }

    func release(_ index: Int) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard s.released.insert(index).inserted else { return nil }
            if s.waiters.isEmpty {
                s.permits += 1
                return nil
            }
            return s.waiters.removeFirst()
        }
        waiter?.resume()
    }

    func releaseIfHeld(_ index: Int) { release(index) }
}
