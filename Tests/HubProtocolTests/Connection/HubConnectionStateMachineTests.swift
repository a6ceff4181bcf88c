import Testing

@testable import HubProtocol

@Suite("HubConnectionStateMachine")
struct HubConnectionStateMachineTests {
    typealias Machine = HubConnectionStateMachine<TestInstant>

    static let jsonHandshake = record(#"{"protocol":"json","version":1}"#)
    static let jsonPing = record(#"{"type":6}"#)

    /// A machine that completed a JSON (or MessagePack) handshake at `at`.
    static func connected(_ name: String = "json", version: Int = 1, at now: TestInstant = .zero, configuration: HubConnectionConfiguration = .init())
        -> Machine
    {
        var machine = Machine(configuration: configuration, now: now)
        let actions = machine.bytesReceived(record(#"{"protocol":"\#(name)","version":\#(version)}"#), now: now)
        #expect(actions == [.sendHandshakeResponse(HandshakeResponse.successBytes)])
        return machine
    }

    /// The Close message carried by a `.close` action, decoded with `codec`.
    static func closeMessage(_ action: Machine.Action?, codec: any HubProtocolCodec = JSONHubProtocol()) throws -> CloseMessage? {
        guard case .close(let finalMessage?, _) = action else { return nil }
        guard case .close(let close) = try codec.decodeMessages(finalMessage).first else { return nil }
        return close
    }

    static func closeError(_ action: Machine.Action?) -> HubProtocolError? {
        guard case .close(_, let error) = action else { return nil }
        return error
    }

    @Test("defaults are the ASP.NET Core ones")
    func defaults() {
        let configuration = HubConnectionConfiguration()
        #expect(configuration.handshakeTimeout == .seconds(15))
        #expect(configuration.keepAliveInterval == .seconds(15))
        #expect(configuration.clientTimeout == .seconds(30))
        #expect(configuration.maxMessageSize == 32_768)
        #expect(configuration.protocols.map(\.name) == ["json", "messagepack"])
    }

    @Test("a JSON version 1 handshake connects")
    func handshakeJSON() {
        var machine = Machine(now: .zero)
        #expect(machine.state == .awaitingHandshake)
        #expect(machine.nextDeadline == .seconds(15))
        #expect(machine.bytesReceived(Self.jsonHandshake, now: .seconds(1)) == [.sendHandshakeResponse([0x7B, 0x7D, 0x1E])])
        #expect(machine.state == .connected)
        #expect(machine.codec?.name == "json")
        #expect(machine.protocolVersion == 1)
        #expect(machine.nextDeadline == .seconds(16))
    }

    @Test("a MessagePack version 2 handshake connects")
    func handshakeMessagePack() {
        let machine = Self.connected("messagepack", version: 2)
        #expect(machine.codec?.transferFormat == .binary)
        #expect(machine.protocolVersion == 2)
    }

    @Test("a handshake split across reads, followed by messages in the same read")
    func splitHandshakeWithMessages() throws {
        var machine = Machine(now: .zero)
        #expect(machine.bytesReceived(Self.jsonHandshake.prefix(10), now: .seconds(1)).isEmpty)
        let invocation = HubMessage.invocation(InvocationMessage(invocationId: "1", target: "Send", arguments: ["hi"]))
        let rest = Array(Self.jsonHandshake.dropFirst(10)) + Self.jsonPing + (try JSONHubProtocol().encode(invocation))
        #expect(machine.bytesReceived(rest, now: .seconds(2)) == [.sendHandshakeResponse(HandshakeResponse.successBytes), .deliver(invocation)])
    }

    @Test("an unknown protocol gets an error response and a close")
    func badProtocol() throws {
        var machine = Machine(now: .zero)
        let actions = machine.bytesReceived(record(#"{"protocol":"xml","version":1}"#), now: .zero)
        #expect(actions.count == 2)
        guard case .sendHandshakeResponse(let response) = actions.first else {
            Issue.record("expected a handshake response, got \(actions)")
            return
        }
        let parsed = try HandshakeResponse(json: response.dropLast())
        #expect(parsed.error == "The protocol 'xml' is not supported; supported protocols: 'json', 'messagepack'")
        #expect(actions.last == .close(finalMessage: nil, error: HubProtocolError(code: .unsupportedProtocol, message: parsed.error ?? "")))
        #expect(machine.state == .closed)
        #expect(machine.nextDeadline == nil)
    }

    @Test(
        "a bad version, garbage and an oversized handshake all close",
        arguments: [
            (record(#"{"protocol":"json","version":3}"#), HubProtocolError.Code.unsupportedProtocolVersion),
            (record("GET / HTTP/1.1"), .invalidHandshake),
            (hex("02 91 06 1e"), .invalidHandshake),
            (Array(repeating: UInt8(ascii: " "), count: 100), .messageTooLarge),
        ]
    )
    func badHandshakes(_ bytes: [UInt8], _ code: HubProtocolError.Code) throws {
        var machine = Machine(configuration: HubConnectionConfiguration(maxMessageSize: 64), now: .zero)
        let actions = machine.bytesReceived(bytes, now: .zero)
        #expect(actions.count == 2)
        guard case .sendHandshakeResponse(let response) = actions.first else {
            Issue.record("expected a handshake response first, got \(actions)")
            return
        }
        #expect(try HandshakeResponse(json: response.dropLast()).error?.isEmpty == false)
        #expect(Self.closeError(actions.last)?.code == code)
        #expect(machine.state == .closed)
    }

    @Test("the handshake times out after 15 seconds")
    func handshakeTimeout() throws {
        var machine = Machine(now: .seconds(100))
        #expect(machine.tick(now: .seconds(114)).isEmpty)
        #expect(machine.bytesReceived(Self.jsonHandshake.prefix(5), now: .seconds(114)).isEmpty)
        let actions = machine.tick(now: .seconds(115))
        #expect(actions.count == 2)
        #expect(
            actions.first == .sendHandshakeResponse(HandshakeResponse(error: "The client did not complete the handshake within 15 seconds").encoded())
        )
        #expect(Self.closeError(actions.last)?.code == .handshakeTimeout)
        #expect(machine.state == .closed)
    }

    @Test("a ping is sent when nothing was sent for 15 seconds")
    func keepAliveWhenIdle() {
        var machine = Self.connected()
        #expect(machine.tick(now: .seconds(14)).isEmpty)
        #expect(machine.tick(now: .seconds(15)) == [.sendPing(Self.jsonPing)])
        #expect(machine.tick(now: .seconds(16)).isEmpty)
        #expect(machine.nextDeadline == .seconds(30))
    }

    @Test("no ping while the server is sending")
    func noPingWhenBusy() {
        var machine = Self.connected()
        machine.messageSent(now: .seconds(10))
        _ = machine.bytesReceived(Self.jsonPing, now: .seconds(12))
        #expect(machine.tick(now: .seconds(15)).isEmpty)
        #expect(machine.nextDeadline == .seconds(25))
        machine.messageSent(now: .seconds(24))
        #expect(machine.tick(now: .seconds(25)).isEmpty)
        #expect(machine.tick(now: .seconds(39)) == [.sendPing(Self.jsonPing)])
    }

    @Test("MessagePack pings are 02 91 06")
    func messagePackPing() {
        var machine = Self.connected("messagepack")
        #expect(machine.tick(now: .seconds(15)) == [.sendPing([0x02, 0x91, 0x06])])
    }

    @Test("the client timeout closes after 30 seconds of silence")
    func clientTimeout() throws {
        var machine = Self.connected()
        _ = machine.bytesReceived(Self.jsonPing, now: .seconds(20))
        #expect(machine.tick(now: .seconds(35)) == [.sendPing(Self.jsonPing)])
        #expect(machine.nextDeadline == .seconds(50))
        let actions = machine.tick(now: .seconds(50))
        #expect(actions.count == 1)
        #expect(try Self.closeMessage(actions.first)?.error == "No message was received from the client within 30 seconds")
        #expect(Self.closeError(actions.first)?.code == .clientTimeout)
        #expect(machine.state == .closed)
        #expect(machine.tick(now: .seconds(100)).isEmpty)
    }

    @Test("an oversized message closes with a clear error")
    func oversize() throws {
        var machine = Self.connected(configuration: HubConnectionConfiguration(maxMessageSize: 64))
        let actions = machine.bytesReceived(Array(repeating: UInt8(ascii: " "), count: 65), now: .seconds(1))
        #expect(Self.closeError(actions.first)?.code == .messageTooLarge)
        #expect(try Self.closeMessage(actions.first)?.error == "The message is too large: 65 bytes exceed the maximum message size of 64 bytes")
        #expect(machine.state == .closed)
    }

    @Test(
        "garbage after the handshake closes with a reason",
        arguments: [
            ("json", record("not json"), HubProtocolError.Code.invalidJSON),
            ("json", record(#"{"type":1}"#), .invalidMessage),
            ("json", record(#"{"type":42}"#), .unknownMessageType),
            ("messagepack", hex("03 91 c1 c1"), .invalidMessagePack),
            ("messagepack", hex("ff ff ff ff ff"), .invalidLengthPrefix),
            ("messagepack", hex("06 96 01 80 c0 01 90"), .invalidMessagePack),
        ])
    func garbageAfterHandshake(_ name: String, _ bytes: [UInt8], _ code: HubProtocolError.Code) throws {
        var machine = Self.connected(name)
        let codec = try #require(machine.codec)
        let actions = machine.bytesReceived(bytes, now: .seconds(1))
        #expect(actions.count == 1)
        #expect(Self.closeError(actions.first)?.code == code)
        #expect(try Self.closeMessage(actions.first, codec: codec)?.error?.isEmpty == false)
        #expect(machine.state == .closed)
    }

    @Test("messages before a bad one are delivered first")
    func goodThenBad() {
        var machine = Self.connected()
        let actions = machine.bytesReceived(record(#"{"type":5,"invocationId":"1"}"#) + record("{"), now: .seconds(1))
        #expect(actions.first == .deliver(.cancelInvocation(CancelInvocationMessage(invocationId: "1"))))
        #expect(Self.closeError(actions.last)?.code == .invalidJSON)
    }

    @Test("a Close from the client ends the connection without a reply")
    func clientClose() {
        var machine = Self.connected()
        #expect(machine.bytesReceived(record(#"{"type":7}"#), now: .seconds(1)) == [.close(finalMessage: nil, error: nil)])
        #expect(machine.state == .closed)
        #expect(machine.bytesReceived(Self.jsonPing, now: .seconds(2)).isEmpty)
    }

    @Test("Ack and Sequence are delivered, Pings are not")
    func statefulReconnectMessages() {
        var machine = Self.connected(version: 2)
        let bytes = record(#"{"type":8,"sequenceId":3}"#) + Self.jsonPing + record(#"{"type":9,"sequenceId":4}"#)
        #expect(
            machine.bytesReceived(bytes, now: .seconds(1)) == [
                .deliver(.ack(AckMessage(sequenceId: 3))), .deliver(.sequence(SequenceMessage(sequenceId: 4))),
            ])
    }

    @Test("the server closes with a Close message")
    func serverClose() throws {
        var machine = Self.connected("messagepack")
        let actions = machine.close(error: "Server shutting down", allowReconnect: true)
        #expect(
            actions == [
                .close(
                    finalMessage: try MessagePackHubProtocol().encode(.close(CloseMessage(error: "Server shutting down", allowReconnect: true))),
                    error: nil)
            ])
        #expect(machine.close().isEmpty)
        var waiting = Machine(now: .zero)
        #expect(waiting.close() == [.close(finalMessage: nil, error: nil)])
    }

    @Test("after the transport closes every event is ignored")
    func transportClosed() {
        var machine = Self.connected()
        machine.transportClosed()
        #expect(machine.state == .closed)
        #expect(machine.codec == nil)
        #expect(machine.bytesReceived(Self.jsonPing, now: .seconds(1)).isEmpty)
        #expect(machine.tick(now: .seconds(100)).isEmpty)
        #expect(machine.nextDeadline == nil)
    }

    @Test("durations are described in words")
    func durations() {
        #expect(Machine.describe(.seconds(1)) == "1 second")
        #expect(Machine.describe(.seconds(30)) == "30 seconds")
        #expect(Machine.describe(.milliseconds(1500)) == "1.5 seconds")
    }
}
