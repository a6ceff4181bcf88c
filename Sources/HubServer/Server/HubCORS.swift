import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Cross-origin access for browser clients served from another origin.
///
/// A browser's SignalR client starts with `POST /hubs/{hub}/negotiate`, a cross-origin `fetch` with
/// the headers `X-Requested-With` and `X-SignalR-User-Agent` and credentials: the browser first
/// sends a preflight `OPTIONS`, and reads the answer only if the server allows its origin. For the
/// origins in ``origins`` (or any, with `*`) this middleware answers preflights and adds the CORS
/// headers through Hummingbird's `CORSMiddleware`: the request's own origin is echoed (with
/// credentials a literal `*` is not allowed), `Vary: Origin`, methods `GET, POST, OPTIONS`, the
/// SignalR client's headers, a preflight cache of 10 minutes. Requests from other origins pass on
/// without CORS headers, so browsers refuse them. WebSockets are not subject to CORS (a browser
/// opens one from any page): ``WebSocketOriginPolicy`` checks their `Origin` instead.
struct HubCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The headers the SignalR JavaScript client sends besides the usual ones.
    static var allowedHeaders: [HTTPField.Name] {
        [.accept, .authorization, .contentType, .origin, HTTPField.Name("X-Requested-With")!, HTTPField.Name("X-SignalR-User-Agent")!]
    }

    let origins: Set<String>
    let anyOrigin: Bool
    let cors: CORSMiddleware<Context>

    init(origins: [String]) {
        anyOrigin = origins.contains("*")
        self.origins = Set(origins.map(HubServerConfiguration.normalizedOrigin))
        cors = CORSMiddleware(
            allowOrigin: .originBased,
            allowHeaders: Self.allowedHeaders,
            allowMethods: [.get, .post, .options],
            allowCredentials: true,
            maxAge: .seconds(600)
        )
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], anyOrigin || origins.contains(HubServerConfiguration.normalizedOrigin(origin)) else {
            return try await next(request, context)
        }
        return try await cors.handle(request, context: context, next: next)
    }
}

/// Which pages may open a WebSocket, by the `Origin` header that browsers send with the upgrade.
///
/// Browsers do not apply CORS to WebSockets: any page can open one to any server, and the browser
/// sends the page's origin along. Once origins are configured (``HubServerConfiguration/corsOrigins``),
/// an upgrade whose `Origin` is neither one of them nor the server's own (the request's `Host`) is
/// refused with 403, so a page of another site cannot open a hub connection in its visitor's name
/// (cross-site WebSocket hijacking). Upgrades without `Origin` come from programs, not browser pages,
/// and are left to authentication. Without configured origins, or with `*`, every origin may connect,
/// as with ASP.NET Core's `WebSocketOptions.AllowedOrigins` left empty.
final class WebSocketOriginPolicy: Sendable {
    /// Normalized allowed origins; nil when every origin may connect.
    let allowed: Set<String>?
    /// Refused origins already logged at `info` (later refusals of the same origin log at `debug`).
    private let reported = Mutex<Set<String>>([])
    /// At most this many distinct origins are logged at `info`, so a flood of made-up origins cannot
    /// flood the log.
    static let reportLimit = 100

    init(corsOrigins: [String]) {
        allowed = corsOrigins.isEmpty || corsOrigins.contains("*") ? nil : Set(corsOrigins.map(HubServerConfiguration.normalizedOrigin))
    }

    /// The refusal for an upgrade with these `Origin` and `Host` headers, or nil to let it through.
    func refusal(origin: String?, host: String?) -> Refusal? {
        guard let allowed, let origin else { return nil }
        let normalized = HubServerConfiguration.normalizedOrigin(origin)
        if allowed.contains(normalized) { return nil }
        // The server's own pages: the origin's host and port are the Host the browser connected to.
        if let host, !host.isEmpty, let schemeEnd = normalized.range(of: "://"), normalized[schemeEnd.upperBound...] == host.lowercased() {
            return nil
        }
        return Refusal(
            status: 403,
            message: "a page of origin '\(Self.shown(origin))' may not open a WebSocket here: allowed are this server's own pages and --cors-origin")
    }

    /// An origin as echoed in refusals and logs: at most 200 characters. A real one is
    /// `scheme://host:port` (a host name has at most 253); a longer header is not echoed whole.
    static func shown(_ origin: String) -> String {
        origin.count <= 200 ? origin : String(origin.prefix(200)) + "… (\(origin.utf8.count) bytes)"
    }

    /// Whether a refusal of `origin` is the first of it (then worth an `info` line for operators,
    /// who otherwise see only a failed socket in the browser); false for repeats and past the limit.
    func isFirstRefusal(of origin: String) -> Bool {
        reported.withLock { reported in
            let key = Self.shown(origin)
            guard reported.count < Self.reportLimit, !reported.contains(key) else { return false }
            reported.insert(key)
            return true
        }
    }
}

extension HubServerConfiguration {
    /// Why `origin` cannot be a CORS origin (``corsOrigins``); nil when it can. An origin is
    /// `http://` or `https://`, a host and an optional port, with no path: what a browser sends in
    /// its `Origin` header. `*` allows every origin.
    public static func corsOriginProblem(_ origin: String) -> String? {
        if origin == "*" { return nil }
        let lowered = normalizedOrigin(origin)
        guard let scheme = ["http://", "https://"].first(where: { lowered.hasPrefix($0) }) else {
            return "CORS origin '\(origin)' must start with http:// or https:// (or be * for any origin)"
        }
        let authority = lowered.dropFirst(scheme.count)
        let hostAndPort = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let host = hostAndPort.first, !host.isEmpty,
            !authority.contains(where: { "/?#@ ".contains($0) }),
            hostAndPort.count == 1 || (UInt16(hostAndPort[1]) ?? 0) > 0
        else {
            return "CORS origin '\(origin)' must be scheme://host or scheme://host:port, with no path (for example https://app.example.com)"
        }
        return nil
    }

    /// An origin as compared: lowercase, without a trailing `/`.
    static func normalizedOrigin(_ origin: String) -> String {
        var lowered = origin.lowercased()
        if lowered.hasSuffix("/") { lowered.removeLast() }
        return lowered
    }
}
