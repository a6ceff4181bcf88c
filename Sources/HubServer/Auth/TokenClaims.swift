import Foundation
import HubProtocol
import JWTKit

/// A JWT payload kept whole: every claim as a ``HubValue``; `exp` and `nbf` are checked.
struct TokenClaims: JWTPayload {
    var claims: [String: HubValue]

    init(claims: [String: HubValue]) {
        self.claims = claims
    }

    init(from decoder: any Decoder) throws {
        claims = try [String: HubValue](from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try claims.encode(to: encoder)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        if let expiry = claims["exp"]?.doubleValue {
            try ExpirationClaim(value: Date(timeIntervalSince1970: expiry)).verifyNotExpired()
        }
        if let notBefore = claims["nbf"]?.doubleValue {
            try NotBeforeClaim(value: Date(timeIntervalSince1970: notBefore)).verifyNotBefore()
        }
    }
}
