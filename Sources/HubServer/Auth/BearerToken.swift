/// Finds the bearer token of a request.
public enum BearerToken {
    /// The token from an `Authorization: Bearer <token>` header, else from the `access_token` query
    /// parameter; nil when neither has one.
    public static func find(authorization: String?, accessToken: String?) -> String? {
        if let authorization {
            let trimmed = authorization.drop(while: { $0 == " " })
            if trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " {
                let token = trimmed.dropFirst(7).trimmingSpaces()
                if !token.isEmpty { return token }
            }
        }
        if let accessToken, !accessToken.isEmpty { return accessToken }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
