import Foundation
import HubProtocol
import JWTKit

@testable import HubServer

/// Signs test tokens.
enum Tokens {
    static let secret = "test-secret-0123456789-abcdefghijklmnop"

    /// An HS256 token with `claims`.
    static func hs256(_ claims: [String: HubValue], secret: String = Tokens.secret) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(TokenClaims(claims: claims))
    }

    /// An ES256 token and the PEM public key that verifies it.
    static func es256(_ claims: [String: HubValue]) async throws -> (token: String, publicKeyPEM: String) {
        let key = ES256PrivateKey()
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key)
        return (try await keys.sign(TokenClaims(claims: claims)), key.publicKey.pemRepresentation)
    }

    /// Seconds since 1970, `offset` from now.
    static func epoch(_ offset: TimeInterval) -> HubValue {
        .int(Int64(Date().timeIntervalSince1970 + offset))
    }
}
