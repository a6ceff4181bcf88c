import HubProtocol

/// An authenticated user: the `sub` claim of a verified token, and all of the token's claims.
public struct HubUser: Sendable, Hashable {
    /// The user id (the token's `sub`).
    public var id: String
    /// Every claim of the token, by name.
    public var claims: [String: HubValue]

    /// Creates a user.
    public init(id: String, claims: [String: HubValue] = [:]) {
        self.id = id
        self.claims = claims
    }

    /// The strings of claim `name`: the elements of an array of strings, or a single string.
    public func strings(of name: String) -> [String] {
        switch claims[name] {
        case .some(.string(let value)): return [value]
        case .some(.array(let values)): return values.compactMap(\.stringValue)
        default: return []
        }
    }
}
