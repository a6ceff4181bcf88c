import BenchSupport
import HubProtocol
import Testing

/// The load client's protocol side: what it sends, and what it counts as a delivery. The fan-out
/// rows' "lost" column is only as good as this.
@Suite("SignalR load session")
struct SignalRLoadSessionTests {
    static func session(idle: Bool = false) -> SignalRLoadSession {
        SignalRLoadSession(group: "g1", joinMethod: "JoinGroup", method: "Receive", idle: idle)
    }

    static func encoded(_ message: HubMessage) throws -> [UInt8] {
        try HubProtocols.json.encode(message)
    }

    static func invocation(_ target: String, _ arguments: [HubValue]) throws -> [UInt8] {
        try encoded(.invocation(InvocationMessage(invocationId: nil, target: target, arguments: arguments)))
    }

    /// Every event the session yields for what it holds now.
    static func events(_ session: inout SignalRLoadSession) throws -> [SignalRLoadSession.Event] {
        var events: [SignalRLoadSession.Event] = []
        while let event = try session.next() { events.append(event) }
        return events
    }

    /// A session past the handshake and the join.
    static func joined() throws -> SignalRLoadSession {
        var session = Self.session()
        session.append(Array("{}\u{1E}".utf8))
        _ = try Self.events(&session)
        session.append(try encoded(.completion(CompletionMessage(invocationId: "1", outcome: .result(.null)))))
        #expect(try Self.events(&session) == [.joined])
        return session
    }

    @Test func theHandshakeAnswerIsAwaitedThenTheJoinIsSent() throws {
        var session = Self.session()
        #expect(SignalRLoadSession.handshake == "{\"protocol\":\"json\",\"version\":1}\u{1E}")
        session.append(Array("{".utf8))
        #expect(try session.next() == nil, "half an answer is not one")
        session.append(Array("}\u{1E}".utf8))
        let events = try Self.events(&session)
        guard events.count == 1, case .send(let text) = events[0] else {
            Issue.record("expected one message to send, got \(events)")
            return
        }
        var reader = JSONMessageReader(maxMessageSize: 1 << 16)
        reader.append(Array(text.utf8))
        guard case .invocation(let join)? = try reader.next() else {
            Issue.record("not an invocation: \(text)")
            return
        }
        #expect(join.target == "JoinGroup")
        #expect(join.arguments == [.string("g1")])
        #expect(join.invocationId == "1", "the join waits for its completion")
        #expect(!session.joined)
    }

    @Test func aRefusedHandshakeOrJoinThrows() throws {
        var refused = Self.session()
        refused.append(Array("{\"error\":\"no such protocol\"}\u{1E}".utf8))
        #expect(throws: BenchError.self) { try refused.next() }

        var failedJoin = Self.session()
        failedJoin.append(Array("{}\u{1E}".utf8))
        _ = try Self.events(&failedJoin)
        failedJoin.append(try Self.encoded(.completion(CompletionMessage(invocationId: "1", outcome: .error("no group")))))
        #expect(throws: BenchError.self) { try failedJoin.next() }
        #expect(!failedJoin.joined)
    }

    @Test func anIdleSessionIsJoinedRightAfterTheHandshakeAndSendsNothing() throws {
        var session = Self.session(idle: true)
        session.append(Array("{}\u{1E}".utf8))
        #expect(try Self.events(&session) == [.joined])
        #expect(session.joined)
    }

    @Test func messagesInTheSameReadAsTheHandshakeAnswerAreKept() throws {
        var session = Self.session(idle: true)
        session.append(Array("{}\u{1E}".utf8) + (try Self.invocation("Receive", [.string("5:7:xx")])))
        #expect(try Self.events(&session) == [.joined, .delivered(sentNanos: 5, sequence: 7)])
    }

    @Test func everyInvocationOfTheCountedMethodIsOneDeliveryAndNothingElseIs() throws {
        var session = try Self.joined()
        var bytes = try Self.invocation("Receive", [.string("1000:1:filler")])
        bytes += try Self.invocation("Other", [.string("2000:2:filler")])
        bytes += try Self.encoded(.ping)
        bytes += try Self.invocation("Receive", [.string("3000:3:with:colons:inside")])
        bytes += try Self.invocation("Receive", [])
        bytes += try Self.invocation("Receive", [.int(4)])
        // Split mid-message: the tail completes it.
        let cut = bytes.count - 5
        session.append(bytes[..<cut])
        #expect(
            try Self.events(&session) == [
                .delivered(sentNanos: 1000, sequence: 1), .delivered(sentNanos: 3000, sequence: 3), .delivered(sentNanos: 0, sequence: 0),
            ])
        session.append(bytes[cut...])
        #expect(try Self.events(&session) == [.delivered(sentNanos: 0, sequence: 0)])
    }

    @Test func aCloseFromTheServerIsReported() throws {
        var session = try Self.joined()
        session.append(try Self.encoded(.close(CloseMessage(error: "shutting down", allowReconnect: false))))
        #expect(try Self.events(&session) == [.closedByServer])
    }

    @Test func malformedInputThrows() throws {
        var session = try Self.joined()
        session.append(Array("{\"type\":1,\"target\":}\u{1E}".utf8))
        #expect(throws: (any Error).self) { try session.next() }
    }

    @Test(arguments: [
        ("123:45:filler", 123, 45), ("123:45", 123, 45), ("1:2:3:4", 1, 2), ("123", 0, 0), ("", 0, 0), ("x:y:z", 0, 0), (":9:", 0, 0),
        ("12:x:1", 0, 0), ("12:", 0, 0),
        ("18446744073709551615:1", 0, 0), ("1844674407370955161:7:", 1_844_674_407_370_955_161, 7),
    ])
    func stampsAreReadFromTheStartOfTheArgument(text: String, sent: UInt64, sequence: UInt64) {
        let stamp = SignalRLoadSession.stamp(text)
        #expect(stamp.sentNanos == sent && stamp.sequence == sequence, "\(text) -> \(stamp)")
    }
}
