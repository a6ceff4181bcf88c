import HubMesh
import HubProtocol
import NIOCore
import NIOWebSocket

extension HubSession {
    /// Runs the queued dispatch items in order, then ends; after the transport is gone, runs the
    /// disconnect (lifetime manager, disconnected hooks) once and calls `onEnd`. Started by the
    /// session when an item arrives and no dispatch task runs. The task is cancelled when the
    /// transport goes (the hub method in progress sees `Task.isCancelled`); the disconnect then runs
    /// in a task of its own, so the lifetime manager and the hooks are not cancelled.
    func dispatchLoop() async {
        while true {
            switch nextDispatchStep() {
            case .run(let item):
                await dispatch(item)
            case .disconnect:
                if Task.isCancelled {
                    await Task { await self.finish() }.value
                } else {
                    await finish()
                }
                onEnd(self)  // the next step is .stop
            case .stop:
                return
            }
        }
    }

    private func finish() async {
        let (opened, reason) = state.withLock { ($0.opened, $0.closeReason) }
        guard opened else { return }
        endpoint.metrics.closed(reason: reason ?? "clientClosed")
        await endpoint.lifetime.onDisconnected(accepted.connectionID)
        endpoint.connectionClosed()
        for hook in endpoint.hub.disconnectedHooks {
            do {
                try await hook(context)
            } catch {
                logger.warning("on-disconnected hook failed", metadata: ["error": "\(error)"])
            }
        }
        logger.debug("connection closed")
    }

    private func dispatch(_ item: DispatchItem) async {
        switch item {
        case .connected(let connection):
            await endpoint.lifetime.onConnected(connection)
            endpoint.connectionOpened()
            state.withLock { $0.opened = true }
            logger.debug("connection open", metadata: ["hubmesh.protocol": "\(connection.protocolName)"])
            for hook in endpoint.hub.connectedHooks {
                do {
                    try await hook(context)
                } catch {
                    logger.warning("on-connected hook failed; closing the connection", metadata: ["error": "\(error)"])
                    stopDispatching()
                    close(
                        error: "The server failed to accept the connection: \(Self.describe(error))",
                        code: .unexpectedServerError,
                        metric: "connectedHookFailed"
                    )
                    return
                }
            }
        case .message(let message):
            if let reply = await endpoint.dispatcher.handle(message, context: context) {
                enqueueReply(reply)
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        (error as? HubError)?.message ?? "an error on the server"
    }

    /// WebSocket close reasons are limited to 123 bytes of UTF-8.
    static func closeReason(_ reason: String) -> String {
        guard reason.utf8.count > 123 else { return reason }
        var cut = ""
        for character in reason {
            if cut.utf8.count + character.utf8.count > 120 { break }
            cut.append(character)
        }
        return cut + "..."
    }
}
