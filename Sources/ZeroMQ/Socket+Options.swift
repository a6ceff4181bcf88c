import CZeroMQ

extension Socket {
    /// Sets an integer option.
    public func set(_ option: Int32, _ value: Int32) throws(ZMQError) {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError.last("setsockopt \(option)=\(value)")
        }
    }

    /// Sets a byte-string option.
    public func set(_ option: Int32, bytes: [UInt8]) throws(ZMQError) {
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw ZMQError.last("setsockopt \(option)") }
    }

    /// Reads an integer option.
    public func getInt(_ option: Int32) throws(ZMQError) -> Int32 {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle, option, &value, &size) == 0 else { throw ZMQError.last("getsockopt \(option)") }
        return value
    }

    /// Reads a string option.
    public func getString(_ option: Int32) throws(ZMQError) -> String {
        var buffer = [UInt8](repeating: 0, count: 1024)
        var size = buffer.count
        guard zmq_getsockopt(handle, option, &buffer, &size) == 0 else { throw ZMQError.last("getsockopt \(option)") }
        let bytes = buffer.prefix(size).prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The endpoint last bound, e.g. with the port chosen for `tcp://127.0.0.1:*`.
    public var lastEndpoint: String {
        get throws(ZMQError) { try getString(ZMQ_LAST_ENDPOINT) }
    }

    /// Outbound high-water mark in messages per peer (0 = unlimited). Default 1000.
    public func setSendHighWaterMark(_ value: Int32) throws(ZMQError) { try set(ZMQ_SNDHWM, value) }
    /// Inbound high-water mark in messages per peer (0 = unlimited). Default 1000.
    public func setReceiveHighWaterMark(_ value: Int32) throws(ZMQError) { try set(ZMQ_RCVHWM, value) }
    /// How long unsent messages are kept after `close`, in milliseconds (-1 = forever, the libzmq default).
    public func setLinger(milliseconds: Int32) throws(ZMQError) { try set(ZMQ_LINGER, milliseconds) }
    /// The identity a ROUTER peer sees for this socket.
    public func setRoutingID(_ id: [UInt8]) throws(ZMQError) { try set(ZMQ_ROUTING_ID, bytes: id) }
    /// ROUTER: fail with `hostUnreachable` / `wouldBlock` instead of dropping silently.
    public func setRouterMandatory(_ on: Bool) throws(ZMQError) { try set(ZMQ_ROUTER_MANDATORY, on ? 1 : 0) }
    /// ROUTER: a peer reconnecting with a routing id already in use takes over the old connection.
    public func setRouterHandover(_ on: Bool) throws(ZMQError) { try set(ZMQ_ROUTER_HANDOVER, on ? 1 : 0) }
    /// PUB/XPUB: block (or fail with `wouldBlock`) at the high-water mark instead of dropping silently.
    public func setXPubNoDrop(_ on: Bool) throws(ZMQError) { try set(ZMQ_XPUB_NODROP, on ? 1 : 0) }
    /// XPUB: pass every subscription message to the application, duplicates included.
    public func setXPubVerbose(_ on: Bool) throws(ZMQError) { try set(ZMQ_XPUB_VERBOSE, on ? 1 : 0) }
    /// SUB: subscribe to messages whose first frame starts with `prefix`.
    public func subscribe(_ prefix: [UInt8]) throws(ZMQError) { try set(ZMQ_SUBSCRIBE, bytes: prefix) }
    /// SUB: remove one subscription to `prefix`.
    public func unsubscribe(_ prefix: [UInt8]) throws(ZMQError) { try set(ZMQ_UNSUBSCRIBE, bytes: prefix) }
    /// ZMTP heartbeats: interval, timeout and TTL in milliseconds (0 = off).
    public func setHeartbeat(interval: Int32, timeout: Int32, ttl: Int32 = 0) throws(ZMQError) {
        try set(ZMQ_HEARTBEAT_IVL, interval)
        try set(ZMQ_HEARTBEAT_TIMEOUT, timeout)
        if ttl > 0 { try set(ZMQ_HEARTBEAT_TTL, ttl) }
    }
    /// Reconnect interval and maximum back-off, in milliseconds.
    public func setReconnectInterval(_ interval: Int32, max: Int32 = 0) throws(ZMQError) {
        try set(ZMQ_RECONNECT_IVL, interval)
        try set(ZMQ_RECONNECT_IVL_MAX, max)
    }
    /// Largest inbound message accepted, in bytes (-1 = unlimited); bigger ones drop the connection.
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) {
        var value = bytes
        guard zmq_setsockopt(handle, ZMQ_MAXMSGSIZE, &value, MemoryLayout<Int64>.size) == 0 else {
            throw ZMQError.last("setsockopt ZMQ_MAXMSGSIZE")
        }
    }
    /// Kernel send buffer size in bytes (`ZMQ_SNDBUF`; -1 = the OS default).
    public func setSendBufferSize(_ bytes: Int32) throws(ZMQError) { try set(ZMQ_SNDBUF, bytes) }
    /// Kernel receive buffer size in bytes (`ZMQ_RCVBUF`; -1 = the OS default).
    public func setReceiveBufferSize(_ bytes: Int32) throws(ZMQError) { try set(ZMQ_RCVBUF, bytes) }
    /// Queue messages only to completed connections.
    public func setImmediate(_ on: Bool) throws(ZMQError) { try set(ZMQ_IMMEDIATE, on ? 1 : 0) }
    /// Receive timeout in milliseconds for blocking receives (-1 = forever).
    public func setReceiveTimeout(milliseconds: Int32) throws(ZMQError) { try set(ZMQ_RCVTIMEO, milliseconds) }
    /// Send timeout in milliseconds for blocking sends (-1 = forever).
    public func setSendTimeout(milliseconds: Int32) throws(ZMQError) { try set(ZMQ_SNDTIMEO, milliseconds) }

    /// Makes this socket a CURVE server with the given Z85 secret key.
    public func setCurveServer(secretKey: String) throws(ZMQError) {
        try set(ZMQ_CURVE_SERVER, 1)
        try set(ZMQ_CURVE_SECRETKEY, bytes: Array(secretKey.utf8))
    }
    /// Makes this socket a CURVE client of the server with `serverKey`, using its own key pair.
    public func setCurveClient(serverKey: String, keyPair: CurveKeyPair) throws(ZMQError) {
        try set(ZMQ_CURVE_SERVERKEY, bytes: Array(serverKey.utf8))
        try set(ZMQ_CURVE_PUBLICKEY, bytes: Array(keyPair.publicKey.utf8))
        try set(ZMQ_CURVE_SECRETKEY, bytes: Array(keyPair.secretKey.utf8))
    }
}
