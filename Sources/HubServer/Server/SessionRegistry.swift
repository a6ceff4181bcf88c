import Synchronization

/// The open WebSocket sessions of a server, so a shutdown can close them all with a `Close` message,
/// and one timer drives every session's keep-alive pings and timeouts.
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

    /// Closes every session with `reason` (see ``closeAll(reason:)``), then waits until they ended,
    /// `timeout` passed or the task is cancelled; returns how many are still open.
    func drain(reason: String, timeout: Duration) async -> Int {
        closeAll(reason: reason)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while count > 0, ContinuousClock.now < deadline {
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                break  // cancelled
            }
        }
        return count
    }

    /// Closes every session's channel at once (the end of the server); returns how many there were.
    @discardableResult
    func closeChannels() -> Int {
        let open = sessions.withLock { Array($0.values) }
        for session in open { session.writer?.channel.close(promise: nil) }
        return open.count
    }

    /// Ticks every session (keep-alive pings, client and handshake timeouts) every `period` until
    /// cancelled. One task for the whole server instead of a timer per connection.
    func runTicker(period: Duration) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: period, tolerance: period / 10)
            } catch {
                return
            }
            let now = ContinuousClock.now
            for session in sessions.withLock({ Array($0.values) }) {
                session.tick(now: now)
            }
        }
    }

    /// The ticker's period: a quarter of the shortest protocol interval, at most 1 s (so a ping or a
    /// timeout is late by at most that).
    static func tickPeriod(for configuration: SessionConfiguration) -> Duration {
        let connection = configuration.connection
        let shortest = min(connection.keepAliveInterval, min(connection.clientTimeout, connection.handshakeTimeout))
        return max(.milliseconds(5), min(.seconds(1), shortest / 4))
    }
}
