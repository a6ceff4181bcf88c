import HTTPTypes
import HubProtocol
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// The server's child channel: HTTP/1.1 with a WebSocket upgrade whose refusals carry a status.
///
/// Hummingbird's own upgrade channel answers every refused upgrade with a bare 400; SignalR clients
/// need 404 for an unknown connection id, 409 for a second socket and 401 for a missing token, so
/// this channel keeps the refusal of ``UpgradeDecision`` and writes it instead.
struct HubChannel: ServerChildChannel, HTTPChannelHandler {
    /// What to do with an upgrade request.
    enum UpgradeDecision: Sendable {
        /// Upgrade, then serve the socket with the session this makes for its channel.
        case upgrade(@Sendable (any Channel) -> HubSession)
        /// Answer with this status and message.
        case refuse(Refusal)
        /// Not a hub path: the HTTP router answers.
        case notHub
    }

    enum UpgradeResult: Sendable {
        /// Upgraded: a ``HubSocketHandler`` serves the socket on its event loop, no task needed.
        case websocket
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, Refusal, Logger)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    let responder: Responder
    let webSocket: WebSocketServerConfiguration
    let decide: @Sendable (HTTPRequest, Logger) async -> UpgradeDecision

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // What `decide` said, kept for the pipeline handler (accepted) or the HTTP answer (refused).
            let decision = NIOLockedValueBox<UpgradeDecision?>(nil)
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: webSocket.maxFrameSize,
                shouldUpgrade: { channel, head in
                    let request: HTTPRequest
                    do {
                        request = try HTTPRequest(head, secure: false, splitCookie: false)
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                    let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
                    promise.completeWithTask {
                        let outcome = await decide(request, logger)
                        decision.withLockedValue { $0 = outcome }
                        if case .upgrade = outcome { return HTTPHeaders() }
                        return nil
                    }
                    return promise.futureResult
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard case .upgrade(let makeSession) = decision.withLockedValue({ $0 }) else {
                            throw ChannelError.inappropriateOperationForState
                        }
                        let session = makeSession(channel)
                        do {
                            try channel.pipeline.syncOperations.addHandler(HubSocketHandler(session: session, closeGrace: webSocket.closeTimeout))
                        } catch {
                            session.transportClosed()  // ends it: out of the registry, its negotiation released
                            throw error
                        }
                        return UpgradeResult.websocket
                    }
                }
            )
            let configuration = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        // Closes idle keep-alive connections when the server quiesces (graceful shutdown).
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        switch decision.withLockedValue({ $0 }) {
                        case .refuse(let refusal):
                            return UpgradeResult.refused(asyncChannel, refusal, logger)
                        case .notHub:
                            let refusal = Refusal(status: 404, message: "No WebSocket endpoint at this path; hubs are at /hubs/{hub}")
                            return UpgradeResult.refused(asyncChannel, refusal, logger)
                        case .upgrade, .none:
                            return UpgradeResult.notUpgraded(asyncChannel)
                        }
                    }
                }
            )
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: configuration)
            pipeline.enablePipelining = false
            pipeline.enableErrorHandling = false
            pipeline.enableResponseHeaderValidation = false
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .notUpgraded(let http1):
                await handleHTTP(asyncChannel: http1, logger: logger)
            case .refused(let http1, let refusal, let logger):
                await Self.writeRefusal(refusal, to: http1, logger: logger)
            case .websocket:
                // The connection lives on in its channel handlers; nothing to wait for here.
                break
            }
        } catch {
            logger.debug("connection ended during the upgrade", metadata: ["error": "\(error)"])
        }
    }

    static func writeRefusal(_ refusal: Refusal, to channel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger) async {
        ServerMetrics.refused(status: refusal.status)
        logger.debug("WebSocket upgrade refused", metadata: ["hubmesh.http.status": "\(refusal.status)", "reason": "\(refusal.message)"])
        let body = NegotiateResponse.error(refusal.message)
        var headers: HTTPFields = [
            .connection: "close",
            .contentType: "application/json; charset=utf-8",
            .contentLength: "\(body.count)",
        ]
        if refusal.status == 401 { headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\"" }
        do {
            try await channel.executeThenClose { _, outbound in
                try await outbound.write(
                    contentsOf: [
                        .head(HTTPResponse(status: .init(code: refusal.status), headerFields: headers)),
                        .body(ByteBuffer(bytes: body)),
                        .end(nil),
                    ]
                )
            }
        } catch {
            logger.trace("cannot write the refusal", metadata: ["error": "\(error)"])
        }
    }
}
