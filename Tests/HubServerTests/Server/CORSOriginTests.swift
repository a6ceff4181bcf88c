import Testing

@testable import HubServer

@Suite("CORS origins: what --cors-origin accepts")
struct CORSOriginTests {
    @Test(arguments: [
        "*", "http://localhost", "https://app.example.com", "https://app.example.com:8443", "http://127.0.0.1:8080/", "HTTPS://App.Example.COM",
    ])
    func originsABrowserSendsAreAccepted(origin: String) {
        #expect(HubServerConfiguration.corsOriginProblem(origin) == nil)
    }

    @Test(arguments: [
        "", "app.example.com", "//app.example.com", "ftp://app.example.com", "https://", "https://:8080", "https://app.example.com/chat",
        "https://app.example.com?x=1", "https://app.example.com#top", "https://user@app.example.com", "https://app.example.com:0",
        "https://app.example.com:65536", "https://app.example.com:http", "https://app .example.com", "**",
    ])
    func anythingElseIsRefusedWithTheReason(origin: String) {
        let problem = HubServerConfiguration.corsOriginProblem(origin)
        #expect(problem?.contains("CORS origin '\(origin)'") == true, "\(origin): \(problem ?? "accepted")")
    }

    @Test func originsAreComparedWithoutCaseOrATrailingSlash() {
        #expect(HubServerConfiguration.normalizedOrigin("HTTPS://App.Example.com/") == "https://app.example.com")
    }
}
