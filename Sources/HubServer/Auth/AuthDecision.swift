/// The outcome of authenticating a request.
public enum AuthDecision: Sendable, Hashable {
    /// No token was presented and none is required.
    case anonymous
    /// A valid token was presented.
    case authenticated(HubUser)
    /// The request must be answered with 401: the reason says why (missing, expired, bad signature, ...).
    case rejected(String)

    /// The user, if authenticated.
    public var user: HubUser? {
        if case .authenticated(let user) = self { return user }
        return nil
    }
}
