import HubProtocol
import Testing

@testable import HubServer

@Suite("Negotiate and WebSocket upgrade decisions")
struct ConnectionGateTests {
    static func gate(required: Bool = false, timeout: Duration = .seconds(30), limit: Int = 100) async throws -> ConnectionGate {
        ConnectionGate(
            hubs: ["chat"],
            memberID: "node1",
            authenticator: try await Authenticator(configuration: AuthConfiguration(key: .secret(Tokens.secret), required: required)),
            negotiated: NegotiatedConnections(timeout: timeout, limit: limit)
        )
    }

    @Test func negotiateVersion1GivesIdAndSecretToken() async throws {
        let gate = try await Self.gate()
        let response = try await gate.negotiate(hub: "chat", negotiateVersion: "1", authorization: nil, accessToken: nil).get()
        #expect(response.negotiateVersion == 1)
        #expect(response.connectionId.hasPrefix("node1."))
        let token = try #require(response.connectionToken)
        #expect(token != response.connectionId)
        let json = String(decoding: response.encoded(), as: UTF8.self)
        #expect(json.contains("\"connectionToken\""))
        #expect(json.contains("\"transport\":\"WebSockets\",\"transferFormats\":[\"Text\",\"Binary\"]"))
        // The token opens the socket; the public id does not.
        #expect(await gate.admit(hub: "chat", id: response.connectionId, authorization: nil, accessToken: nil).refusal?.status == 404)
        let accepted = try await gate.admit(hub: "chat", id: token, authorization: nil, accessToken: nil).get()
        #expect(accepted.connectionID == response.connectionId)
        #expect(accepted.negotiationID == token)
    }

    @Test func negotiateVersion0UsesTheConnectionIdAndHigherVersionsAreCapped() async throws {
        let gate = try await Self.gate()
        let v0 = try await gate.negotiate(hub: "chat", negotiateVersion: nil, authorization: nil, accessToken: nil).get()
        #expect(v0.negotiateVersion == 0)
        #expect(v0.connectionToken == nil)
        #expect(!String(decoding: v0.encoded(), as: UTF8.self).contains("connectionToken"))
        #expect(try await gate.admit(hub: "chat", id: v0.connectionId, authorization: nil, accessToken: nil).get().connectionID == v0.connectionId)
        let v5 = try await gate.negotiate(hub: "chat", negotiateVersion: "5", authorization: nil, accessToken: nil).get()
        #expect(v5.negotiateVersion == 1)
        #expect(await gate.negotiate(hub: "chat", negotiateVersion: "x", authorization: nil, accessToken: nil).refusal?.status == 400)
    }

    @Test func unknownHubIs404() async throws {
        let gate = try await Self.gate()
        #expect(await gate.negotiate(hub: "nope", negotiateVersion: "1", authorization: nil, accessToken: nil).refusal?.status == 404)
        #expect(await gate.admit(hub: "nope", id: nil, authorization: nil, accessToken: nil).refusal?.status == 404)
    }

    @Test func unknownIdIs404AndSecondSocketIs409() async throws {
        let gate = try await Self.gate()
        #expect(await gate.admit(hub: "chat", id: "node1.unknown", authorization: nil, accessToken: nil).refusal?.status == 404)
        let token = try #require(
            try await gate.negotiate(hub: "chat", negotiateVersion: "1", authorization: nil, accessToken: nil).get().connectionToken)
        #expect(await gate.admit(hub: "chat", id: token, authorization: nil, accessToken: nil, claim: false).refusal == nil)
        #expect(await gate.admit(hub: "chat", id: token, authorization: nil, accessToken: nil).refusal == nil)
        #expect(await gate.admit(hub: "chat", id: token, authorization: nil, accessToken: nil).refusal?.status == 409)
        gate.negotiated.release(token)
        #expect(await gate.admit(hub: "chat", id: token, authorization: nil, accessToken: nil).refusal?.status == 404)
    }

    @Test func skipNegotiationMakesANewConnectionOfThisNode() async throws {
        let gate = try await Self.gate()
        let first = try await gate.admit(hub: "chat", id: nil, authorization: nil, accessToken: nil).get()
        let second = try await gate.admit(hub: "chat", id: "", authorization: nil, accessToken: nil).get()
        #expect(first.connectionID.hasPrefix("node1."))
        #expect(first.connectionID != second.connectionID)
        #expect(first.negotiationID == nil)
    }

    @Test func authIsCheckedOnNegotiateAndUpgrade() async throws {
        let gate = try await Self.gate(required: true)
        #expect(await gate.negotiate(hub: "chat", negotiateVersion: "1", authorization: nil, accessToken: nil).refusal?.status == 401)
        #expect(await gate.admit(hub: "chat", id: nil, authorization: nil, accessToken: nil).refusal?.status == 401)
        #expect(await gate.admit(hub: "chat", id: nil, authorization: "Bearer bad", accessToken: nil).refusal?.status == 401)
        let alice = try await Tokens.hs256(["sub": "alice"])
        let bob = try await Tokens.hs256(["sub": "bob"])
        let response = try await gate.negotiate(hub: "chat", negotiateVersion: "1", authorization: "Bearer \(alice)", accessToken: nil).get()
        let token = try #require(response.connectionToken)
        #expect(await gate.admit(hub: "chat", id: token, authorization: nil, accessToken: bob).refusal?.status == 403)
        let accepted = try await gate.admit(hub: "chat", id: token, authorization: nil, accessToken: alice).get()
        #expect(accepted.user?.id == "alice")
    }

    @Test func unclaimedNegotiationsExpireAndAreBounded() async throws {
        let gate = try await Self.gate(timeout: .milliseconds(50), limit: 2)
        let token = try #require(
            try await gate.negotiate(hub: "chat", negotiateVersion: "1", authorization: nil, accessToken: nil).get().connectionToken)
        _ = try await gate.negotiate(hub: "chat", negotiateVersion: "1", authorization: nil, accessToken: nil).get()
        #expect(await gate.negotiate(hub: "chat", negotiateVersion: "1", authorization: nil, accessToken: nil).refusal?.status == 503)
        try await Task.sleep(for: .milliseconds(80))
        #expect(await gate.admit(hub: "chat", id: token, authorization: nil, accessToken: nil).refusal?.status == 404)
        #expect(await gate.negotiate(hub: "chat", negotiateVersion: "1", authorization: nil, accessToken: nil).refusal == nil)
    }
}

extension Result where Failure == Refusal {
    var refusal: Refusal? {
        if case .failure(let refusal) = self { return refusal }
        return nil
    }
}
