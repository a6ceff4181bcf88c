import HubMesh

/// A client connection as the lifetime managers see it: writes go into the session's bounded
/// outbound queue and never block (they are called from the mesh I/O thread).
final class SocketConnection: HubConnection {
    let connectionID: String
    let userID: String?
    let protocolName: String
    private let session: HubSession

    init(connectionID: String, userID: String?, protocolName: String, session: HubSession) {
        self.connectionID = connectionID
        self.userID = userID
        self.protocolName = protocolName
        self.session = session
    }

    func write(_ bytes: [UInt8]) {
        session.enqueueHubMessage(bytes)
    }
}
