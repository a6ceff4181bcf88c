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
}
