import Synchronization

/// The open WebSocket sessions of a server, so a shutdown can close them all with a `Close` message.
final class SessionRegistry: Sendable {
    private let sessions = Mutex<[ObjectIdentifier: HubSession]>([:])

    func insert(_ session: HubSession) {
        sessions.withLock { $0[ObjectIdentifier(session)] = session }
    }

    func remove(_ session: HubSession) {
        _ = sessions.withLock { $0.removeValue(forKey: ObjectIdentifier(session)) }
    }

    var count: Int { sessions.withLock { $0.count } }

    /// Closes every session with `reason`, allowing clients to reconnect (elsewhere).
    func closeAll(reason: String) {
        for session in sessions.withLock({ Array($0.values) }) {
            session.close(error: reason, allowReconnect: true, code: .goingAway, metric: "shutdown")
        }
    }
}
