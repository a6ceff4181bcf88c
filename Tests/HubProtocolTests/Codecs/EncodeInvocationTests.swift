import Foundation
import Testing

@testable import HubProtocol

@Suite("encodeInvocation fast path")
struct EncodeInvocationTests {
    struct Vector: Decodable, Sendable, CustomStringConvertible {
        var name: String
        var target: String
        var argumentsJSON: String
        var json: String
        var messagepack: String
        var description: String { name }
    }

    /// Golden vectors produced by Python's `json` and `msgpack` packages (see generate_invocations.py).
    static let vectors: [Vector] = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("vectors/hubprotocol/invocations.json")
        guard let data = try? Data(contentsOf: url), let vectors = try? JSONDecoder().decode([Vector].self, from: data) else {
            return []
        }
        return vectors
    }()

    @Test("the golden vector file is present")
    func vectorFile() {
        #expect(Self.vectors.count >= 8)
    }

    @Test("both codecs produce the golden bytes", arguments: Self.vectors)
    func golden(_ vector: Vector) throws {
        let arguments = utf8(vector.argumentsJSON)
        let json = try JSONHubProtocol().encodeInvocation(target: vector.target, argumentsJSON: arguments)
        #expect(hexString(json) == hexString(hex(vector.json)))
        let messagePack = try MessagePackHubProtocol().encodeInvocation(target: vector.target, argumentsJSON: arguments)
        #expect(hexString(messagePack) == hexString(hex(vector.messagepack)))
    }

    @Test("the fast path equals encoding the parsed message", arguments: Self.vectors)
    func sameAsSlowPath(_ vector: Vector) throws {
        let arguments = try #require(try HubValue(json: utf8(vector.argumentsJSON)).arrayValue)
        let message = HubMessage.invocation(InvocationMessage(target: vector.target, arguments: arguments))
        for codec in HubProtocols.all {
            let fast = try codec.encodeInvocation(target: vector.target, argumentsJSON: utf8(vector.argumentsJSON))
            #expect(try codec.decodeMessages(fast) == [message])
        }
        let slow = try MessagePackHubProtocol().encode(message)
        #expect(try MessagePackHubProtocol().encodeInvocation(target: vector.target, argumentsJSON: utf8(vector.argumentsJSON)) == slow)
    }

    @Test("large containers get 16- and 32-bit headers inserted in place")
    func largeContainers() throws {
        let count = 70_000
        let elements = (0..<count).map { "\($0 % 7)" }.joined(separator: ",")
        let list = (0..<20).map(String.init).joined(separator: ",")
        let keys = (0..<20).map { "\"k\($0)\":[\(list)]" }.joined(separator: ",")
        let text = "[[\(elements)],{\(keys)},[[[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]]]]"
        let arguments = try #require(try HubValue(jsonText: text).arrayValue)
        let expected = try MessagePackHubProtocol().encode(.invocation(InvocationMessage(target: "t", arguments: arguments)))
        let fast = try MessagePackHubProtocol().encodeInvocation(target: "t", argumentsJSON: utf8(text))
        #expect(fast == expected)
    }

    @Test(
        "arguments that are not exactly one JSON array are rejected",
        arguments: ["", "  ", "{}", "42", "\"[]\"", "null", "[1,", "[1] x", "[1][2]", "[1,]", "[\"\u{01}\"]", "[01]", "[NaN]"]
    )
    func invalid(_ text: String) {
        for codec in HubProtocols.all {
            let error = capturedError { try codec.encodeInvocation(target: "t", argumentsJSON: utf8(text)) }
            #expect(error?.code == .invalidJSON, "\(codec.name): \(text.debugDescription) gave \(String(describing: error))")
        }
    }

    @Test("non-array arguments get a clear message")
    func message() {
        let error = capturedError { try JSONHubProtocol().encodeInvocation(target: "t", argumentsJSON: utf8(#"{"a":1}"#)) }
        #expect(error?.message == "The arguments must be a JSON array, found '{'")
    }

    @Test("invalid UTF-8 and deep nesting are rejected")
    func hostile() {
        for codec in HubProtocols.all {
            let badUTF8: [UInt8] = [UInt8(ascii: "["), UInt8(ascii: "\""), 0xFF, UInt8(ascii: "\""), UInt8(ascii: "]")]
            #expect(capturedError { try codec.encodeInvocation(target: "t", argumentsJSON: badUTF8) }?.code == .invalidJSON)
            let deep = utf8(String(repeating: "[", count: 200) + String(repeating: "]", count: 200))
            #expect(capturedError { try codec.encodeInvocation(target: "t", argumentsJSON: deep) }?.code == .nestingTooDeep)
        }
    }
}
