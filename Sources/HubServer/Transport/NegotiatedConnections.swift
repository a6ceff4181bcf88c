import HubMesh
import Synchronization

/// Connections created by `negotiate` and not yet (or no longer) attached to a WebSocket.
///
/// Negotiate version 1 hands out a public connection id and a secret token, and the client opens
/// the WebSocket with `id=<token>`; version 0 uses the connection id itself. An unknown `id` is a
/// 404, a second socket for one `id` a 409. Entries never claimed expire after ``timeout``, and at
/// most ``limit`` wait at once, so negotiate calls alone cannot exhaust memory.
final class NegotiatedConnections: Sendable {
    /// A negotiated connection.
    struct Entry: Sendable, Hashable {
        var hub: String
        var connectionID: String
        var userID: String?
        var created: ContinuousClock.Instant
        var claimed: Bool
    }

    /// Why a claim failed.
    enum ClaimError: Error, Hashable {
        /// No such id (never negotiated, expired, or closed): 404.
        case unknown
        /// The id already has a socket: 409.
        case alreadyConnected
        /// The id was negotiated for another user: 403.
        case otherUser
    }

    let timeout: Duration
    let limit: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(timeout: Duration = .seconds(30), limit: Int = 10_000) {
        self.timeout = timeout
        self.limit = limit
    }

    /// Registers a new connection; returns nil when ``limit`` entries are already waiting.
    func register(hub: String, memberID: String, userID: String?, version: Int) -> (connectionID: String, token: String)? {
        let connectionID = ConnectionID.make(member: memberID)
        let token = version >= 1 ? ConnectionID.make(member: "t") : connectionID
        let now = ContinuousClock.now
        return entries.withLock { entries in
            if entries.count >= limit {
                entries = entries.filter { $0.value.claimed || now - $0.value.created < timeout }
                guard entries.count < limit else { return nil }
            }
            entries[token] = Entry(hub: hub, connectionID: connectionID, userID: userID, created: now, claimed: false)
            return (connectionID, token)
        }
    }

    /// Attaches a socket to the connection `id` (only checks with `dryRun`); returns its connection id.
    func claim(_ id: String, hub: String, userID: String?, dryRun: Bool = false) -> Result<String, ClaimError> {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard var entry = entries[id], entry.hub == hub else { return .failure(.unknown) }
            guard !entry.claimed else { return .failure(.alreadyConnected) }
            guard now - entry.created < timeout else {
                entries[id] = nil
                return .failure(.unknown)
            }
            guard entry.userID == nil || entry.userID == userID else { return .failure(.otherUser) }
            guard !dryRun else { return .success(entry.connectionID) }
            entry.claimed = true
            entries[id] = entry
            return .success(entry.connectionID)
        }
    }

    /// Forgets `id` once its socket closed.
    func release(_ id: String) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }

    /// How many entries are held (waiting or attached).
    var count: Int { entries.withLock { $0.count } }
}
