import HubMesh
import HubProtocol
import Logging
import NIOWebSocket
import Testing

@testable import HubServer

/// The session driver without sockets: events in, outbound frames and hub deliveries out.
@Suite("Hub session: actions become frames, limits close the connection")
struct HubSessionTests {
    static func makeSession(
        maxBufferedBytes: Int = 1 << 20,
        maxPendingInvocations: Int = 256,
        clientTimeout: Duration = .seconds(30)
    ) -> HubSession {
        var hub = Hub("test")
        hub.on("Echo") { (_: HubContext, text: String) in text }
        let endpoint = HubEndpoint(hub: hub, lifetime: LocalHubLifetimeManager(hub: "test"), detailedErrors: false)
        let accepted = AcceptedConnection(hub: "test", connectionID: "n1.abc", negotiationID: nil, user: HubUser(id: "ann"))
        let configuration = SessionConfiguration(
            connection: HubConnectionConfiguration(clientTimeout: clientTimeout),
            maxBufferedBytes: maxBufferedBytes,
            maxPendingInvocations: maxPendingInvocations
        )
        return HubSession(endpoint: endpoint, accepted: accepted, configuration: configuration, logger: Logger(label: "test"))
    }

    static func handshake(_ protocolName: String) -> [UInt8] {
        HandshakeRequest(protocolName: protocolName, version: 1).encoded()
    }

    /// The frames queued so far (the stream is finished first, so this never waits).
    static func drain(_ session: HubSession) async -> [OutboundFrame] {
        session.outboundContinuation.finish()
        var frames: [OutboundFrame] = []
        for await frame in session.outbound { frames.append(frame) }
        return frames
    }

    @Test func handshakeAnswersInTheProtocolsFormatAndRegistersTheConnection() async {
        let session = Self.makeSession()
        session.received(Self.handshake("messagepack"))
        session.inboxContinuation.finish()
        var items: [HubSession.DispatchItem] = []
        for await item in session.inbox { items.append(item) }
        guard case .connected(let connection) = items.first else {
            Issue.record("expected .connected, got \(items)")
            return
        }
        #expect(connection.protocolName == "messagepack")
        #expect(connection.userID == "ann")
        #expect(connection.connectionID == "n1.abc")
        let frames = await Self.drain(session)
        guard case .message(let bytes, let format, _) = frames.first else {
            Issue.record("expected the handshake response")
            return
        }
        #expect(bytes == HandshakeResponse.successBytes)
        #expect(format == .binary)
    }

    @Test func badHandshakeIsAnsweredAndClosed() async {
        let session = Self.makeSession()
        session.received(Array(#"{"protocol":"xml","version":1}"#.utf8) + [0x1E])
        let frames = await Self.drain(session)
        #expect(frames.count == 2)
        guard case .message(let bytes, .text, _) = frames.first, case .close(nil, .text, let code, let reason) = frames.last else {
            Issue.record("expected an error response and a close, got \(frames)")
            return
        }
        #expect(String(decoding: bytes, as: UTF8.self).contains("'xml' is not supported"))
        #expect(code == .protocolError)
        #expect(reason?.contains("xml") == true)
    }

    @Test func slowClientIsClosedOnceItsBufferIsFull() async {
        let session = Self.makeSession(maxBufferedBytes: 100)
        session.received(Self.handshake("json"))
        session.enqueueHubMessage([UInt8](repeating: 0x41, count: 60))
        session.enqueueHubMessage([UInt8](repeating: 0x42, count: 60))
        session.enqueueHubMessage([UInt8](repeating: 0x43, count: 10))
        #expect(session.willWrite(counted: 60) == false)
        let frames = await Self.drain(session)
        #expect(frames.count == 3)
        guard case .close(let finalMessage?, .text, let code, let reason) = frames.last else {
            Issue.record("expected a close, got \(frames)")
            return
        }
        #expect(code == .policyViolation)
        #expect(reason?.contains("too slow") == true)
        let close = try? HubProtocols.json.decodeMessages(finalMessage)
        #expect(close?.first == .close(CloseMessage(error: reason)))
    }

    @Test func tooManyPendingInvocationsCloseTheConnection() async {
        let session = Self.makeSession(maxPendingInvocations: 3)
        var bytes = Self.handshake("json")
        for index in 0..<5 {
            bytes += (try? HubProtocols.json.encode(.invocation(InvocationMessage(invocationId: "\(index)", target: "Echo", arguments: ["x"])))) ?? []
        }
        session.received(bytes)
        var delivered = 0
        for await item in session.inbox {
            if case .message = item { delivered += 1 }
        }
        #expect(delivered == 2)
        let frames = await Self.drain(session)
        guard case .close(_, _, let code, let reason) = frames.last else {
            Issue.record("expected a close")
            return
        }
        #expect(code == .policyViolation)
        #expect(reason?.contains("Too many messages") == true)
    }

    @Test func silentClientTimesOut() async throws {
        let session = Self.makeSession(clientTimeout: .milliseconds(50))
        session.received(Self.handshake("json"))
        #expect(session.tick() != nil)
        try await Task.sleep(for: .milliseconds(80))
        #expect(session.tick() == nil)
        let frames = await Self.drain(session)
        guard case .close(_, _, let code, let reason) = frames.last else {
            Issue.record("expected a close")
            return
        }
        #expect(code == .policyViolation)
        #expect(reason?.contains("No message was received") == true)
    }

    @Test func closeReasonsFitTheWebSocketLimit() {
        let long = String(repeating: "é", count: 200)
        #expect(HubSession.closeReason(long).utf8.count <= 123)
        #expect(HubSession.closeReason("short") == "short")
    }

    @Test func hubNamesFromPaths() {
        #expect(HubServer.hubName(fromPath: "/hubs/chat") == "chat")
        #expect(HubServer.hubName(fromPath: "/hubs/chat/") == "chat")
        #expect(HubServer.hubName(fromPath: "/hubs/") == nil)
        #expect(HubServer.hubName(fromPath: "/hubs/chat/negotiate") == nil)
        #expect(HubServer.hubName(fromPath: "/other/chat") == nil)
    }
}
