import HubMesh
import HubProtocol

/// Some clients of a hub (all, a group, a user, one connection, ...), to which methods are sent.
///
/// Sends go through the hub's ``HubLifetimeManager``, so they reach the recipients wherever they
/// are connected in the mesh. The invocation is serialized once per hub protocol.
public struct ClientProxy: Sendable {
    enum Target: Sendable, Hashable {
        case all(excluding: [String])
        case connections([String])
        case groups([String], excluding: [String])
        case users([String])
    }

    let target: Target
    let sender: HubSender

    /// Invokes `method` on the clients with `arguments`, each encoded with ``HubValueEncoder``.
    /// - Throws: ``HubError`` with `.invalidArgument` when an argument cannot be encoded; the
    ///   lifetime manager's errors (``HubMeshError``) when the mesh does not accept the message.
    public func send(_ method: String, _ arguments: any Encodable...) async throws {
        var values: [HubValue] = []
        values.reserveCapacity(arguments.count)
        for (index, argument) in arguments.enumerated() {
            do throws(HubProtocolError) {
                values.append(try HubValueEncoder().encode(argument))
            } catch {
                throw HubError(code: .invalidArgument, message: "Argument \(index + 1) of '\(method)' cannot be encoded: \(error.message)")
            }
        }
        try await send(method, arguments: values)
    }

    /// Invokes `method` on the clients with arguments that are already ``HubValue``s.
    public func send(_ method: String, arguments: [HubValue]) async throws {
        let payloads = try sender.payloads(method: method, arguments: arguments)
        let lifetime = sender.lifetime
        switch target {
        case .all(let excluded):
            try await lifetime.sendAll(payloads, excluding: excluded)
        case .connections(let ids):
            try await lifetime.sendConnections(ids, payloads)
        case .groups(let groups, let excluded):
            for group in groups { try await lifetime.sendGroup(group, payloads, excluding: excluded) }
        case .users(let users):
            try await lifetime.sendUsers(users, payloads)
        }
    }
}
