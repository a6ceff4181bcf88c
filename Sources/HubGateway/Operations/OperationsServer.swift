import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// The gateway's HTTP operations endpoint on Hummingbird: `GET /metrics` (Prometheus text) and
/// `GET /health` (``GatewayHealth``). Other paths get 404, other methods 405. It never touches the
/// ingress: a bad HTTP client costs an event-loop task, not a request slot.
final class OperationsServer: Service, Sendable {
    /// Where the listener is in its life.
    enum Listening: Equatable, Sendable {
        case pending
        /// Serving at this URL (`http://host:port`, with the chosen port for port 0).
        case listening(String)
        /// Not serving: the address was in use and ``GatewayConfiguration/HTTP/ifAvailable`` was set, or it stopped.
        case unavailable
        /// It could not listen: the gateway stops with this error.
        case failed(GatewayError)
    }

    let configuration: GatewayConfiguration.HTTP
    private let health: @Sendable () -> GatewayHealth
    private let logger: Logger
    private let state = Mutex(Listening.pending)

    init(configuration: GatewayConfiguration.HTTP, logger: Logger, health: @escaping @Sendable () -> GatewayHealth) {
        self.configuration = configuration
        self.logger = logger
        self.health = health
    }

    var listening: Listening { state.withLock { $0 } }

    /// Serves until a graceful shutdown.
    /// - Throws: ``GatewayError`` `.bind` when the address cannot be bound (unless ``GatewayConfiguration/HTTP/ifAvailable``).
    func run() async throws {
        let host = configuration.host
        let application = Application(
            responder: CallbackResponder { [self] (request: Request, _: BasicRequestContext) in
                respond(method: request.method.rawValue, path: request.uri.string)
            },
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: ApplicationConfiguration(address: .hostname(host, port: configuration.port), serverName: "hubmesh-gateway"),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? configuration.port
                let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
                state.withLock { $0 = .listening(url) }
                logger.info("operations endpoint listening", metadata: ["hubmesh.gateway.http": "\(url)"])
            },
            logger: logger
        )
        do {
            try await application.run()
            state.withLock { $0 = .unavailable }
        } catch let error as IOError where error.errnoCode == EADDRINUSE && configuration.ifAvailable {
            logger.warning(
                "HTTP not served: \(host):\(configuration.port) is in use by another process; /metrics and /health are off (pass --http)",
                metadata: ["hubmesh.gateway.http": "\(host):\(configuration.port)"]
            )
            state.withLock { $0 = .unavailable }
            try? await gracefulShutdown()
        } catch {
            let reason = (error as? IOError)?.errnoCode == EADDRINUSE ? "the address is in use by another process" : "\(error)"
            let failure = GatewayError(
                code: .bind, message: "cannot listen for HTTP on \(host):\(configuration.port): \(reason); choose another --http, or --http none")
            state.withLock { $0 = .failed(failure) }
            throw failure
        }
    }

    /// Waits until the listener is bound or has given up.
    /// - Returns: its URL, or `nil` when it does not serve.
    /// - Throws: the ``GatewayError`` that stops the gateway when it could not listen; `.cancelled`
    ///   when the waiting task is cancelled first (not `nil`: that would read as "HTTP is off").
    func waitUntilListening() async throws(GatewayError) -> String? {
        while true {
            switch listening {
            case .listening(let url): return url
            case .unavailable: return nil
            case .failed(let error): throw error
            case .pending:
                do {
                    try await Task.sleep(for: .milliseconds(10))
                } catch {
                    throw GatewayError(code: .cancelled, message: "stopped waiting for the HTTP endpoint: the task was cancelled")
                }
            }
        }
    }

    func respond(method: String, path: String) -> Response {
        switch OperationsRoute(method: method, path: path) {
        case .metrics:
            guard let registry = configuration.metrics else {
                return Self.error(.notFound, "metrics are not collected by this gateway")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        case .health:
            let report = health()
            return Self.json(HTTPResponse.Status(code: report.httpStatus), report.encoded())
        case .notFound:
            return Self.error(.notFound, "no such path; this endpoint serves GET /health and GET /metrics")
        case .methodNotAllowed:
            var response = Self.error(.methodNotAllowed, "only GET is allowed here")
            response.headers[.allow] = "GET"
            return response
        }
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let body = (try? JSONSerialization.data(withJSONObject: ["error": message])) ?? Data()
        return json(status, Array(body))
    }

    static func json(_ status: HTTPResponse.Status, _ body: [UInt8]) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
