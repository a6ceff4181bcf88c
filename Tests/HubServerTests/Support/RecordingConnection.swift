import HubMesh
import HubProtocol
import Synchronization

/// A connection that records what it is sent, decoded with its protocol.
final class RecordingConnection: HubConnection {
    let connectionID: String
    let userID: String?
    let protocolName: String
    private let received = Mutex<[[UInt8]]>([])

    init(_ connectionID: String, user: String? = nil, protocolName: String = "json") {
        self.connectionID = connectionID
        self.userID = user
        self.protocolName = protocolName
    }

    func write(_ bytes: [UInt8]) {
        received.withLock { $0.append(bytes) }
    }

    /// Every message received so far.
    var messages: [HubMessage] {
        let codec = HubProtocols.named(protocolName)!
        return received.withLock { $0 }.flatMap { (try? codec.decodeMessages($0)) ?? [] }
    }

    /// The invocations received, as `target(arguments)`.
    var invocations: [InvocationMessage] {
        messages.compactMap { message in
            if case .invocation(let invocation) = message { return invocation }
            return nil
        }
    }
}
