import ServiceLifecycle

/// Closes a server's WebSockets at graceful shutdown with a SignalR `Close` message that allows
/// reconnecting, then waits (bounded) for them to end, before the HTTP server itself stops.
///
/// Put it right after the ``HubServer`` in the `ServiceGroup`: services stop in reverse order, so
/// it runs first. Without it the sockets are still closed, but with a bare WebSocket close.
public struct ConnectionDrainer: Service {
    let server: HubServer
    let timeout: Duration

    /// Creates a drainer for `server`; it waits at most `timeout` for the sockets to close.
    public init(server: HubServer, timeout: Duration = .seconds(5)) {
        self.server = server
        self.timeout = timeout
    }

    /// Waits for the graceful shutdown, then drains.
    public func run() async throws {
        try? await gracefulShutdown()
        _ = await server.sessions.drain(reason: HubServer.shutdownReason, timeout: timeout)
    }
}
