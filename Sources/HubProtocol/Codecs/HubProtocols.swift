/// The hub protocols this module implements, by handshake name.
public enum HubProtocols {
    /// The JSON protocol (`"json"`).
    public static let json: any HubProtocolCodec = JSONHubProtocol()
    /// The MessagePack protocol (`"messagepack"`).
    public static let messagePack: any HubProtocolCodec = MessagePackHubProtocol()
    /// Every protocol, JSON first.
    public static let all: [any HubProtocolCodec] = [json, messagePack]

    /// The protocol with the handshake name `name` (case-sensitive, as in ASP.NET Core), if any.
    public static func named(_ name: String) -> (any HubProtocolCodec)? {
        switch name {
        case "json": return json
        case "messagepack": return messagePack
        default: return nil
        }
    }

    /// Encodes `message` once per protocol: the `protocol name → framed bytes` map a backplane
    /// ships so that each receiving node writes the bytes matching each connection's protocol.
    public static func encodedPayloads(
        for message: HubMessage,
        protocols: [any HubProtocolCodec] = all
    ) throws(HubProtocolError) -> [String: [UInt8]] {
        var payloads: [String: [UInt8]] = [:]
        for codec in protocols {
            payloads[codec.name] = try codec.encode(message)
        }
        return payloads
    }

    /// The ``HubProtocolCodec/encodeInvocation(target:argumentsJSON:)`` fast path for every
    /// protocol: `protocol name → framed invocation bytes`.
    /// - Throws: `.invalidJSON` when `argumentsJSON` is not exactly one valid JSON array.
    public static func encodedInvocationPayloads(
        target: String,
        argumentsJSON: [UInt8],
        protocols: [any HubProtocolCodec] = all
    ) throws(HubProtocolError) -> [String: [UInt8]] {
        var payloads: [String: [UInt8]] = [:]
        for codec in protocols {
            payloads[codec.name] = try codec.encodeInvocation(target: target, argumentsJSON: argumentsJSON)
        }
        return payloads
    }
}
