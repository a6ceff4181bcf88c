/// The server's answer to the handshake: `{}` + `0x1E` on success, `{"error":"…"}` + `0x1E` on failure.
///
/// It is always JSON, whatever protocol was negotiated.
public struct HandshakeResponse: Sendable, Hashable {
    /// The bytes of the successful response: `{}` + `0x1E`.
    public static let successBytes: [UInt8] = [UInt8(ascii: "{"), UInt8(ascii: "}"), JSONHubProtocol.recordSeparator]

    /// Why the handshake failed; nil on success.
    public var error: String?

    /// A successful response.
    public static let success = HandshakeResponse(error: nil)

    /// Creates a response.
    public init(error: String?) {
        self.error = error
    }

    /// The response as the server sends it: JSON followed by `0x1E`.
    public func encoded() -> [UInt8] {
        guard let error else { return Self.successBytes }
        var out: [UInt8] = []
        out.reserveCapacity(error.utf8.count + 16)
        JSONWriter.appendASCII("{\"error\":", into: &out)
        JSONWriter.writeString(error, into: &out)
        out.append(UInt8(ascii: "}"))
        out.append(JSONHubProtocol.recordSeparator)
        return out
    }

    /// Parses a response payload (without the `0x1E`), as a client would.
    /// - Throws: `.invalidHandshake` when it is not a JSON object or `error` is not a string.
    public init(json payload: some Collection<UInt8>) throws(HubProtocolError) {
        let value: HubValue
        do throws(HubProtocolError) {
            value = try HubValue(json: payload)
        } catch {
            throw HubProtocolError(code: .invalidHandshake, message: "The handshake response is not valid JSON: \(error.message)")
        }
        guard case .map = value else {
            throw HubProtocolError(code: .invalidHandshake, message: "The handshake response must be a JSON object")
        }
        switch value["error"] {
        case .none, .some(.null):
            self.init(error: nil)
        case .some(.string(let error)):
            self.init(error: error)
        case .some(let other):
            throw HubProtocolError(code: .invalidHandshake, message: "The handshake 'error' must be a string, found \(other.kindName)")
        }
    }
}
