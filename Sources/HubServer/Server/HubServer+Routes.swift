import HTTPTypes
import HubProtocol
import Hummingbird
import HummingbirdCore
import NIOCore

extension HubServer {
    /// The path prefix of hubs: `/hubs/{hub}`.
    static let hubsPrefix = "/hubs/"

    /// The hub named by a WebSocket path `/hubs/{hub}` (a trailing `/` is allowed).
    static func hubName(fromPath path: String) -> String? {
        guard path.hasPrefix(hubsPrefix) else { return nil }
        var name = path.dropFirst(hubsPrefix.count)
        if name.hasSuffix("/") { name = name.dropLast() }
        guard !name.isEmpty, !name.contains("/") else { return nil }
        return String(name)
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        if !configuration.corsOrigins.isEmpty {
            router.middlewares.add(HubCORSMiddleware(origins: configuration.corsOrigins))
        }
        if let directory = configuration.staticDirectory {
            router.middlewares.add(FileMiddleware(directory, searchForIndexHtml: true, logger: logger))
        }
        router.post("/hubs/:hub/negotiate") { [self] request, context -> Response in
            let hub = context.parameters.get("hub") ?? ""
            let outcome = await gate.negotiate(
                hub: hub,
                negotiateVersion: request.uri.queryParameters.get("negotiateVersion"),
                authorization: request.headers[.authorization],
                accessToken: request.uri.queryParameters.get("access_token")
            )
            switch outcome {
            case .success(let response): return Self.json(.ok, response.encoded())
            case .failure(let refusal):
                ServerMetrics.refused(status: refusal.status)
                return Self.refuse(refusal)
            }
        }
        router.get("/hubs/:hub") { _, _ -> Response in
            // WebSocket upgrades never reach the router (see HubChannel): this is a plain GET.
            Self.refuse(Refusal(status: 400, message: "This server supports only the WebSockets transport: open a WebSocket"))
        }
        if let registry = configuration.metrics {
            router.get("/metrics") { _, _ -> Response in
                Response(
                    status: .ok,
                    headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
                )
            }
        }
        router.get("/health") { [self] _, _ -> Response in
            let report = health()
            return Self.json(HTTPResponse.Status(code: report.httpStatus), report.encoded())
        }
        return router
    }

    /// Decides a WebSocket upgrade request: the session to run, or the HTTP refusal.
    func decideUpgrade(_ request: HTTPRequest) async -> HubChannel.UpgradeDecision {
        let uri = URI(request.path ?? "")
        guard let hub = Self.hubName(fromPath: uri.path) else { return .notHub }
        guard let endpoint = endpoints[hub] else { return .refuse(ConnectionGate.unknownHub(hub)) }
        if let origin = request.headerFields[.origin], let refusal = originPolicy.refusal(origin: origin, host: request.authority) {
            if originPolicy.isFirstRefusal(of: origin) {
                logger.info(
                    "refused a WebSocket from a page of another origin (allowed: this server's own pages and --cors-origin; repeats log at debug)",
                    metadata: ["hubmesh.origin": "\(WebSocketOriginPolicy.shown(origin))", "hubmesh.hub": "\(hub)"])
            }
            return .refuse(refusal)
        }
        let outcome = await gate.admit(
            hub: hub,
            id: uri.queryParameters.get("id"),
            authorization: request.headerFields[.authorization],
            accessToken: uri.queryParameters.get("access_token")
        )
        let accepted: AcceptedConnection
        switch outcome {
        case .failure(let refusal): return .refuse(refusal)
        case .success(let value): accepted = value
        }
        let configuration = self.configuration.session
        let negotiated = gate.negotiated
        let logger = self.logger
        let sessions = self.sessions
        let flushers = self.flushers
        return .upgrade { channel in
            let writer = SocketWriter(channel: channel, flusher: flushers.flusher(for: channel.eventLoop))
            let session = HubSession(endpoint: endpoint, accepted: accepted, configuration: configuration, writer: writer, logger: logger) {
                [sessions] session in
                sessions.remove(session)
                if let id = accepted.negotiationID { negotiated.release(id) }
            }
            sessions.insert(session)
            return session
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: [UInt8]) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    static func refuse(_ refusal: Refusal) -> Response {
        var response = json(HTTPResponse.Status(code: refusal.status), NegotiateResponse.error(refusal.message))
        if refusal.status == 401 {
            response.headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\""
        }
        return response
    }
}
