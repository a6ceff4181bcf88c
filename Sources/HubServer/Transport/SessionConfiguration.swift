import HubProtocol

/// Limits of one client connection beyond the SignalR protocol's own.
public struct SessionConfiguration: Sendable {
    /// Timeouts, keep-alive and the maximum message size (ASP.NET Core defaults).
    public var connection: HubConnectionConfiguration
    /// Bytes of hub messages that may wait for a slow client; past this the connection is closed
    /// with a clear reason, so a slow client never holds back the mesh. Default 1 MiB.
    public var maxBufferedBytes: Int
    /// Client messages that may wait for the hub (methods of one connection run one at a time, in
    /// order); past this the connection is closed. Default 256.
    public var maxPendingInvocations: Int
    /// How long to wait for the client's WebSocket close frame after the server closed. Default 2 s.
    public var closeGrace: Duration

    /// Creates a configuration; see each property for its default.
    public init(
        connection: HubConnectionConfiguration = HubConnectionConfiguration(),
        maxBufferedBytes: Int = 1 << 20,
        maxPendingInvocations: Int = 256,
        closeGrace: Duration = .seconds(2)
    ) {
        self.connection = connection
        self.maxBufferedBytes = maxBufferedBytes
        self.maxPendingInvocations = maxPendingInvocations
        self.closeGrace = closeGrace
    }
}
