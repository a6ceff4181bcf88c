/// The client's first message: `{"protocol":"json"|"messagepack","version":N}` followed by `0x1E`.
///
/// It is always JSON, whatever protocol it asks for. Use ``HandshakeReader`` to collect it from
/// the transport, then ``resolveProtocol(among:)`` to pick the codec.
public struct HandshakeRequest: Sendable, Hashable {
    /// The protocol versions a server accepts: 1 (the spec), 2 (.NET 8+ clients, stateful reconnect),
    /// and 0, which older clients such as Python's signalrcore 1.0 send and ASP.NET Core accepts too.
    public static let supportedVersions: ClosedRange<Int> = 0...2

    /// The requested hub protocol name.
    public var protocolName: String
    /// The requested protocol version.
    public var version: Int

    /// Creates a request.
    public init(protocolName: String, version: Int) {
        self.protocolName = protocolName
        self.version = version
    }

    /// Parses a handshake payload (without the `0x1E`).
    ///
    /// - Throws: `.invalidHandshake` for bad JSON, a non-object, or a missing or mistyped
    ///   `protocol` or `version`; `.unsupportedProtocolVersion` for versions other than 1 and 2.
    public init(json payload: some Collection<UInt8>) throws(HubProtocolError) {
        let value: HubValue
        do throws(HubProtocolError) {
            value = try HubValue(json: payload)
        } catch {
            throw HubProtocolError(code: .invalidHandshake, message: "The handshake request is not valid JSON: \(error.message)")
        }
        guard case .map = value else {
            throw Self.invalid("must be a JSON object like {\"protocol\":\"json\",\"version\":1}, found \(value.kindName)")
        }
        guard let protocolValue = value["protocol"] else { throw Self.invalid("is missing the 'protocol' property") }
        guard case .string(let protocolName) = protocolValue else {
            throw Self.invalid("has a 'protocol' that is not a string but \(protocolValue.kindName)")
        }
        guard let versionValue = value["version"] else { throw Self.invalid("is missing the 'version' property") }
        guard case .int(let version) = versionValue else {
            throw Self.invalid("has a 'version' that is not an integer but \(versionValue.kindName)")
        }
        guard let supported = Int(exactly: version), Self.supportedVersions.contains(supported) else {
            throw HubProtocolError(
                code: .unsupportedProtocolVersion,
                message: "The server does not support version \(version) of the '\(protocolName)' protocol; use version 0, 1 or 2"
            )
        }
        self.init(protocolName: protocolName, version: supported)
    }

    /// The codec among `protocols` whose name is ``protocolName``.
    /// - Throws: `.unsupportedProtocol` naming the supported protocols.
    public func resolveProtocol(among protocols: [any HubProtocolCodec] = HubProtocols.all) throws(HubProtocolError) -> any HubProtocolCodec {
        guard let codec = protocols.first(where: { $0.name == protocolName }) else {
            let names = protocols.map { "'\($0.name)'" }.joined(separator: ", ")
            throw HubProtocolError(
                code: .unsupportedProtocol,
                message: "The protocol '\(protocolName)' is not supported; supported protocols: \(names)"
            )
        }
        return codec
    }

    /// The request as a client sends it: JSON followed by `0x1E`.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        JSONWriter.appendASCII("{\"protocol\":", into: &out)
        JSONWriter.writeString(protocolName, into: &out)
        JSONWriter.appendASCII(",\"version\":", into: &out)
        JSONWriter.writeInt(Int64(version), into: &out)
        out.append(UInt8(ascii: "}"))
        out.append(JSONHubProtocol.recordSeparator)
        return out
    }

    private static func invalid(_ problem: String) -> HubProtocolError {
        HubProtocolError(code: .invalidHandshake, message: "The handshake request \(problem)")
    }
}
