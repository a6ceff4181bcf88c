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

@Suite("WebSocket origins: which pages may open a hub connection")
struct WebSocketOriginPolicyTests {
    static let configured = WebSocketOriginPolicy(corsOrigins: ["https://app.example.com", "http://127.0.0.1:8080/"])

    @Test func configuredOriginsAndTheServersOwnPagesMayConnect() {
        let policy = Self.configured
        #expect(policy.refusal(origin: "https://app.example.com", host: "hub.example.com") == nil)
        #expect(policy.refusal(origin: "HTTPS://App.Example.com/", host: "hub.example.com") == nil, "compared without case or a trailing /")
        #expect(policy.refusal(origin: "http://127.0.0.1:8080", host: "127.0.0.1:5000") == nil)
        // A page served by this server: its origin's host and port are the Host it connected to.
        #expect(policy.refusal(origin: "http://127.0.0.1:5000", host: "127.0.0.1:5000") == nil)
        #expect(policy.refusal(origin: "https://Hub.Example.com", host: "hub.example.com") == nil)
    }

    @Test func programsWithoutAnOriginAreLeftToAuthentication() {
        #expect(Self.configured.refusal(origin: nil, host: "127.0.0.1:5000") == nil)
        #expect(Self.configured.refusal(origin: nil, host: nil) == nil)
    }

    @Test(arguments: [
        ("https://evil.example", "hub.example.com"), ("https://app.example.com:8443", "hub.example.com"),
        ("http://app.example.com", "hub.example.com"),
        ("null", "hub.example.com"), ("", "hub.example.com"), ("http://127.0.0.1:5001", "127.0.0.1:5000"), ("https://hub.example.com", ""),
        ("https://hub.example.com", "hub.example.com.evil.example"), ("hub.example.com", "hub.example.com"),
    ])
    func everyOtherPageIsRefusedWith403AndTheReason(origin: String, host: String) {
        let refusal = Self.configured.refusal(origin: origin, host: host)
        #expect(refusal?.status == 403, "\(origin) from a page on \(host)")
        #expect(refusal?.message.contains("origin '\(origin)'") == true)
    }

    @Test func anOversizedOriginIsRefusedWithoutBeingEchoedWhole() {
        let origin = "https://" + String(repeating: "a", count: 10_000) + ".example"
        let refusal = Self.configured.refusal(origin: origin, host: "hub.example.com")
        #expect(refusal?.status == 403)
        #expect((refusal?.message.utf8.count ?? .max) < 400, "the refusal echoes at most 200 characters of the origin")
        #expect(refusal?.message.contains("(10016 bytes)") == true, "and says how long it was: \(refusal?.message.prefix(300) ?? "")")
    }

    @Test func eachRefusedOriginIsReportedOnceAndOnlyTheFirstHundred() {
        let policy = WebSocketOriginPolicy(corsOrigins: ["https://app.example.com"])
        #expect(policy.isFirstRefusal(of: "https://evil.example"))
        #expect(!policy.isFirstRefusal(of: "https://evil.example"), "a repeat is not reported again")
        let reported = (0..<150).filter { policy.isFirstRefusal(of: "https://\($0).evil.example") }.count
        #expect(reported == WebSocketOriginPolicy.reportLimit - 1, "a flood of made-up origins cannot flood the log")
    }

    @Test func withoutConfiguredOriginsOrWithAStarEveryOriginMayConnect() {
        for policy in [WebSocketOriginPolicy(corsOrigins: []), WebSocketOriginPolicy(corsOrigins: ["https://app.example.com", "*"])] {
            #expect(policy.refusal(origin: "https://evil.example", host: "127.0.0.1:5000") == nil)
            #expect(policy.refusal(origin: "null", host: nil) == nil)
        }
    }
}
