import Foundation
import HubProtocol
import Testing

/// The built `hubmesh-gateway` process on loopback, publishing into an in-process mesh member whose
/// `json` and `messagepack` connections record the exact bytes they receive.
@Suite("Live: delivery through a gateway process", .serialized)
struct LiveDeliveryTests {
    static func json(_ method: String, _ arguments: String) -> [UInt8] {
        Array(#"{"type":1,"target":"\#(method)","arguments":\#(arguments)}"#.utf8) + [0x1E]
    }

    static func messagepack(_ method: String, _ arguments: String) throws -> [UInt8] {
        try MessagePackHubProtocol().encodeInvocation(target: method, argumentsJSON: Array(arguments.utf8))
    }

    @Test func everyKindIsDeliveredWithTheExactBytes() async throws {
        let (gateway, ingress, mesh) = try await GatewayProcess.start()
        defer { gateway.stop() }
        try await MeshPeer.with(join: [mesh]) { peer in
            let alice = try await peer.connect("json", user: "alice", groups: ["room-1"])
            let bob = try await peer.connect("messagepack", user: "bob", groups: ["room-1"])
            let carol = try await peer.connect("json", user: "carol")
            let arguments = #"["alice","héllo 😀",1,-33,18446744073709551615,2.5,1.0,null,true,{"k":[1,{}],"ü":"\u0001"}]"#
            let base64JSON = Data(Self.json("pre", "[1]")).base64EncodedString()
            let base64MessagePack = Data(try Self.messagepack("pre", "[1]")).base64EncodedString()
            let requests = [
                #"{"v":1,"id":"1","kind":"all","hub":"chat","method":"newMessage","arguments":\#(arguments),"exclude":["\#(carol.connectionID)"]}"#,
                #"{"v":1,"id":"2","kind":"group","hub":"chat","group":"room-1","method":"g","arguments":[2],"exclude":["\#(alice.connectionID)"]}"#,
                #"{"v":1,"id":"3","kind":"user","hub":"chat","user":"bob","method":"u","arguments":[3]}"#,
                #"{"v":1,"id":"4","kind":"connection","hub":"chat","connection":"\#(alice.connectionID)","method":"c","arguments":[4]}"#,
                #"{"v":1,"id":"5","kind":"all","hub":"chat","payloads":{"json":"\#(base64JSON)","messagepack":"\#(base64MessagePack)"}}"#,
                #"{"v":1,"id":"6","kind":"group","hub":"chat","group":"room-2","method":"nobody","arguments":[]}"#,
            ]
            let replies = try await onThread {
                let dealer = try Dealer(ingress)
                return try requests.map { try dealer.ask($0) }.map { "\($0["id"] ?? "") \($0["ok"] ?? "")" }
            }
            #expect(replies == ["1 1", "2 1", "3 1", "4 1", "5 1", "6 1"])
            let canonical = #"["alice","héllo 😀",1,-33,18446744073709551615,2.5,1.0,null,true,{"k":[1,{}],"ü":"\u0001"}]"#
            #expect(try await alice.waitFor(3) == [Self.json("newMessage", canonical), Self.json("c", "[4]"), Self.json("pre", "[1]")])
            #expect(
                try await bob.waitFor(4) == [
                    try Self.messagepack("newMessage", canonical), try Self.messagepack("g", "[2]"), try Self.messagepack("u", "[3]"),
                    try Self.messagepack("pre", "[1]"),
                ]
            )
            #expect(try await carol.waitFor(1) == [Self.json("pre", "[1]")])
            try await Task.sleep(for: .milliseconds(200))
            #expect(alice.messages.count == 3 && bob.messages.count == 4 && carol.messages.count == 1, "nothing else arrives")
        }
        gateway.stop()
        #expect(gateway.process.terminationStatus == 0, "SIGTERM is a graceful shutdown: \(gateway.errors.suffix(3))")
    }

    @Test func anIdempotencyKeyIsDeliveredOnce() async throws {
        let (gateway, ingress, mesh) = try await GatewayProcess.start()
        defer { gateway.stop() }
        try await MeshPeer.with(join: [mesh]) { peer in
            let connection = try await peer.connect("json", groups: ["g"])
            let frame = #"{"v":1,"id":"k","kind":"group","hub":"chat","group":"g","method":"m","arguments":[1],"key":"order-4711"}"#
            let replies = try await onThread {
                let dealer = try Dealer(ingress)
                return try (0..<3).map { _ in try dealer.ask(frame)["duplicate"] as? Bool ?? false }
            }
            #expect(replies == [false, true, true])
            _ = try await connection.waitFor(2, timeout: .milliseconds(500))
            #expect(connection.messages == [Self.json("m", "[1]")])
        }
    }

    @Test func forbiddenKindsAreRefusedWhileAGoodClientPipelines2000() async throws {
        let (gateway, ingress, mesh) = try await GatewayProcess.start()
        defer { gateway.stop() }
        try await MeshPeer.with(join: [mesh]) { peer in
            let json = try await peer.connect("json", groups: ["room"])
            let messagepack = try await peer.connect("messagepack", groups: ["room"])
            let count = 2000
            async let attacker: [String] = onThread {
                let dealer = try Dealer(ingress)
                var codes: [String] = []
                for round in 0..<100 {
                    let frames = [
                        #"{"v":1,"id":"gm\#(round)","kind":"groupmanagement","hub":"chat","group":"room","connection":"x.y"}"#,
                        #"{"v":1,"id":"gm\#(round)","kind":"GroupManagement","hub":"chat","method":"m","arguments":[]}"#,
                        "not json at all",
                    ]
                    for frame in frames { codes.append(try dealer.ask(frame)["code"] as? String ?? "ok") }
                }
                return codes
            }
            async let good: [String] = onThread {
                let dealer = try Dealer(ingress)
                var problems: [String] = []
                var sent = 0
                var received = 0
                let deadline = Date().addingTimeInterval(60)
                while received < count && Date() < deadline {
                    while sent < count && sent - received < 500 {
                        try dealer.send(
                            Array(#"{"v":1,"id":"\#(sent)","kind":"group","hub":"chat","group":"room","method":"n","arguments":[\#(sent)]}"#.utf8))
                        sent += 1
                    }
                    guard let reply = try dealer.receive(), let object = IngressCase.parse(reply[0]) else {
                        problems.append("no reply after \(received)")
                        break
                    }
                    if object["id"] as? String != "\(received)" || object["ok"] as? Bool != true { problems.append("reply \(received): \(object)") }
                    received += 1
                }
                return problems
            }
            let codes = try await attacker
            #expect(codes.count == 300)
            #expect(Set(codes) == ["forbidden_kind", "bad_json"])
            #expect(try await good == [])
            let expectedJSON = (0..<count).map { Self.json("n", "[\($0)]") }
            let expectedMessagePack = try (0..<count).map { try Self.messagepack("n", "[\($0)]") }
            #expect(try await json.waitFor(count, timeout: .seconds(30)) == expectedJSON, "all delivered, in order")
            #expect(try await messagepack.waitFor(count, timeout: .seconds(30)) == expectedMessagePack)
        }
    }
}
