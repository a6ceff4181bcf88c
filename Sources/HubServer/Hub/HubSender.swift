import HubMesh
import HubProtocol

/// Serializes hub invocations once per protocol and hands them to the hub's lifetime manager.
struct HubSender: Sendable {
    let lifetime: any HubLifetimeManager
    let protocols: [any HubProtocolCodec]

    /// The `Invocation` of `method` with `arguments`, framed for every protocol.
    func payloads(method: String, arguments: [HubValue]) throws -> Payloads {
        let message = HubMessage.invocation(InvocationMessage(target: method, arguments: arguments))
        return Payloads(try HubProtocols.encodedPayloads(for: message, protocols: protocols))
    }
}
