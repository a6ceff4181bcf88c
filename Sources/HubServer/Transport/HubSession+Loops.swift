import HubMesh
import HubProtocol
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

extension HubSession {
    private enum LoopEnd: Sendable {
        case reader, writer, grace, other
    }

    /// Serves the WebSocket until it is closed, then tells the lifetime manager and the hub.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        await withTaskGroup(of: LoopEnd.self) { group in
            group.addTask {
                await self.readLoop(inbound)
                return .reader
            }
            group.addTask {
                await self.writeLoop(outbound)
                return .writer
            }
            group.addTask {
                await self.tickLoop()
                return .other
            }
            group.addTask {
                await self.dispatchLoop()
                return .other
            }
            var readerDone = false
            var writerDone = false
            while let end = await group.next() {
                switch end {
                case .reader:
                    readerDone = true
                case .writer:
                    writerDone = true
                    if !readerDone {
                        group.addTask {
                            try? await Task.sleep(for: self.configuration.closeGrace)
                            return .grace
                        }
                    }
                case .grace, .other:
                    break
                }
                if (readerDone && writerDone) || end == .grace {
                    transportClosed()
                    group.cancelAll()
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

    private func writeLoop(_ outbound: WebSocketOutboundWriter) async {
        for await frame in self.outbound {
            do {
                switch frame {
                case .message(let bytes, let format, let counted):
                    guard willWrite(counted: counted) else { continue }
                    try await outbound.write(.custom(Self.frame(bytes, format)))
                    endpoint.metrics.sent.increment()
                case .close(let finalMessage, let format, let code, let reason):
                    if let finalMessage {
                        try await outbound.write(.custom(Self.frame(finalMessage, format)))
                    }
                    try await outbound.close(code, reason: reason.map(Self.closeReason))
                    return
                }
            } catch {
                logger.debug("WebSocket write failed", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    private func tickLoop() async {
        let cap = min(.seconds(1), min(configuration.connection.keepAliveInterval, configuration.connection.clientTimeout) / 4)
        var deadline = nextDeadline
        while let due = deadline {
            let wake = min(due, ContinuousClock.now.advanced(by: cap))
            do {
                try await Task.sleep(until: wake, tolerance: .milliseconds(10), clock: .continuous)
            } catch {
                return
            }
            deadline = tick()
        }
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

    static func frame(_ bytes: [UInt8], _ format: TransferFormat) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: format == .binary ? .binary : .text, data: ByteBuffer(bytes: bytes))
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
