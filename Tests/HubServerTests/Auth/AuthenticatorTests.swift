import HubProtocol
import Testing

@testable import HubServer

@Suite("Authentication decisions")
struct AuthenticatorTests {
    static func hmac(required: Bool) async throws -> Authenticator {
        try await Authenticator(configuration: AuthConfiguration(key: .secret(Tokens.secret), required: required))
    }

    @Test func bearerTokenFromHeaderOrQuery() {
        #expect(BearerToken.find(authorization: "Bearer abc", accessToken: nil) == "abc")
        #expect(BearerToken.find(authorization: "bearer  abc ", accessToken: "q") == "abc")
        #expect(BearerToken.find(authorization: "Basic xyz", accessToken: "q") == "q")
        #expect(BearerToken.find(authorization: nil, accessToken: "") == nil)
        #expect(BearerToken.find(authorization: "Bearer ", accessToken: nil) == nil)
    }

    @Test func noKeyMeansAnonymousAndRequiredWithoutKeyIsRefused() async throws {
        let open = try await Authenticator(configuration: AuthConfiguration())
        #expect(await open.authenticate(authorization: "Bearer whatever", accessToken: nil) == .anonymous)
        await #expect(throws: HubServerError.self) {
            _ = try await Authenticator(configuration: AuthConfiguration(required: true))
        }
    }

    @Test func validTokenGivesTheUserAndClaims() async throws {
        let token = try await Tokens.hs256(["sub": "alice", "groups": ["a", "b"], "exp": Tokens.epoch(600)])
        let auth = try await Self.hmac(required: true)
        let decision = await auth.authenticate(authorization: "Bearer \(token)", accessToken: nil)
        let user = try #require(decision.user)
        #expect(user.id == "alice")
        #expect(user.strings(of: "groups") == ["a", "b"])
        #expect(await auth.authenticate(authorization: nil, accessToken: token).user?.id == "alice")
    }

    @Test func missingTokenIsRefusedOnlyWhenRequired() async throws {
        let required = try await Self.hmac(required: true)
        guard case .rejected(let reason) = await required.authenticate(authorization: nil, accessToken: nil) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(reason.contains("bearer token is required"))
        let optional = try await Self.hmac(required: false)
        #expect(await optional.authenticate(authorization: nil, accessToken: nil) == .anonymous)
    }

    @Test func invalidTokensAreAlwaysRefused() async throws {
        let auth = try await Self.hmac(required: false)
        let forged = try await Tokens.hs256(["sub": "mallory"], secret: "another-secret-0123456789-abcdefghijk")
        let expired = try await Tokens.hs256(["sub": "alice", "exp": Tokens.epoch(-60)])
        let early = try await Tokens.hs256(["sub": "alice", "nbf": Tokens.epoch(600)])
        let anonymous = try await Tokens.hs256(["name": "no subject"])
        for token in [forged, expired, early, anonymous, "not.a.jwt", "garbage"] {
            let decision = await auth.authenticate(authorization: "Bearer \(token)", accessToken: nil)
            guard case .rejected = decision else {
                Issue.record("token \(token) was accepted: \(decision)")
                continue
            }
        }
        guard case .rejected(let reason) = await auth.authenticate(authorization: "Bearer \(anonymous)", accessToken: nil) else { return }
        #expect(reason.contains("'sub'"))
    }

    @Test func publicKeyVerifiesES256() async throws {
        let (token, pem) = try await Tokens.es256(["sub": "carol"])
        let auth = try await Authenticator(configuration: AuthConfiguration(key: .publicKeyPEM(pem), required: true))
        #expect(await auth.authenticate(authorization: "Bearer \(token)", accessToken: nil).user?.id == "carol")
        let hmacToken = try await Tokens.hs256(["sub": "carol"])
        #expect(await auth.authenticate(authorization: "Bearer \(hmacToken)", accessToken: nil).user == nil)
        await #expect(throws: HubServerError.self) {
            _ = try await Authenticator(configuration: AuthConfiguration(key: .publicKeyPEM("not a key"), required: true))
        }
    }
}
