import Foundation
import HubMesh
import HubProtocol
import Testing

@testable import HubGateway

/// Every `payloads.json` case: the invocation bytes the gateway builds, byte for byte.
@Suite("payloads.json invocation bytes")
struct PayloadVectorTests {
    /// One case, with `method` and `arguments` as the raw JSON text of the file (numbers keep their spelling).
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var method: [UInt8]
        var arguments: [UInt8]
        var json: [UInt8]
        var messagepack: [UInt8]
        var description: String { name }

        static let all: [Case] = Vectors.caseLines("payloads.json").compactMap { line in
            guard let members = try? RawJSON.members(of: line), let name = members["name"], let method = members["method"],
                let arguments = members["arguments"], let json = members["json_hex"], let messagepack = members["messagepack_hex"]
            else { return nil }
            func text(_ raw: [UInt8]) -> String { String(decoding: raw.dropFirst().dropLast(), as: UTF8.self) }
            return Case(
                name: text(name),
                method: method,
                arguments: arguments,
                json: Vectors.bytes(hex: text(json)),
                messagepack: Vectors.bytes(hex: text(messagepack))
            )
        }
    }

    @Test func vectorsAreLoaded() {
        #expect(Case.all.count == Vectors.cases("payloads.json").count && Case.all.count >= 19)
    }

    @Test(arguments: Case.all)
    func buildsTheExactBytes(_ vector: Case) throws {
        let frame =
            Array(#"{"v":1,"kind":"all","hub":"chat","method":"#.utf8) + vector.method + Array(#","arguments":"#.utf8)
            + vector.arguments + [UInt8(ascii: "}")]
        var decoder = RequestDecoder()
        guard case .single(_, .success(let request)) = decoder.decode(frame) else {
            Issue.record("\(vector.name): not accepted: \(decoder.decode(frame))")
            return
        }
        #expect(Vectors.hex(request.payloads["json"] ?? []) == Vectors.hex(vector.json), "\(vector.name): json")
        #expect(Vectors.hex(request.payloads["messagepack"] ?? []) == Vectors.hex(vector.messagepack), "\(vector.name): messagepack")
    }

    /// The same bytes from non-canonical input: whitespace, field order, `\u` escapes.
    @Test func nonCanonicalInputGivesCanonicalBytes() throws {
        let frame = Array(
            #" { "arguments" : [ "caf\u00e9" , 1.0 , { "a\/b" : "\ud83d\ude00" } ] , "method" : "m\u00e9" , "hub":"chat","kind":"all","v":1 } "#.utf8)
        var decoder = RequestDecoder()
        guard case .single(_, .success(let request)) = decoder.decode(frame) else {
            Issue.record("not accepted")
            return
        }
        let json = String(decoding: request.payloads["json"] ?? [], as: UTF8.self)
        #expect(json == "{\"type\":1,\"target\":\"mé\",\"arguments\":[\"café\",1.0,{\"a/b\":\"😀\"}]}\u{1E}")
        let canonical = Array(#"{"v":1,"kind":"all","hub":"chat","method":"mé","arguments":["café",1.0,{"a/b":"😀"}]}"#.utf8)
        guard case .single(_, .success(let reference)) = decoder.decode(canonical) else {
            Issue.record("canonical form not accepted")
            return
        }
        #expect(request.payloads == reference.payloads)
    }

    /// HubProtocol's own fast path agrees on the MessagePack bytes (a cross-check of both).
    @Test(arguments: Case.all)
    func hubProtocolAgreesOnMessagePack(_ vector: Case) throws {
        let method = try #require(String(data: .init(vector.method.dropFirst().dropLast()), encoding: .utf8))
        guard !method.contains("\\") else { return }
        let bytes = try MessagePackHubProtocol().encodeInvocation(target: method, argumentsJSON: vector.arguments)
        #expect(Vectors.hex(bytes) == Vectors.hex(vector.messagepack), "\(vector.name)")
    }
}
