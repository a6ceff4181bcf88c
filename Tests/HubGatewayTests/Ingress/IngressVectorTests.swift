import Foundation
import HubMesh
import HubProtocol
import Testing

@testable import HubGateway

/// Every `ingress.json` case through the decoder and the request processor (no sockets).
@Suite("ingress.json through the decoder")
struct IngressVectorTests {
    @Test func vectorsAreLoaded() {
        #expect(IngressCase.all.count >= 120)
    }

    @Test(arguments: IngressCase.all.filter { $0.frames.count == 1 })
    func answersLikeTheVector(_ vector: IngressCase) throws {
        let modes = vector.mode.map { [$0] } ?? ["router", "stdin"]
        for mode in modes {
            if mode == "stdin" && vector.frames[0].contains(UInt8(ascii: "\n")) { continue }
            var decoder = RequestDecoder(options: .init(hubs: Set(vector.hubs), requiresVersion: mode == "router"))
            let test = TestProcessor()
            for frame in vector.before {
                #expect(TestProcessor.isOK(test.answer(frame, &decoder)), "\(vector.name) [\(mode)]: before")
            }
            for frame in vector.beforeErrors {
                #expect(!TestProcessor.isOK(test.answer(frame, &decoder)), "\(vector.name) [\(mode)]: before_errors")
            }
            let publishedBefore = test.published.count
            let reply = mode == "stdin" ? test.answerLine(vector.frames[0], &decoder) : test.answer(vector.frames[0], &decoder)
            let object = try #require(IngressCase.parse(reply), "\(vector.name): reply is not a JSON object")
            #expect(vector.expect.mismatches(object) == [], "\(vector.name) [\(mode)]")
            let delivered = test.published.count - publishedBefore
            if let results = object["results"] as? [[String: Any]] {
                let accepted = results.filter { $0["ok"] as? Bool == true && $0["duplicate"] as? Bool != true }.count
                #expect(delivered == accepted, "\(vector.name) [\(mode)]: published \(delivered)")
            } else if vector.expect.duplicate != true {
                #expect(delivered == (vector.expect.ok ? 1 : 0), "\(vector.name) [\(mode)]: published \(delivered)")
                if vector.expect.ok, let envelope = test.published.last {
                    try Self.checkEnvelope(envelope, frame: vector.frames[0], name: vector.name)
                }
            }
        }
    }

    /// The envelope matches the request: kind, hub, target, exclusions, and well-formed payloads.
    static func checkEnvelope(_ envelope: HubEnvelope, frame: [UInt8], name: String) throws {
        let request = try #require(IngressCase.parse(frame), "\(name)")
        let payloads: Payloads
        switch envelope {
        case .all(let message):
            #expect(request["kind"] as? String == "all" && message.hub == request["hub"] as? String, "\(name)")
            #expect(message.excluded == request["exclude"] as? [String] ?? [], "\(name)")
            payloads = message.payloads
        case .group(let message):
            #expect(message.group == request["group"] as? String && message.hub == request["hub"] as? String, "\(name)")
            #expect(message.excluded == request["exclude"] as? [String] ?? [], "\(name)")
            payloads = message.payloads
        case .user(let message):
            #expect(message.userID == request["user"] as? String && message.hub == request["hub"] as? String, "\(name)")
            payloads = message.payloads
        case .connection(let message):
            #expect(message.connectionID == request["connection"] as? String && message.hub == request["hub"] as? String, "\(name)")
            payloads = message.payloads
        case .groupManagement, .ack:
            Issue.record("\(name): published an internal envelope")
            return
        }
        if let method = request["method"] as? String {
            let json = try #require(payloads["json"], "\(name): no json payload")
            let messagepack = try #require(payloads["messagepack"], "\(name): no messagepack payload")
            let decoded = try JSONHubProtocol().decodeMessage(json.dropLast()[...])
            guard case .invocation(let invocation) = decoded else { throw TestFailure("\(name): json payload is not an invocation") }
            #expect(invocation.target == method && invocation.invocationId == nil, "\(name)")
            #expect(invocation.arguments.count == (request["arguments"] as? [Any])?.count, "\(name)")
            let (length, prefix) = try #require(try VarInt.read(messagepack, at: 0))
            #expect(prefix + length == messagepack.count, "\(name): messagepack framing")
            let unpacked = try MessagePackHubProtocol().decodeMessage(messagepack[prefix...])
            guard case .invocation(let packed) = unpacked else { throw TestFailure("\(name): messagepack payload is not an invocation") }
            #expect(packed.target == method && packed.arguments.count == invocation.arguments.count, "\(name)")
        } else if let given = request["payloads"] as? [String: String] {
            for (protocolName, base64) in given {
                #expect(payloads[protocolName] == Data(base64Encoded: base64).map { Array($0) }, "\(name): \(protocolName) bytes")
            }
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension TestProcessor {
    static func isOK(_ reply: [UInt8]) -> Bool {
        IngressCase.parse(reply)?["ok"] as? Bool == true
    }

    /// Pipeline mode: the line through the line splitter, the blank-line rule and a `v`-optional decoder.
    func answerLine(_ line: [UInt8], _ decoder: inout RequestDecoder) -> [UInt8] {
        var splitter = LineSplitter(maxLineBytes: decoder.options.maxFrameBytes)
        var reply: [UInt8] = []
        let input = line + [UInt8(ascii: "\n")]
        input.withUnsafeBytes { bytes in
            splitter.feed(bytes) { parsed in
                reply = processor.process(PipelineReader.decode(parsed, &decoder)).bytes
            }
        }
        return reply
    }
}
