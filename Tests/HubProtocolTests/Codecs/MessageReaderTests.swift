import Testing

@testable import HubProtocol

@Suite("Message readers (framing)")
struct MessageReaderTests {
    static let messages: [HubMessage] = [
        .invocation(InvocationMessage(invocationId: "1", target: "Send", arguments: ["hello", 1])),
        .ping,
        .streamItem(StreamItemMessage(invocationId: "2", item: ["x": [1, 2, 3]])),
        .completion(CompletionMessage(invocationId: "1", outcome: .result("done"))),
    ]

    @Test("several messages in one frame", arguments: HubProtocols.all.map(\.name))
    func severalInOneFrame(_ name: String) throws {
        let codec = try #require(HubProtocols.named(name))
        var bytes: [UInt8] = []
        for message in Self.messages { try codec.encode(message, into: &bytes) }
        var reader = codec.makeReader()
        reader.append(bytes)
        var decoded: [HubMessage] = []
        while let message = try reader.next() { decoded.append(message) }
        #expect(decoded == Self.messages)
        #expect(reader.bufferedByteCount == 0)
        #expect(try reader.next() == nil)
    }

    @Test("messages split at every byte boundary", arguments: HubProtocols.all.map(\.name))
    func byteByByte(_ name: String) throws {
        let codec = try #require(HubProtocols.named(name))
        var bytes: [UInt8] = []
        for message in Self.messages { try codec.encode(message, into: &bytes) }
        var reader = codec.makeReader()
        var decoded: [HubMessage] = []
        for byte in bytes {
            reader.append([byte])
            while let message = try reader.next() { decoded.append(message) }
        }
        #expect(decoded == Self.messages)
        #expect(reader.bufferedByteCount == 0)
    }

    /// The readers copy through contiguous storage when a collection has one, element by element
    /// otherwise: chunks of every kind, mixed, must read as the same messages.
    @Test("bytes from collections with and without contiguous storage read alike", arguments: HubProtocols.all.map(\.name))
    func collectionKinds(_ name: String) throws {
        let codec = try #require(HubProtocols.named(name))
        var bytes: [UInt8] = []
        for _ in 0..<3 {
            for message in Self.messages { try codec.encode(message, into: &bytes) }
        }
        var reader = codec.makeReader()
        var decoded: [HubMessage] = []
        var position = 0
        var chunk = 0
        while position < bytes.count {
            let end = min(bytes.count, position + 1 + (chunk * 7) % 19)
            let piece = bytes[position..<end]
            switch chunk % 4 {
            case 0: reader.append(Array(piece))
            case 1: reader.append(piece)
            case 2: Array(piece).withUnsafeBytes { reader.append($0) }
            default: reader.append(piece.lazy.map { $0 })  // no contiguous storage
            }
            while let message = try reader.next() { decoded.append(message) }
            position = end
            chunk += 1
        }
        #expect(chunk > 8)
        #expect(decoded == Self.messages + Self.messages + Self.messages)
        #expect(reader.bufferedByteCount == 0)
    }

    @Test("an incomplete message waits for more bytes", arguments: HubProtocols.all.map(\.name))
    func incomplete(_ name: String) throws {
        let codec = try #require(HubProtocols.named(name))
        let bytes = try codec.encode(Self.messages[0])
        var reader = codec.makeReader()
        reader.append(bytes.dropLast())
        #expect(try reader.next() == nil)
        #expect(reader.bufferedByteCount == bytes.count - 1)
        reader.append(bytes.suffix(1))
        #expect(try reader.next() == Self.messages[0])
    }

    @Test("the default maximum message size is 32 KB")
    func defaultLimit() {
        #expect(HubMessageReaderDefaults.maxMessageSize == 32_768)
        #expect(JSONHubProtocol().makeReader().maxMessageSize == 32_768)
        #expect(MessagePackHubProtocol().makeReader().maxMessageSize == 32_768)
    }

    @Test("JSON: a message of exactly the limit passes, one byte more fails")
    func jsonLimit() throws {
        let message = HubMessage.streamItem(StreamItemMessage(invocationId: "1", item: .string(String(repeating: "a", count: 100))))
        let bytes = try JSONHubProtocol().encode(message)
        let payloadSize = bytes.count - 1
        var exact = JSONMessageReader(maxMessageSize: payloadSize)
        exact.append(bytes)
        #expect(try exact.next() == message)
        var tooSmall = JSONMessageReader(maxMessageSize: payloadSize - 1)
        tooSmall.append(bytes)
        let error = capturedError { try tooSmall.next() }
        #expect(error?.code == .messageTooLarge)
        #expect(error?.message.contains("too large") == true)
    }

    @Test("JSON: too many bytes without a separator fail before the message ends")
    func jsonUnterminated() throws {
        var reader = JSONMessageReader(maxMessageSize: 64)
        reader.append(Array(repeating: UInt8(ascii: " "), count: 64))
        #expect(try reader.next() == nil)
        reader.append([UInt8(ascii: " ")])
        #expect(capturedError { try reader.next() }?.code == .messageTooLarge)
    }

    @Test("MessagePack: an oversized length prefix fails before the body arrives")
    func messagePackLimit() throws {
        var reader = MessagePackMessageReader(maxMessageSize: 32_768)
        var prefix: [UInt8] = []
        VarInt.write(32_769, into: &prefix)
        reader.append(prefix)
        let error = capturedError { try reader.next() }
        #expect(error?.code == .messageTooLarge)
        #expect(error?.message == "The message is too large: 32769 bytes exceed the maximum message size of 32768 bytes")
        var exact = MessagePackMessageReader(maxMessageSize: 2)
        exact.append([0x02, 0x91, 0x06])
        #expect(try exact.next() == .ping)
    }

    @Test("MessagePack: an invalid length prefix fails")
    func invalidPrefix() {
        var reader = MessagePackMessageReader()
        reader.append(hex("ff ff ff ff ff"))
        #expect(capturedError { try reader.next() }?.code == .invalidLengthPrefix)
    }

    @Test("after an error the reader stays failed", arguments: HubProtocols.all.map(\.name))
    func stickyFailure(_ name: String) throws {
        let codec = try #require(HubProtocols.named(name))
        var reader = codec.makeReader(maxMessageSize: 100)
        reader.append(name == "json" ? record("garbage") : hex("01 c1"))
        let first = capturedError { try reader.next() }
        #expect(first != nil)
        reader.append(try codec.encode(.ping))
        #expect(capturedError { try reader.next() } == first)
    }

    @Test("messages before a bad one are returned first")
    func goodThenBad() throws {
        var reader = JSONMessageReader()
        reader.append(record(#"{"type":6}"#) + record(#"{"type":99}"#))
        #expect(try reader.next() == .ping)
        #expect(capturedError { try reader.next() }?.code == .unknownMessageType)
    }

    @Test("buffer memory is reclaimed as messages are consumed")
    func compaction() throws {
        let codec = JSONHubProtocol()
        let ping = try codec.encode(.ping)
        var reader = JSONMessageReader()
        for _ in 0..<10_000 {
            reader.append(ping + ping.prefix(3))
            #expect(try reader.next() == .ping)
            #expect(try reader.next() == nil)
            reader.append(ping.dropFirst(3))
            #expect(try reader.next() == .ping)
        }
        #expect(reader.bufferedByteCount == 0)
    }
}
