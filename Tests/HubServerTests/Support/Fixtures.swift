import HubMesh
import HubProtocol
import Logging

@testable import HubServer

/// A hub, a local lifetime manager and connected recording connections, for dispatch tests.
struct HubFixture {
    let lifetime: LocalHubLifetimeManager
    let dispatcher: HubDispatcher

    init(_ hub: Hub, detailedErrors: Bool = false) {
        lifetime = LocalHubLifetimeManager(hub: hub.name, logger: Logger(label: "test"))
        dispatcher = HubDispatcher(hub: hub, detailedErrors: detailedErrors)
    }

    func connect(_ id: String, user: String? = nil, protocolName: String = "json") async -> RecordingConnection {
        let connection = RecordingConnection(id, user: user, protocolName: protocolName)
        await lifetime.onConnected(connection)
        return connection
    }

    func context(_ id: String, user: HubUser? = nil) -> HubContext {
        HubContext(hub: lifetime.hub, connectionID: id, user: user, lifetime: lifetime, logger: Logger(label: "test"))
    }

    /// Invokes `target` as connection `id` with invocation id "1"; returns the completion outcome.
    func call(_ target: String, _ arguments: [HubValue], as id: String = "local.a", user: HubUser? = nil) async -> CompletionMessage.Outcome? {
        let reply = await dispatcher.handle(
            .invocation(InvocationMessage(invocationId: "1", target: target, arguments: arguments)),
            context: context(id, user: user)
        )
        guard case .completion(let completion) = reply else { return nil }
        return completion.outcome
    }
}

extension CompletionMessage.Outcome {
    /// The error message, if this is an error.
    var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}
