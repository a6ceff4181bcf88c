import Testing

@testable import HubProtocol

@Suite("HubProtocols")
struct HubProtocolsTests {
    @Test("lookup by handshake name")
    func lookup() {
        #expect(HubProtocols.named("json") is JSONHubProtocol)
        #expect(HubProtocols.named("messagepack") is MessagePackHubProtocol)
        #expect(HubProtocols.named("Json") == nil)
        #expect(HubProtocols.all.map(\.name) == ["json", "messagepack"])
        #expect(HubProtocols.all.map(\.transferFormat) == [.text, .binary])
    }

    @Test("a message is encoded once per protocol")
    func payloads() throws {
        let payloads = try HubProtocols.encodedPayloads(for: .ping)
        #expect(payloads == ["json": record(#"{"type":6}"#), "messagepack": [0x02, 0x91, 0x06]])
    }

    @Test("an invocation from raw JSON arguments is encoded once per protocol")
    func invocationPayloads() throws {
        let payloads = try HubProtocols.encodedInvocationPayloads(target: "Send", argumentsJSON: utf8("[42]"))
        #expect(payloads["json"] == record(#"{"type":1,"target":"Send","arguments":[42]}"#))
        #expect(payloads["messagepack"] == hex("0c 96 01 80 c0 a4 53 65 6e 64 91 2a 90"))
        #expect(capturedError { try HubProtocols.encodedInvocationPayloads(target: "Send", argumentsJSON: utf8("42")) }?.code == .invalidJSON)
    }
}
