/// Timeouts and limits of one hub connection, with the ASP.NET Core defaults.
public struct HubConnectionConfiguration: Sendable {
    /// How long the client has to send its handshake request after connecting. Default 15 s.
    public var handshakeTimeout: Duration
    /// How long the server may send nothing before it sends a `Ping`. Default 15 s.
    public var keepAliveInterval: Duration
    /// How long the client may send nothing before the server closes the connection. Default 30 s.
    public var clientTimeout: Duration
    /// The largest accepted message (and handshake) from the client, in bytes. Default 32 KB.
    public var maxMessageSize: Int
    /// The hub protocols the server offers. Default: JSON and MessagePack.
    public var protocols: [any HubProtocolCodec]

    /// Creates a configuration; every parameter has the ASP.NET Core default.
    public init(
        handshakeTimeout: Duration = .seconds(15),
        keepAliveInterval: Duration = .seconds(15),
        clientTimeout: Duration = .seconds(30),
        maxMessageSize: Int = HubMessageReaderDefaults.maxMessageSize,
        protocols: [any HubProtocolCodec] = HubProtocols.all
    ) {
        self.handshakeTimeout = handshakeTimeout
        self.keepAliveInterval = keepAliveInterval
        self.clientTimeout = clientTimeout
        self.maxMessageSize = maxMessageSize
        self.protocols = protocols
    }
}
