import Testing

@testable import HubProtocol

@Suite("Handshake")
struct HandshakeTests {
    @Test("versions 0, 1 and 2 of both protocols are accepted")
    func accepted() throws {
        for (text, name, version) in [
            (#"{"protocol":"json","version":1}"#, "json", 1), (#"{"protocol":"messagepack","version":2}"#, "messagepack", 2),
            (#" { "version" : 2 , "protocol" : "json" , "extra": [1] } "#, "json", 2),
            (#"{"protocol":"json","version":0}"#, "json", 0),
        ] {
            var reader = HandshakeReader()
            let outcome = try reader.read(record(text))
            #expect(outcome == .complete(HandshakeRequest(protocolName: name, version: version), leftover: []))
            guard case .complete(let request, _) = outcome else { continue }
            #expect(try request.resolveProtocol().name == name)
        }
    }

    @Test("a request split across reads completes on the last byte")
    func split() throws {
        let bytes = record(#"{"protocol":"messagepack","version":1}"#)
        var reader = HandshakeReader()
        for byte in bytes.dropLast() {
            #expect(try reader.read([byte]) == .needMoreData)
        }
        #expect(try reader.read(bytes.suffix(1)) == .complete(HandshakeRequest(protocolName: "messagepack", version: 1), leftover: []))
    }

    @Test("bytes after the separator are returned as leftover")
    func leftover() throws {
        var reader = HandshakeReader()
        #expect(try reader.read(utf8(#"{"protocol":"json","#)) == .needMoreData)
        let rest = utf8(#""version":1}"#) + [0x1E] + record(#"{"type":6}"#) + utf8(#"{"type""#)
        let outcome = try reader.read(rest)
        #expect(outcome == .complete(HandshakeRequest(protocolName: "json", version: 1), leftover: record(#"{"type":6}"#) + utf8(#"{"type""#)))
        #expect(capturedError { try reader.read([0x1E]) }?.code == .invalidState)
    }

    @Test(
        "malformed requests are rejected with .invalidHandshake",
        arguments: [
            "", "hello", "[]", "\"json\"", "{}", #"{"protocol":"json"}"#, #"{"version":1}"#, #"{"protocol":5,"version":1}"#,
            #"{"protocol":"json","version":"1"}"#, #"{"protocol":"json","version":1.0}"#, #"{"protocol":"json","version":null}"#,
            #"{"protocol":"json","version":1"#,
        ]
    )
    func malformed(_ text: String) {
        var reader = HandshakeReader()
        let error = capturedError { try reader.read(record(text)) }
        #expect(error?.code == .invalidHandshake, "\(text) gave \(String(describing: error))")
    }

    @Test("binary garbage before the handshake is rejected")
    func binaryGarbage() {
        var reader = HandshakeReader()
        #expect(capturedError { try reader.read(hex("02 91 06 1e")) }?.code == .invalidHandshake)
    }

    @Test("versions other than 0, 1 and 2 are rejected", arguments: [3, -1, 100])
    func versions(_ version: Int) {
        var reader = HandshakeReader()
        let error = capturedError { try reader.read(record(#"{"protocol":"json","version":\#(version)}"#)) }
        #expect(error?.code == .unsupportedProtocolVersion)
        #expect(error?.message == "The server does not support version \(version) of the 'json' protocol; use version 0, 1 or 2")
    }

    @Test("unknown protocols are rejected, names are case-sensitive")
    func unknownProtocol() {
        for name in ["xml", "JSON", ""] {
            let error = capturedError { try HandshakeRequest(protocolName: name, version: 1).resolveProtocol() }
            #expect(error?.code == .unsupportedProtocol)
            #expect(error?.message == "The protocol '\(name)' is not supported; supported protocols: 'json', 'messagepack'")
        }
        let onlyJSON = capturedError { try HandshakeRequest(protocolName: "messagepack", version: 1).resolveProtocol(among: [JSONHubProtocol()]) }
        #expect(onlyJSON?.code == .unsupportedProtocol)
    }

    @Test("an oversized request is rejected, with or without a separator")
    func oversized() {
        var reader = HandshakeReader(maxSize: 64)
        #expect(capturedError { try reader.read(Array(repeating: UInt8(ascii: " "), count: 65)) }?.code == .messageTooLarge)
        var withSeparator = HandshakeReader(maxSize: 32)
        let padded = record(#"{"protocol":"json","version":1,"padding":"xxxxxxxxxxxx"}"#)
        #expect(capturedError { try withSeparator.read(padded) }?.code == .messageTooLarge)
    }

    @Test("the request encodes as clients send it")
    func requestBytes() throws {
        let request = HandshakeRequest(protocolName: "messagepack", version: 2)
        #expect(request.encoded() == record(#"{"protocol":"messagepack","version":2}"#))
        #expect(try HandshakeRequest(json: request.encoded().dropLast()) == request)
    }

    @Test("responses are {} or {\"error\":…} followed by 0x1E")
    func responses() throws {
        #expect(HandshakeResponse.successBytes == [0x7B, 0x7D, 0x1E])
        #expect(HandshakeResponse.success.encoded() == [0x7B, 0x7D, 0x1E])
        let failure = HandshakeResponse(error: "Requested protocol 'messagepack' is not available.")
        #expect(failure.encoded() == record(#"{"error":"Requested protocol 'messagepack' is not available."}"#))
        #expect(try HandshakeResponse(json: failure.encoded().dropLast()) == failure)
        #expect(try HandshakeResponse(json: utf8("{}")) == .success)
        #expect(try HandshakeResponse(json: utf8(#"{"error":null,"minorVersion":1}"#)) == .success)
        #expect(capturedError { try HandshakeResponse(json: utf8(#"{"error":1}"#)) }?.code == .invalidHandshake)
        #expect(capturedError { try HandshakeResponse(json: utf8("[]")) }?.code == .invalidHandshake)
        #expect(capturedError { try HandshakeResponse(json: utf8("{")) }?.code == .invalidHandshake)
    }
}
