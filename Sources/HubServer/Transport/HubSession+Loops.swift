import HubMesh
import HubProtocol
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

extension HubSession {
    private enum LoopEnd: Sendable {
        case reader, grace, other
    }

    /// Serves the WebSocket until it is closed, then tells the lifetime manager and the hub.
    ///
    /// Two child tasks: the reader and the hub-method dispatcher. Frames are written by the
    /// ``SocketWriter`` on the event loop; this task only performs the WebSocket close once the
    /// frames before it are written, then gives the client `closeGrace` to answer.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        await withTaskGroup(of: LoopEnd.self) { group in
            group.addTask {
                await self.readLoop(inbound)
                return .reader
            }
            group.addTask {
                await self.dispatchLoop()
                return .other
            }
            if let request = await closeRequested() {
                do {
                    try await outbound.close(request.code, reason: request.reason.map(Self.closeReason))
                } catch {
                    logger.debug("WebSocket close failed", metadata: ["error": "\(error)"])
                }
                group.addTask {
                    try? await Task.sleep(for: self.configuration.closeGrace)
                    return .grace
                }
            }
            while let end = await group.next() {
                switch end {
                case .reader, .grace:
                    transportClosed()
                    group.cancelAll()
                case .other:
                    break
                }
            }
        }
        await finish()
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

    private func readLoop(_ inbound: WebSocketInboundStream) async {
        do {
            for try await frame in inbound {
                received(Array(frame.data.readableBytesView))
            }
        } catch {
            logger.debug("WebSocket read failed", metadata: ["error": "\(error)"])
        }
        transportClosed()
    }

    private func dispatchLoop() async {
        for await item in inbox {
            dispatched()
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
