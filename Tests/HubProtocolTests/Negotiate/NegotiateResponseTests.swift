import Testing

@testable import HubProtocol

@Suite("Negotiate")
struct NegotiateResponseTests {
    @Test("version 1 carries the connection token")
    func version1() throws {
        let response = NegotiateResponse(negotiateVersion: 1, connectionId: "id-1", connectionToken: "token-1")
        let expected =
            #"{"negotiateVersion":1,"connectionId":"id-1","connectionToken":"token-1","#
            + #""availableTransports":[{"transport":"WebSockets","transferFormats":["Text","Binary"]}]}"#
        #expect(String(decoding: response.encoded(), as: UTF8.self) == expected)
    }

    @Test("version 0 leaves the token out")
    func version0() throws {
        let response = NegotiateResponse(negotiateVersion: 0, connectionId: "id-0", connectionToken: "secret")
        #expect(response.connectionToken == nil)
        let expected =
            #"{"negotiateVersion":0,"connectionId":"id-0","#
            + #""availableTransports":[{"transport":"WebSockets","transferFormats":["Text","Binary"]}]}"#
        #expect(String(decoding: response.encoded(), as: UTF8.self) == expected)
    }

    @Test("stateful reconnect and custom transports are written")
    func options() throws {
        let response = NegotiateResponse(
            negotiateVersion: 1,
            connectionId: "a\"b",
            connectionToken: "t",
            availableTransports: [NegotiateResponse.AvailableTransport(transport: "WebSockets", transferFormats: [.text])],
            useStatefulReconnect: true
        )
        let parsed = try HubValue(json: response.encoded())
        #expect(parsed["connectionId"] == "a\"b")
        #expect(parsed["useStatefulReconnect"] == true)
        #expect(parsed["availableTransports"] == [["transport": "WebSockets", "transferFormats": ["Text"]]])
    }

    @Test("the error form")
    func error() {
        #expect(NegotiateResponse.error("Negotiate failed: \"x\"") == utf8(#"{"error":"Negotiate failed: \"x\""}"#))
    }

    @Test("the negotiate version follows the query")
    func versionFromQuery() throws {
        #expect(try NegotiateResponse.negotiatedVersion(query: nil) == 0)
        #expect(try NegotiateResponse.negotiatedVersion(query: "0") == 0)
        #expect(try NegotiateResponse.negotiatedVersion(query: "1") == 1)
        #expect(try NegotiateResponse.negotiatedVersion(query: "7") == 1)
        #expect(
            capturedError { try NegotiateResponse.negotiatedVersion(query: "x") }?.message == "The client requested an invalid negotiate version 'x'")
        #expect(capturedError { try NegotiateResponse.negotiatedVersion(query: "-1") } != nil)
    }
}
