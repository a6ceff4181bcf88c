/// How clients authenticate: bearer JWTs, from the `Authorization: Bearer` header or the
/// `access_token` query parameter (browsers cannot set headers on WebSockets).
public struct AuthConfiguration: Sendable {
    /// The key that verifies token signatures.
    public enum Key: Sendable, Hashable {
        /// An HMAC secret: tokens signed with HS256 (also HS384, HS512).
        case secret(String)
        /// A PEM public key: RSA (RS256) or EC P-256 (ES256).
        case publicKeyPEM(String)
    }

    /// The verification key; nil means tokens are not verified and every client is anonymous.
    public var key: Key?
    /// Whether a valid token is required; without one, negotiate and the WebSocket upgrade get 401.
    public var required: Bool

    /// Creates a configuration. Default: no key, not required (everyone is anonymous).
    public init(key: Key? = nil, required: Bool = false) {
        self.key = key
        self.required = required
    }
}
