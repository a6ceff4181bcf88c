import HubMesh
import HubProtocol
import Logging

/// Runs the messages a client sends to a hub and says what to answer: SignalR's hub dispatcher.
///
/// It has no I/O of its own: ``handle(_:context:)`` returns the `Completion` to write back to the
/// caller, if any; sends made by the method go through the lifetime manager.
public struct HubDispatcher: Sendable {
    /// The hub served.
    public let hub: Hub
    /// Whether the message of any error thrown by a method goes to the client. When false, only
    /// ``HubError`` and ``HubMeshError`` messages do; others become a generic message (and are logged).
    public let detailedErrors: Bool
    let metrics: ServerMetrics

    /// Creates a dispatcher.
    public init(hub: Hub, detailedErrors: Bool = false) {
        self.hub = hub
        self.detailedErrors = detailedErrors
        self.metrics = ServerMetrics(hub: hub.name)
    }

    /// Handles one message from the client; returns the message to send back to the caller, if any.
    public func handle(_ message: HubMessage, context: HubContext) async -> HubMessage? {
        switch message {
        case .invocation(let invocation):
            return await invoke(invocation, context: context)
        case .streamInvocation(let invocation):
            let error = HubError(code: .unsupported, message: "Streaming hub methods are not supported; invoke '\(invocation.target)' normally")
            return reply(invocation.invocationId, .error(error.message), target: invocation.target, context: context)
        case .streamItem(let item):
            context.logger.debug(
                "ignored a stream item: client-to-server streams are not supported", metadata: ["hubmesh.invocation.id": "\(item.invocationId)"])
            return nil
        case .completion(let completion):
            context.logger.debug(
                "ignored a completion: client results are not supported", metadata: ["hubmesh.invocation.id": "\(completion.invocationId)"])
            return nil
        case .cancelInvocation, .ack, .sequence, .ping, .close:
            return nil
        }
    }

    /// Runs an invocation and returns its `Completion` (nil for a non-blocking invocation).
    public func invoke(_ invocation: InvocationMessage, context: HubContext) async -> HubMessage? {
        let outcome: CompletionMessage.Outcome
        do {
            let result = try await run(invocation, context: context)
            outcome = result.map { .result($0) } ?? .void
        } catch let error as HubError {
            outcome = .error(error.message)
        } catch let error as HubMeshError {
            outcome = .error("Failed to invoke '\(invocation.target)': \(error.message)")
        } catch {
            context.logger.warning(
                "hub method failed",
                metadata: ["hubmesh.hub.method": "\(invocation.target)", "error": "\(error)"]
            )
            outcome = .error(
                detailedErrors
                    ? "Failed to invoke '\(invocation.target)': \(error)"
                    : "Failed to invoke '\(invocation.target)' due to an error on the server."
            )
        }
        if case .error = outcome { metrics.invoked(ok: false) } else { metrics.invoked(ok: true) }
        return reply(invocation.invocationId, outcome, target: invocation.target, context: context)
    }

    private func run(_ invocation: InvocationMessage, context: HubContext) async throws -> HubValue? {
        guard let method = hub.methods[invocation.target] else {
            throw HubError(code: .unknownMethod, message: "Unknown hub method '\(invocation.target)'")
        }
        guard invocation.streamIds.isEmpty else {
            throw HubError(code: .unsupported, message: "Failed to invoke '\(invocation.target)': client-to-server streams are not supported")
        }
        if let expected = method.parameterCount, expected != invocation.arguments.count {
            throw HubError(
                code: .wrongArgumentCount,
                message: "Failed to invoke '\(invocation.target)': it takes \(expected) argument(s) but the invocation provides "
                    + "\(invocation.arguments.count)"
            )
        }
        return try await method.body(context, invocation.arguments)
    }

    private func reply(_ invocationID: String?, _ outcome: CompletionMessage.Outcome, target: String, context: HubContext) -> HubMessage? {
        guard let invocationID else {
            if case .error(let message) = outcome {
                context.logger.info("non-blocking invocation failed", metadata: ["hubmesh.hub.method": "\(target)", "error": "\(message)"])
            }
            return nil
        }
        return .completion(CompletionMessage(invocationId: invocationID, outcome: outcome))
    }
}
