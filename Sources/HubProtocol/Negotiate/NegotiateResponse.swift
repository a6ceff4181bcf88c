/// The JSON body answering `POST {hub}/negotiate?negotiateVersion=N`.
///
/// Version 1 carries a secret `connectionToken` (what the client puts in the WebSocket's `id`
/// query parameter) besides the public `connectionId`; version 0 carries only `connectionId`,
/// which then is the `id`. Use ``negotiatedVersion(query:)`` to pick the version from the query.
public struct NegotiateResponse: Sendable, Hashable {
    /// The highest negotiate version this server speaks.
    public static let latestVersion = 1

    /// One transport the server offers.
    public struct AvailableTransport: Sendable, Hashable {
        /// The transport name, for example `"WebSockets"`.
        public var transport: String
        /// The transfer formats the transport supports.
        public var transferFormats: [TransferFormat]

        /// Creates a transport entry.
        public init(transport: String, transferFormats: [TransferFormat]) {
            self.transport = transport
            self.transferFormats = transferFormats
        }

        /// WebSockets with both `Text` and `Binary`.
        public static let webSockets = AvailableTransport(transport: "WebSockets", transferFormats: [.text, .binary])
    }

    /// The negotiate version of the response: 0 or 1.
    public var negotiateVersion: Int
    /// The public connection id.
    public var connectionId: String
    /// The secret connection token; written only for version 1 and later.
    public var connectionToken: String?
    /// The transports offered.
    public var availableTransports: [AvailableTransport]
    /// Whether the server agrees to stateful reconnect (written only when true).
    public var useStatefulReconnect: Bool

    /// Creates a response; `connectionToken` is dropped for version 0.
    public init(
        negotiateVersion: Int,
        connectionId: String,
        connectionToken: String?,
        availableTransports: [AvailableTransport] = [.webSockets],
        useStatefulReconnect: Bool = false
    ) {
        self.negotiateVersion = negotiateVersion
        self.connectionId = connectionId
        self.connectionToken = negotiateVersion >= 1 ? connectionToken : nil
        self.availableTransports = availableTransports
        self.useStatefulReconnect = useStatefulReconnect
    }

    /// The negotiate version for the `negotiateVersion` query value: 0 when absent, the
    /// requested version capped at ``latestVersion`` otherwise.
    /// - Throws: `.invalidMessage` when the value is not a non-negative integer.
    public static func negotiatedVersion(query value: String?) throws(HubProtocolError) -> Int {
        guard let value else { return 0 }
        guard let requested = Int(value), requested >= 0 else {
            throw HubProtocolError.invalidMessage("The client requested an invalid negotiate version '\(value)'")
        }
        return min(requested, latestVersion)
    }

    /// The response body, compact JSON.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        JSONWriter.appendASCII("{\"negotiateVersion\":", into: &out)
        JSONWriter.writeInt(Int64(negotiateVersion), into: &out)
        JSONWriter.appendASCII(",\"connectionId\":", into: &out)
        JSONWriter.writeString(connectionId, into: &out)
        if let connectionToken {
            JSONWriter.appendASCII(",\"connectionToken\":", into: &out)
            JSONWriter.writeString(connectionToken, into: &out)
        }
        if useStatefulReconnect {
            JSONWriter.appendASCII(",\"useStatefulReconnect\":true", into: &out)
        }
        JSONWriter.appendASCII(",\"availableTransports\":[", into: &out)
        for (position, transport) in availableTransports.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.appendASCII("{\"transport\":", into: &out)
            JSONWriter.writeString(transport.transport, into: &out)
            JSONWriter.appendASCII(",\"transferFormats\":[", into: &out)
            for (index, format) in transport.transferFormats.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.writeString(format.rawValue, into: &out)
            }
            JSONWriter.appendASCII("]}", into: &out)
        }
        JSONWriter.appendASCII("]}", into: &out)
        return out
    }

    /// The error form of the negotiate response: `{"error":"…"}`.
    public static func error(_ message: String) -> [UInt8] {
        var out: [UInt8] = []
        JSONWriter.appendASCII("{\"error\":", into: &out)
        JSONWriter.writeString(message, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
