import NIOCore
import Synchronization

/// Writes the pending frames of the sessions served by one event loop, in batches: however many
/// sessions get frames in a burst (a group message to every connection), the loop is woken once,
/// and each session's frames are written and flushed together.
final class LoopFlusher: Sendable {
    let eventLoop: any EventLoop
    private let ready = Mutex<[HubSession]>([])

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// `session` has frames pending; its writer flushes them on the next pass of the loop.
    func schedule(_ session: HubSession) {
        let wake = ready.withLock { ready in
            ready.append(session)
            return ready.count == 1
        }
        if wake { eventLoop.execute { self.flushAll() } }
    }

    private func flushAll() {
        let sessions = ready.withLock { ready in
            var taken: [HubSession] = []
            taken.reserveCapacity(ready.count)
            swap(&taken, &ready)
            return taken
        }
        for session in sessions { session.writer?.flush(session) }
    }
}

/// One ``LoopFlusher`` per event loop of a server.
final class LoopFlushers: Sendable {
    private let flushers = Mutex<[ObjectIdentifier: LoopFlusher]>([:])

    func flusher(for eventLoop: any EventLoop) -> LoopFlusher {
        flushers.withLock { flushers in
            let key = ObjectIdentifier(eventLoop)
            if let flusher = flushers[key] { return flusher }
            let flusher = LoopFlusher(eventLoop: eventLoop)
            flushers[key] = flusher
            return flusher
        }
    }
}
