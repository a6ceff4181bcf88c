import HubMesh
import Testing

@testable import HubGateway

/// Rules the vectors do not pin, decided here (see the report to the lead).
@Suite("Request decoder")
struct RequestDecoderTests {
    static func code(_ frame: String, options: RequestDecoder.Options = .init()) -> String {
        var decoder = RequestDecoder(options: options)
        switch decoder.decode(Array(frame.utf8)) {
        case .single(_, .success): return "ok"
        case .single(_, .failure(let error)): return error.code.rawValue
        case .batch(_, let items): return items.map { (try? $0.get()) == nil ? "item-error" : "ok" }.joined(separator: ",")
        }
    }

    static func request(_ fields: String) -> String {
        #"{"v":1,"id":"t","hub":"chat",\#(fields)}"#
    }

    @Test func aConnectionIDWithoutItsMemberCannotBeRouted() {
        #expect(Self.code(Self.request(#""kind":"connection","connection":"abc","method":"m","arguments":[]"#)) == "bad_request")
        #expect(Self.code(Self.request(#""kind":"connection","connection":".abc","method":"m","arguments":[]"#)) == "bad_request")
        #expect(Self.code(Self.request(#""kind":"connection","connection":"n1.abc","method":"m","arguments":[]"#)) == "ok")
    }

    @Test func namesLongerThanTheMeshLimitAreRefused() {
        let long = String(repeating: "g", count: 1025)
        #expect(Self.code(Self.request(#""kind":"group","group":"\#(long)","method":"m","arguments":[]"#)) == "bad_request")
        let limit = String(repeating: "g", count: 1024)
        #expect(Self.code(Self.request(#""kind":"group","group":"\#(limit)","method":"m","arguments":[]"#)) == "ok")
    }

    @Test func numbersOutOfRangeAreBadRequests() {
        #expect(Self.code(Self.request(#""kind":"all","method":"m","arguments":[1e400]"#)) == "bad_request")
        #expect(Self.code(Self.request(#""kind":"all","method":"m","arguments":[-1e400]"#)) == "bad_request")
        #expect(Self.code(Self.request(#""kind":"all","method":"m","arguments":[1e-400,-0,-0.0]"#)) == "ok")
    }

    @Test func repeatedKeysAreFoundInLargeObjects() {
        let keys = (0..<40).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        #expect(Self.code(Self.request(#""kind":"all","method":"m","arguments":[{\#(keys)}]"#)) == "ok")
        #expect(Self.code(Self.request(#""kind":"all","method":"m","arguments":[{\#(keys),"k7":1}]"#)) == "bad_request")
        #expect(Self.code(Self.request(#""kind":"all","method":"m","arguments":[{"a":1,"\u0061":2}]"#)) == "bad_request")
        #expect(Self.code(Self.request(#""kind":"all","method":"m","arguments":[{"a":{"a":1},"b":{"a":2}}]"#)) == "ok")
    }

    @Test func nestingCountsContainersFromTheRequestObject() {
        let ok = String(repeating: "[", count: 63) + "1" + String(repeating: "]", count: 63)
        #expect(Self.code(Self.request(#""kind":"all","method":"m","arguments":\#(ok)"#)) == "ok")
        let deep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(Self.code(Self.request(#""kind":"all","method":"m","arguments":\#(deep)"#)) == "bad_json")
        let deepObject = String(repeating: #"{"a":"#, count: 64) + "1" + String(repeating: "}", count: 64)
        #expect(Self.code(Self.request(#""kind":"all","method":"m","arguments":[],"x":\#(deepObject)"#)) == "bad_json")
    }

    @Test func aBatchOverTheLimitIsTooLargeEvenWithBadItems() {
        let items = Array(repeating: "7", count: 1001).joined(separator: ",")
        #expect(Self.code(#"{"v":1,"batch":[\#(items)]}"#) == "too_large")
        #expect(Self.code(#"{"v":1,"batch":[\#(items)],"kind":"all"}"#) == "bad_request")
        #expect(Self.code(#"{"v":1,"batch":[1,{"kind":"all","hub":"h","method":"m","arguments":[]}]}"#) == "item-error,ok")
        #expect(Self.code(#"{"v":1,"batch":[{"batch":[],"kind":"all","hub":"h","method":"m","arguments":[]}]}"#) == "item-error")
    }

    @Test func payloadsAreCheckedForFraming() {
        // "EpYBgMCkc2VuZJKlYWxpY2UBkA==" is the framed messagepack invocation send("alice", 1).
        let good = "EpYBgMCkc2VuZJKlYWxpY2UBkA=="
        #expect(Self.code(Self.request(#""kind":"all","payloads":{"messagepack":"\#(good)"}"#)) == "ok")
        #expect(Self.code(Self.request(#""kind":"all","payloads":{"messagepack":"\#(good)","messagepack":"\#(good)"}"#)) == "bad_request")
        #expect(Self.code(Self.request(#""kind":"all","payloads":{"messagepack":"AA=="}"#)) == "bad_request", "a zero-length message")
        #expect(Self.code(Self.request(#""kind":"all","payloads":{"json":"e30e"}"#)) == "ok", "{} + 0x1E")
        #expect(Self.code(Self.request(#""kind":"all","payloads":{"json":"e30\/"}"#)) == "bad_request", "escaped base64 is decoded first")
    }

    @Test func versionOptionalOnlyInPipelineMode() {
        let frame = #"{"kind":"all","hub":"chat","method":"m","arguments":[]}"#
        #expect(Self.code(frame) == "unsupported_version")
        #expect(Self.code(frame, options: .init(requiresVersion: false)) == "ok")
        #expect(
            Self.code(#"{"v":2,"kind":"all","hub":"chat","method":"m","arguments":[]}"#, options: .init(requiresVersion: false))
                == "unsupported_version")
    }

    @Test func declaredHubsAreCheckedAfterTheFields() {
        let options = RequestDecoder.Options(hubs: ["chat"])
        #expect(Self.code(#"{"v":1,"kind":"all","hub":"lobby","method":"m","arguments":[]}"#, options: options) == "unknown_hub")
        #expect(Self.code(#"{"v":1,"kind":"all","hub":"lobby","method":"m"}"#, options: options) == "bad_request")
    }

    @Test func repliesAreCanonical() {
        let error = IngressError(code: .badRequest, message: "quote \" slash / tab \t nul \u{0} é")
        #expect(
            String(decoding: Reply(id: "i\u{1}d/é", body: .single(.rejected(error))).bytes, as: UTF8.self)
                == #"{"id":"i\u0001d/é","ok":false,"code":"bad_request","message":"quote \" slash / tab \t nul \u0000 é"}"#
        )
        #expect(
            String(decoding: Reply(id: nil, body: .batch([.accepted, .duplicate])).bytes, as: UTF8.self)
                == #"{"id":null,"ok":true,"results":[{"ok":true},{"ok":true,"duplicate":true}]}"#
        )
    }

    @Test func theEnvelopeCarriesTheRequest() throws {
        var decoder = RequestDecoder()
        let frame = #"{"v":1,"kind":"group","hub":"chat","group":"g","method":"m","arguments":[],"exclude":["n1.a","n2.b"],"key":"k"}"#
        guard case .single(_, .success(let request)) = decoder.decode(Array(frame.utf8)) else { throw TestFailure("refused") }
        #expect(request.key == "k" && request.method == "m")
        guard case .group(let message) = request.envelope else { throw TestFailure("not a group envelope") }
        #expect(message.hub == "chat" && message.group == "g" && message.excluded == ["n1.a", "n2.b"])
        #expect(message.payloads.entries.map(\.name) == ["json", "messagepack"])
    }
}
