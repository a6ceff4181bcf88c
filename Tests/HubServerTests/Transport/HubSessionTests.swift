import HubMesh
import HubProtocol
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import Testing

@testable import HubServer

/// The session driver without sockets: events in, outbound frames and hub deliveries out.
@Suite("Hub session: actions become frames, limits close the connection")
struct HubSessionTests {
    static func makeSession(
        maxBufferedBytes: Int = 1 << 20,
        maxPendingInvocations: Int = 256,
        clientTimeout: Duration = .seconds(30),
        dispatching: Bool = false,
        onEnd: @escaping @Sendable (HubSession) -> Void = { _ in },
        configure: (inout Hub) -> Void = { _ in }
    ) -> HubSession {
        var hub = Hub("test")
        hub.on("Echo") { (_: HubContext, text: String) in text }
        configure(&hub)
        let endpoint = HubEndpoint(hub: hub, lifetime: LocalHubLifetimeManager(hub: "test"), detailedErrors: false)
        let accepted = AcceptedConnection(hub: "test", connectionID: "n1.abc", negotiationID: nil, user: HubUser(id: "ann"))
        let configuration = SessionConfiguration(
            connection: HubConnectionConfiguration(clientTimeout: clientTimeout),
            maxBufferedBytes: maxBufferedBytes,
            maxPendingInvocations: maxPendingInvocations
        )
        return HubSession(
            endpoint: endpoint,
            accepted: accepted,
            configuration: configuration,
            dispatching: dispatching,
            logger: Logger(label: "test"),
            onEnd: onEnd
        )
    }

    /// Waits (bounded) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    static func handshake(_ protocolName: String) -> [UInt8] {
        HandshakeRequest(protocolName: protocolName, version: 1).encoded()
    }

    /// The frames queued so far (no writer in these tests: they stay pending).
    static func drain(_ session: HubSession) async -> [OutboundFrame] {
        session.takePending()
    }

    /// The opcode byte and payload of one unmasked server frame.
    static func unframe(_ frame: ByteBuffer) -> (first: UInt8, payload: [UInt8]) {
        let bytes = Array(frame.readableBytesView)
        let length = Int(bytes[1] & 0x7F)
        let start = length == 127 ? 10 : length == 126 ? 4 : 2
        return (bytes[0], Array(bytes[start...]))
    }

    @Test func handshakeAnswersInTheProtocolsFormatAndRegistersTheConnection() async {
        let session = Self.makeSession()
        session.received(Self.handshake("messagepack"))
        let items = session.takeDispatch()
        guard case .connected(let connection) = items.first else {
            Issue.record("expected .connected, got \(items)")
            return
        }
        #expect(connection.protocolName == "messagepack")
        #expect(connection.userID == "ann")
        #expect(connection.connectionID == "n1.abc")
        let frames = await Self.drain(session)
        guard case .message(let frame, _) = frames.first else {
            Issue.record("expected the handshake response")
            return
        }
        #expect(Self.unframe(frame).payload == HandshakeResponse.successBytes)
        #expect(Self.unframe(frame).first == 0x82)  // final binary frame
    }

    @Test func hubMethodsRunInOrderAndNoTaskIsLeftWhenIdle() async throws {
        let ended = Mutex(0)
        let session = Self.makeSession(dispatching: true) { _ in ended.withLock { $0 += 1 } }
        #expect(!session.isDispatching)
        var bytes = Self.handshake("json")
        for index in 0..<20 {
            bytes += try HubProtocols.json.encode(
                .invocation(InvocationMessage(invocationId: "\(index)", target: "Echo", arguments: [.string("m\(index)")])))
        }
        session.received(bytes)
        var completions: [String] = []
        #expect(
            try await Self.eventually {
                for frame in session.takePending() {
                    guard case .message(let buffer, _) = frame else { continue }
                    let messages = (try? HubProtocols.json.decodeMessages(Self.unframe(buffer).payload)) ?? []
                    for case .completion(let completion) in messages { completions.append(completion.invocationId) }
                }
                return completions.count == 20
            }
        )
        #expect(completions == (0..<20).map { "\($0)" })
        #expect(try await Self.eventually { !session.isDispatching }, "the dispatch task outlived its work")
        #expect(!session.keepsDispatchTask, "an idle connection keeps no task")
        #expect(session.endpoint.connectionCount == 1)
        #expect(ended.withLock { $0 } == 0)

        session.transportClosed()
        session.transportClosed()
        #expect(try await Self.eventually { ended.withLock { $0 } == 1 })
        #expect(session.endpoint.connectionCount == 0)
        try await Task.sleep(for: .milliseconds(50))
        #expect(ended.withLock { $0 } == 1, "the disconnect ran more than once")
        #expect(!session.isDispatching)
    }

    /// A hub method still waiting when its client goes is cancelled; the disconnect (lifetime
    /// manager, hooks) runs after it returns, itself not cancelled, once.
    @Test func aHubMethodInProgressIsCancelledWhenTheClientGoes() async throws {
        let events = Mutex<[String]>([])
        let ended = Mutex(0)
        let session = Self.makeSession(
            dispatching: true,
            onEnd: { _ in ended.withLock { $0 += 1 } },
            configure: { hub in
                hub.on("Wait") { (_: HubContext) async -> String in
                    events.withLock { $0.append("waiting") }
                    do {
                        try await Task.sleep(for: .seconds(30))
                        events.withLock { $0.append("slept") }
                    } catch {
                        events.withLock { $0.append("cancelled") }
                    }
                    return "done"
                }
                hub.onDisconnected { _ in
                    try await Task.sleep(for: .milliseconds(1))  // throws if the disconnect were cancelled
                    events.withLock { $0.append("disconnected") }
                }
            }
        )
        session.received(
            Self.handshake("json") + (try HubProtocols.json.encode(.invocation(InvocationMessage(invocationId: "1", target: "Wait", arguments: [])))))
        #expect(try await Self.eventually { events.withLock { $0 } == ["waiting"] })
        let closedAt = ContinuousClock.now
        session.transportClosed()
        #expect(try await Self.eventually { ended.withLock { $0 } == 1 })
        #expect(ContinuousClock.now - closedAt < .seconds(5), "the method was not cancelled: the disconnect waited for it")
        #expect(events.withLock { $0 } == ["waiting", "cancelled", "disconnected"])
        #expect(session.endpoint.connectionCount == 0)
        #expect(try await Self.eventually { !session.isDispatching })
        #expect(!session.keepsDispatchTask)
    }

    @Test func aClosedTransportDropsWhatWaitsAndEndsOnceWithoutAHandshake() async throws {
        let ended = Mutex(0)
        let session = Self.makeSession(dispatching: true) { _ in ended.withLock { $0 += 1 } }
        session.transportClosed()
        #expect(try await Self.eventually { ended.withLock { $0 } == 1 })
        session.received(Self.handshake("json"))
        #expect(session.takePending().isEmpty)
        #expect(session.endpoint.connectionCount == 0)
        #expect(!session.isDispatching)
    }

    @Test func badHandshakeIsAnsweredAndClosed() async {
        let session = Self.makeSession()
        session.received(Array(#"{"protocol":"xml","version":1}"#.utf8) + [0x1E])
        let frames = await Self.drain(session)
        #expect(frames.count == 2)
        guard case .message(let frame, _) = frames.first, case .close(nil, let code, let reason) = frames.last else {
            Issue.record("expected an error response and a close, got \(frames)")
            return
        }
        #expect(Self.unframe(frame).first == 0x81)  // final text frame
        #expect(String(decoding: Self.unframe(frame).payload, as: UTF8.self).contains("'xml' is not supported"))
        #expect(code == .protocolError)
        #expect(reason?.contains("xml") == true)
    }

    @Test func slowClientIsClosedOnceItsBufferIsFull() async {
        let session = Self.makeSession(maxBufferedBytes: 100)
        session.received(Self.handshake("json"))
        session.enqueueHubMessage([UInt8](repeating: 0x41, count: 60))
        session.enqueueHubMessage([UInt8](repeating: 0x42, count: 60))
        session.enqueueHubMessage([UInt8](repeating: 0x43, count: 10))
        let frames = await Self.drain(session)
        // The handshake response, then the Close: the queued hub message is dropped.
        #expect(frames.count == 2)
        guard case .close(let finalFrame?, let code, let reason) = frames.last else {
            Issue.record("expected a close, got \(frames)")
            return
        }
        #expect(code == .policyViolation)
        #expect(reason?.contains("too slow") == true)
        let close = try? HubProtocols.json.decodeMessages(Self.unframe(finalFrame).payload)
        #expect(close?.first == .close(CloseMessage(error: reason)))
    }

    @Test func tooManyPendingInvocationsCloseTheConnection() async {
        let session = Self.makeSession(maxPendingInvocations: 3)
        var bytes = Self.handshake("json")
        for index in 0..<5 {
            bytes += (try? HubProtocols.json.encode(.invocation(InvocationMessage(invocationId: "\(index)", target: "Echo", arguments: ["x"])))) ?? []
        }
        session.received(bytes)
        let delivered = session.takeDispatch().filter { if case .message = $0 { true } else { false } }.count
        #expect(delivered == 2)
        let frames = await Self.drain(session)
        guard case .close(_, let code, let reason) = frames.last else {
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
        guard case .close(_, let code, let reason) = frames.last else {
            Issue.record("expected a close")
            return
        }
        #expect(code == .policyViolation)
        #expect(reason?.contains("No message was received") == true)
    }

    @Test func slowClientIsClosedWhenTheChannelHoldsTooMuch() async {
        let session = Self.makeSession(maxBufferedBytes: 100)
        session.received(Self.handshake("json"))
        session.enqueueHubMessage([UInt8](repeating: 0x41, count: 60))
        #expect(session.takePending().count == 2)
        session.flushed(backlog: 101)
        let frames = await Self.drain(session)
        guard frames.count == 1, case .close(_, let code, let reason) = frames.last else {
            Issue.record("expected only a close, got \(frames)")
            return
        }
        #expect(code == .policyViolation)
        #expect(reason?.contains("too slow") == true)
    }

    @Test func aSharedMessageIsFramedOnceForAllItsRecipients() async {
        let sessions = [Self.makeSession(), Self.makeSession()]
        let message = SharedMessage(Array("hello".utf8))
        var frames: [ByteBuffer] = []
        for session in sessions {
            session.received(Self.handshake("json"))
            session.enqueueHubMessage(message, format: .text)
            guard case .message(let frame, let counted) = session.takePending().last else {
                Issue.record("expected a message")
                return
            }
            #expect(counted == 5)
            frames.append(frame)
        }
        #expect(Self.unframe(frames[0]).payload == Array("hello".utf8))
        #expect(frames[0] == frames[1])
        frames[0].withUnsafeReadableBytes { first in
            frames[1].withUnsafeReadableBytes { second in
                #expect(first.baseAddress == second.baseAddress)  // one buffer, not a copy per connection
            }
        }
    }

    @Test func wireFramesUseTheShortestLength() {
        for (count, headerBytes) in [(0, 2), (125, 2), (126, 4), (65_535, 4), (65_536, 10)] {
            let frame = WireFrame.make([UInt8](repeating: 0x61, count: count), .text)
            #expect(frame.readableBytes == count + headerBytes)
            #expect(Self.unframe(frame).payload.count == count)
        }
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
