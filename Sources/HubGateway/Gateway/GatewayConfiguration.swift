import HubMesh

/// How a gateway is set up. Every field has a documented default.
public struct GatewayConfiguration: Sendable {
    /// Size and flow limits of the ingress.
    public struct Limits: Sendable {
        /// The largest request frame (or pipeline line), in bytes; larger ones get `too_large`. Default 65,536.
        public var maxFrameBytes: Int
        /// The most items in a batch; more get `too_large`. Default 1000.
        public var maxBatchItems: Int
        /// A ZeroMQ message larger than this makes libzmq drop the client's connection without a reply
        /// (memory protection); between ``maxFrameBytes`` and this, the client gets `too_large`. Default 16 MiB.
        public var maxMessageBytes: Int
        /// ZeroMQ receive high-water mark per client, in messages: past it, ZeroMQ stops reading that client. Default 10,000.
        public var receiveHighWaterMark: Int32
        /// ZeroMQ send high-water mark per client, in replies. Default 100,000.
        public var sendHighWaterMark: Int32
        /// Replies kept for a client that does not read them once its ZeroMQ queue is full; past it they
        /// are dropped and logged. Default 100,000.
        public var replyBacklogLimit: Int

        /// Creates limits; see each property for its default.
        public init(
            maxFrameBytes: Int = 65_536,
            maxBatchItems: Int = 1000,
            maxMessageBytes: Int = 16 << 20,
            receiveHighWaterMark: Int32 = 10_000,
            sendHighWaterMark: Int32 = 100_000,
            replyBacklogLimit: Int = 100_000
        ) {
            self.maxFrameBytes = maxFrameBytes
            self.maxBatchItems = maxBatchItems
            self.maxMessageBytes = maxMessageBytes
            self.receiveHighWaterMark = receiveHighWaterMark
            self.sendHighWaterMark = sendHighWaterMark
            self.replyBacklogLimit = replyBacklogLimit
        }
    }

    /// The idempotency window (protocol section 8).
    public struct Idempotency: Sendable {
        /// How long an accepted key is remembered. Default 5 minutes.
        public var ttl: Duration
        /// The most keys remembered; the oldest are forgotten first. Default 100,000.
        public var maxKeys: Int

        /// Creates the settings; see each property for its default.
        public init(ttl: Duration = .seconds(300), maxKeys: Int = 100_000) {
            self.ttl = ttl
            self.maxKeys = maxKeys
        }
    }

    /// The ROUTER endpoint clients connect their DEALER to; `nil` binds no ROUTER (pipeline mode only).
    /// Port `0` picks a free port (see ``Gateway/ingressEndpoint``). Default `tcp://127.0.0.1:7000`.
    public var ingressEndpoint: String?
    /// The gateway's mesh member. Its role is always ``MemberInfo/Role/gateway``.
    /// Default: endpoint `tcp://127.0.0.1:6100` (PUB on port + 1), no join list.
    public var mesh: MeshConfiguration
    /// The declared hubs; empty accepts every hub name, otherwise other hubs get `unknown_hub`. Default empty.
    public var hubs: Set<String>
    /// Ingress limits.
    public var limits: Limits
    /// The idempotency window.
    public var idempotency: Idempotency
    /// How long the gateway waits for its join before it warns (ROUTER) or gives up (pipeline mode). Default 15 s.
    public var joinTimeout: Duration
    /// The HTTP endpoint for `GET /metrics` and `GET /health`; `nil` serves no HTTP. Default nil
    /// (`hubmesh-gateway` serves it on `127.0.0.1:7001` unless told otherwise).
    public var http: HTTP?

    /// Creates a configuration; see each property for its default.
    public init(
        ingressEndpoint: String? = "tcp://127.0.0.1:7000",
        meshEndpoint: String = "tcp://127.0.0.1:6100",
        join: [String] = [],
        memberID: String? = nil,
        hubs: Set<String> = [],
        limits: Limits = Limits(),
        idempotency: Idempotency = Idempotency(),
        joinTimeout: Duration = .seconds(15),
        http: HTTP? = nil
    ) {
        self.ingressEndpoint = ingressEndpoint
        self.mesh = MeshConfiguration(memberID: memberID, role: .gateway, endpoint: meshEndpoint, join: join)
        self.hubs = hubs
        self.limits = limits
        self.idempotency = idempotency
        self.joinTimeout = joinTimeout
        self.http = http
    }

    /// The decoder options for the ROUTER (`v` required) or for pipeline mode (`v` optional).
    func decoderOptions(pipeline: Bool) -> RequestDecoder.Options {
        RequestDecoder.Options(
            maxFrameBytes: limits.maxFrameBytes,
            maxBatchItems: limits.maxBatchItems,
            hubs: hubs,
            requiresVersion: !pipeline
        )
    }
}
