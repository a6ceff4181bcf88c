import HubMesh
import HubProtocol

/// A connection allowed to open its WebSocket.
struct AcceptedConnection: Sendable, Hashable {
    /// The hub.
    var hub: String
    /// The public connection id (it names this node).
    var connectionID: String
    /// The `id` the client connected with, to release when the socket closes; nil without negotiate.
    var negotiationID: String?
    /// The authenticated user.
    var user: HubUser?
}

/// An HTTP refusal: a status code and a message for the body.
struct Refusal: Error, Sendable, Hashable {
    var status: Int
    var message: String
}

/// Decides negotiate requests and WebSocket upgrades: hub lookup, authentication, connection ids.
///
/// No sockets here, so each decision is unit-tested: unknown hub → 404, missing or invalid token
/// when required (or any invalid token) → 401, unknown `id` → 404, second socket for an `id` → 409.
struct ConnectionGate: Sendable {
    let hubs: Set<String>
    let memberID: String
    let authenticator: Authenticator
    let negotiated: NegotiatedConnections

    /// Answers `POST /hubs/{hub}/negotiate`.
    func negotiate(hub: String, negotiateVersion: String?, authorization: String?, accessToken: String?) async -> Result<
        NegotiateResponse, Refusal
    > {
        guard hubs.contains(hub) else { return .failure(Self.unknownHub(hub)) }
        let version: Int
        do throws(HubProtocolError) {
            version = try NegotiateResponse.negotiatedVersion(query: negotiateVersion)
        } catch {
            return .failure(Refusal(status: 400, message: error.message))
        }
        let user: HubUser?
        switch await authenticator.authenticate(authorization: authorization, accessToken: accessToken) {
        case .rejected(let reason): return .failure(Refusal(status: 401, message: reason))
        case .anonymous: user = nil
        case .authenticated(let authenticated): user = authenticated
        }
        guard let (connectionID, token) = negotiated.register(hub: hub, memberID: memberID, userID: user?.id, version: version) else {
            return .failure(Refusal(status: 503, message: "Too many negotiated connections are waiting for their WebSocket; retry later"))
        }
        return .success(NegotiateResponse(negotiateVersion: version, connectionId: connectionID, connectionToken: token))
    }

    /// Decides a WebSocket upgrade of `GET /hubs/{hub}[?id=…]`. With `claim`, a successful decision
    /// attaches the socket to the negotiated `id` (once per upgrade); without, it only checks.
    func admit(
        hub: String,
        id: String?,
        authorization: String?,
        accessToken: String?,
        claim: Bool = true
    ) async -> Result<AcceptedConnection, Refusal> {
        guard hubs.contains(hub) else { return .failure(Self.unknownHub(hub)) }
        let user: HubUser?
        switch await authenticator.authenticate(authorization: authorization, accessToken: accessToken) {
        case .rejected(let reason): return .failure(Refusal(status: 401, message: reason))
        case .anonymous: user = nil
        case .authenticated(let authenticated): user = authenticated
        }
        guard let id, !id.isEmpty else {
            return .success(AcceptedConnection(hub: hub, connectionID: ConnectionID.make(member: memberID), negotiationID: nil, user: user))
        }
        switch negotiated.claim(id, hub: hub, userID: user?.id, dryRun: !claim) {
        case .success(let connectionID):
            return .success(AcceptedConnection(hub: hub, connectionID: connectionID, negotiationID: id, user: user))
        case .failure(.unknown):
            return .failure(Refusal(status: 404, message: "No connection with the id '\(id)': negotiate again"))
        case .failure(.alreadyConnected):
            return .failure(Refusal(status: 409, message: "The connection '\(id)' already has a WebSocket"))
        case .failure(.otherUser):
            return .failure(Refusal(status: 403, message: "The connection '\(id)' was negotiated by another user"))
        }
    }

    static func unknownHub(_ hub: String) -> Refusal {
        Refusal(status: 404, message: "No hub named '\(hub)'")
    }
}
