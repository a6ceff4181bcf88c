import Foundation
import HubProtocol
import JWTKit

/// Verifies bearer tokens and decides whether a request may go on.
///
/// A token that is presented must be valid even when authentication is not required: a bad token
/// is always a 401, never a silent downgrade to anonymous. Without a key, tokens are ignored.
public struct Authenticator: Sendable {
    /// The configuration.
    public let configuration: AuthConfiguration
    private let keys: JWTKeyCollection?

    /// Creates an authenticator, loading the key.
    /// - Throws: ``HubServerError`` with `.configuration` when the key cannot be used, or when
    ///   authentication is required without a key.
    public init(configuration: AuthConfiguration) async throws(HubServerError) {
        self.configuration = configuration
        switch configuration.key {
        case .none:
            guard !configuration.required else {
                throw HubServerError(code: .configuration, message: "authentication is required but no JWT secret or public key is configured")
            }
            keys = nil
        case .secret(let secret):
            guard secret.utf8.count >= 32 else {
                throw HubServerError(code: .configuration, message: "the JWT secret must be at least 32 bytes long for HS256")
            }
            let collection = JWTKeyCollection()
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: nil)
            if secret.utf8.count >= 48 { await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha384, kid: "hs384") }
            if secret.utf8.count >= 64 { await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha512, kid: "hs512") }
            keys = collection
        case .publicKeyPEM(let pem):
            let collection = JWTKeyCollection()
            if let rsa = try? Insecure.RSA.PublicKey(pem: pem) {
                await collection.add(rsa: rsa, digestAlgorithm: .sha256)
            } else if let ec = try? ES256PublicKey(pem: pem) {
                await collection.add(ecdsa: ec)
            } else {
                throw HubServerError(
                    code: .configuration,
                    message: "the public key is neither an RSA (2048 bits or more) nor an EC P-256 PEM public key"
                )
            }
            keys = collection
        }
    }

    /// Decides on a request from its `Authorization` header and `access_token` query parameter.
    public func authenticate(authorization: String?, accessToken: String?) async -> AuthDecision {
        guard let keys else {
            return configuration.required ? .rejected("authentication is required") : .anonymous
        }
        guard let token = BearerToken.find(authorization: authorization, accessToken: accessToken) else {
            return configuration.required
                ? .rejected("a bearer token is required: send 'Authorization: Bearer <jwt>' or the 'access_token' query parameter")
                : .anonymous
        }
        return await verify(token, with: keys)
    }

    private func verify(_ token: String, with keys: JWTKeyCollection) async -> AuthDecision {
        let payload: TokenClaims
        do {
            payload = try await keys.verify(token, as: TokenClaims.self, iteratingKeys: true)
        } catch let error as JWTError {
            return .rejected("invalid bearer token: \(error.reason ?? error.errorType.description)")
        } catch {
            return .rejected("invalid bearer token: \(error)")
        }
        guard let subject = payload.claims["sub"]?.stringValue, !subject.isEmpty else {
            return .rejected("the bearer token has no 'sub' claim (the user id)")
        }
        return .authenticated(HubUser(id: subject, claims: payload.claims))
    }
}
