import Logging
import Testing

@testable import HubGateway

@Suite("The operations endpoint's routes")
struct OperationsRouteTests {
    @Test(arguments: [
        ("GET", "/metrics", OperationsRoute.metrics),
        ("GET", "/health", .health),
        ("GET", "/health?verbose=1", .health),
        ("GET", "/metrics?", .metrics),
        ("POST", "/health", .methodNotAllowed),
        ("HEAD", "/metrics", .methodNotAllowed),
        ("get", "/health", .methodNotAllowed),
        ("GET", "/", .notFound),
        ("GET", "/health/", .notFound),
        ("GET", "/HEALTH", .notFound),
        ("DELETE", "/nope", .notFound),
        ("GET", "", .notFound),
        ("GET", "?/health", .notFound),
    ])
    func route(method: String, path: String, expected: OperationsRoute) {
        #expect(OperationsRoute(method: method, path: path) == expected)
    }

    @Test func addresses() throws {
        #expect(try GatewayConfiguration.HTTP.address("127.0.0.1:7001") == ("127.0.0.1", 7001))
        #expect(try GatewayConfiguration.HTTP.address(":0") == ("127.0.0.1", 0))
        #expect(try GatewayConfiguration.HTTP.address("[::1]:8080") == ("::1", 8080))
        for bad in ["localhost", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:-1", "127.0.0.1:x"] {
            #expect(throws: GatewayError.self, "\(bad)") { try GatewayConfiguration.HTTP.address(bad) }
        }
    }

    /// A task waiting for an HTTP endpoint that never settles, then cancelled, is told so: it must not
    /// read "no HTTP" (nil), or `hubmesh-gateway` would announce `ready … http=none` for a gateway
    /// whose HTTP bind is failing.
    @Test func waitingForTheListenerEndsWithAnErrorWhenCancelled() async {
        let server = OperationsServer(configuration: .init(port: 0), logger: Logger(label: "test")) {
            preconditionFailure("the server is not run in this test")
        }
        let waiter = Task { () -> Result<String?, GatewayError> in
            do throws(GatewayError) { return .success(try await server.waitUntilListening()) } catch { return .failure(error) }
        }
        try? await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        switch await waiter.value {
        case .success(let url): Issue.record("a cancelled wait answered \(url ?? "nil") instead of throwing")
        case .failure(let error): #expect(error.code == .cancelled, "\(error)")
        }
    }
}
