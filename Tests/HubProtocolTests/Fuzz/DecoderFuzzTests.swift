import Testing

@testable import HubProtocol

/// Bounded fuzzing with a fixed seed: random bytes and random mutations of valid inputs go through
/// every decoder. Each call must return or throw a `HubProtocolError`; a trap would crash the run.
@Suite("Decoder fuzzing")
struct DecoderFuzzTests {
    static let iterations = 20_000

    /// Valid inputs to mutate: framed messages of both protocols, handshakes, JSON arguments.
    static func corpus() throws -> [[UInt8]] {
        let messages: [HubMessage] = [
            .invocation(
                InvocationMessage(
                    headers: ["a": "b"], invocationId: "1", target: "Send", arguments: ["x", 1, 2.5, [nil, true], ["k": "v"]], streamIds: ["s"])),
            .streamInvocation(StreamInvocationMessage(invocationId: "2", target: "Stream", arguments: [.binary([1, 2, 3])])),
            .streamItem(StreamItemMessage(invocationId: "3", item: ["deep": [[["x"]]]])),
            .completion(CompletionMessage(invocationId: "4", outcome: .result(.uint(UInt64.max)))),
            .completion(CompletionMessage(invocationId: "5", outcome: .error("boom"))),
            .completion(CompletionMessage(invocationId: "6")),
            .cancelInvocation(CancelInvocationMessage(invocationId: "7")),
            .ping,
            .close(CloseMessage(error: "bye", allowReconnect: true)),
            .ack(AckMessage(sequenceId: 300)),
            .sequence(SequenceMessage(sequenceId: 70_000)),
        ]
        var corpus: [[UInt8]] = []
        for codec in HubProtocols.all {
            for message in messages {
                corpus.append(try codec.encode(message))
            }
        }
        corpus.append(record(#"{"protocol":"json","version":1}"#))
        corpus.append(record(#"{"protocol":"messagepack","version":2}"#) + [0x02, 0x91, 0x06])
        corpus.append(utf8(#"["a\n\u00e9\ud83d\ude00", -12, 3.5e-3, {"k": [true, false, null]}, []]"#))
        corpus.append(HubValue.array([1, "x", .binary([0]), ["m": [1.5]]]).messagePackBytes())
        return corpus
    }

    static func mutate(_ input: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let interesting: [UInt8] = [0x00, 0x1E, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x7F, 0x80, 0xC0, 0xC1, 0xD9, 0xDB, 0xDD, 0xDF, 0xFF]
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            case 1 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = interesting.randomElement(using: &random) ?? 0
            case 2:
                bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
            case 3 where !bytes.isEmpty:
                bytes.remove(at: Int.random(in: 0..<bytes.count, using: &random))
            case 4:
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            default:
                let start = Int.random(in: 0...bytes.count, using: &random)
                bytes.insert(contentsOf: bytes[start...].prefix(8), at: Int.random(in: 0...bytes.count, using: &random))
            }
        }
        return bytes
    }

    /// Runs every decoder on `bytes`; returns how many accepted it.
    static func exercise(_ bytes: [UInt8]) -> Int {
        var accepted = 0
        func attempt(_ body: () throws -> Void) {
            do {
                try body()
                accepted += 1
            } catch let error as HubProtocolError {
                precondition(!error.message.isEmpty)
            } catch {
                Issue.record("unexpected error type: \(error)")
            }
        }
        attempt { _ = try HubValue(json: bytes) }
        attempt { _ = try HubValue(messagePack: bytes) }
        attempt { _ = try VarInt.read(bytes, at: 0) }
        attempt { _ = try HandshakeRequest(json: bytes) }
        attempt { _ = try HandshakeResponse(json: bytes) }
        attempt {
            var handshake = HandshakeReader(maxSize: 256)
            _ = try handshake.read(bytes)
        }
        for codec in HubProtocols.all {
            attempt { _ = try codec.decodeMessage(ArraySlice(bytes)) }
            attempt { _ = try codec.decodeMessages(bytes, maxMessageSize: 512) }
            attempt { _ = try codec.encodeInvocation(target: "t", argumentsJSON: bytes) }
            attempt {
                var reader = codec.makeReader(maxMessageSize: 128)
                let split = bytes.count / 2
                reader.append(bytes[..<split])
                while try reader.next() != nil {}
                reader.append(bytes[split...])
                while try reader.next() != nil {}
            }
        }
        return accepted
    }

    @Test("random bytes never trap")
    func randomBytes() {
        var random = SplitMix64(seed: 0x5EED_0001)
        var accepted = 0
        for _ in 0..<Self.iterations {
            let length = Int.random(in: 0...48, using: &random)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            accepted += Self.exercise(bytes)
        }
        #expect(accepted > 0)
    }

    @Test("mutations of valid inputs never trap")
    func mutations() throws {
        let corpus = try Self.corpus()
        var random = SplitMix64(seed: 0x5EED_0002)
        var accepted = 0
        for _ in 0..<Self.iterations {
            let seed = corpus[Int.random(in: 0..<corpus.count, using: &random)]
            accepted += Self.exercise(Self.mutate(seed, using: &random))
        }
        #expect(accepted > 0)
    }

    @Test("random bytes through the connection state machine never trap")
    func stateMachine() {
        var random = SplitMix64(seed: 0x5EED_0003)
        let handshakes = [record(#"{"protocol":"json","version":1}"#), record(#"{"protocol":"messagepack","version":1}"#), []]
        for iteration in 0..<(Self.iterations / 4) {
            var machine = HubConnectionStateMachine<TestInstant>(
                configuration: HubConnectionConfiguration(maxMessageSize: 256),
                now: .zero
            )
            var now = TestInstant.zero
            _ = machine.bytesReceived(handshakes[iteration % handshakes.count], now: now)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                now = now.advanced(by: .milliseconds(Int64.random(in: 0...20_000, using: &random)))
                let length = Int.random(in: 0...64, using: &random)
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
                _ = machine.bytesReceived(bytes, now: now)
                _ = machine.tick(now: now)
            }
            #expect(machine.state != .awaitingHandshake || machine.nextDeadline != nil)
        }
    }
}
