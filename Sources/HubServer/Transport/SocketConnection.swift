import HubMesh
import HubProtocol

/// A client connection as the lifetime managers see it: writes go into the session's bounded
/// outbound queue and never block (they are called from the mesh I/O thread).
final class SocketConnection: HubConnection {
    let connectionID: String
    let userID: String?
    let protocolName: String
    let format: TransferFormat
    private let session: HubSession

    init(connectionID: String, userID: String?, protocolName: String, format: TransferFormat, session: HubSession) {
        self.connectionID = connectionID
        self.userID = userID
        self.protocolName = protocolName
        self.format = format
        self.session = session
    }

    func write(_ bytes: [UInt8]) {
        session.enqueueHubMessage(bytes)
    }

    func write(_ message: SharedMessage) {
        session.enqueueHubMessage(message, format: format)
    }
}
