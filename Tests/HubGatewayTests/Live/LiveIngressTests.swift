import Foundation
import Testing

/// The ingress vectors, malformed input, pipeline mode and start-up failures against the built
/// `hubmesh-gateway` process.
@Suite("Live: the gateway process", .serialized)
struct LiveIngressTests {
    @Test func everyRouterVectorOverTheRealRouter() async throws {
        let (plain, plainIngress, _) = try await GatewayProcess.start()
        let (withHubs, hubsIngress, _) = try await GatewayProcess.start(["--hub", "chat"])
        defer {
            plain.stop()
            withHubs.stop()
        }
        let vectors = IngressCase.all.filter { $0.mode != "stdin" }
        let failures = try await onThread {
            var failures: [String] = []
            for vector in vectors {
                let dealer = try Dealer(vector.hubs.isEmpty ? plainIngress : hubsIngress)
                for frame in vector.before where try dealer.ask(frames: [frame])["ok"] as? Bool != true {
                    failures.append("\(vector.name): a 'before' frame failed")
                }
                for frame in vector.beforeErrors where try dealer.ask(frames: [frame])["ok"] as? Bool != false {
                    failures.append("\(vector.name): a 'before_errors' frame succeeded")
                }
                try dealer.send(frames: vector.frames)
                guard let reply = try dealer.receive(), let object = IngressCase.parse(reply.last ?? []) else {
                    failures.append("\(vector.name): no JSON reply")
                    continue
                }
                let delimited = vector.frames.count == 2 && vector.frames[0].isEmpty
                if reply.count != (delimited ? 2 : 1) || (delimited && !reply[0].isEmpty) {
                    failures.append("\(vector.name): reply has \(reply.count) frames")
                }
                failures += vector.expect.mismatches(object).map { "\(vector.name): \($0)" }
                if object["ok"] as? Bool == false && object["results"] == nil && (object["message"] as? String ?? "").isEmpty {
                    failures.append("\(vector.name): an error without a message")
                }
            }
            let dealer = try Dealer(plainIngress)
            if try dealer.ask(#"{"v":1,"id":"after","kind":"all","hub":"chat","method":"m","arguments":[]}"#)["ok"] as? Bool != true {
                failures.append("the gateway stopped serving after the vectors")
            }
            return failures
        }
        #expect(failures == [])
        #expect(plain.process.isRunning && withHubs.process.isRunning)
    }

    @Test func aHugeMessageGetsTooLargeAndTheGatewayKeepsServing() async throws {
        let (gateway, ingress, _) = try await GatewayProcess.start()
        defer { gateway.stop() }
        let codes = try await onThread {
            let dealer = try Dealer(ingress)
            var codes: [String] = []
            codes.append(try dealer.ask(frames: [[UInt8](repeating: UInt8(ascii: "["), count: 1 << 20)])["code"] as? String ?? "ok")
            codes.append(try dealer.ask(frames: [[], [UInt8](repeating: 0x7B, count: 70_000)])["code"] as? String ?? "ok")
            codes.append(try dealer.ask(frames: [Array("{}".utf8), [UInt8](repeating: 0x7B, count: 70_000)])["code"] as? String ?? "ok")
            codes.append(try dealer.ask(String(repeating: "[", count: 65) + String(repeating: "]", count: 65))["code"] as? String ?? "ok")
            codes.append(try dealer.ask(#"{"v":1,"kind":"all","hub":"chat","method":"m","arguments":[]}"#)["ok"] as? Bool == true ? "ok" : "?")
            return codes
        }
        #expect(codes == ["too_large", "too_large", "too_large", "bad_json", "ok"])
    }

    @Test func pipelineModeAnswersEveryLineInOrder() async throws {
        try await MeshPeer.with { peer in
            let connection = try await peer.connect("json", groups: ["room"])
            let lines = [
                #"{"id":"a","kind":"group","hub":"chat","group":"room","method":"m","arguments":[1]}"#,
                "",
                "not json",
                #"{"v":1,"id":"gm","kind":"groupmanagement","hub":"chat","group":"room","connection":"x.y"}"#,
                #"{"v":2,"id":"v2","kind":"all","hub":"chat","method":"m","arguments":[]}"#,
                #"{"id":"k1","kind":"group","hub":"chat","group":"room","method":"m","arguments":[2],"key":"pipe-1"}"#,
                #"{"id":"k2","kind":"group","hub":"chat","group":"room","method":"m","arguments":[3],"key":"pipe-1"}"#,
                "   ",
                #"{"v":1,"id":"b","batch":[{"kind":"group","hub":"chat","group":"room","method":"m","arguments":[4]},{"kind":"ack","hub":"chat"}]}"#,
                String(repeating: "x", count: 70_000),
                #"{"id":"crlf","kind":"group","hub":"chat","group":"room","method":"m","arguments":[5]}"# + "\r",
                #"{"id":"last","kind":"group","hub":"chat","group":"room","method":"m","arguments":[6]}"#,
            ]
            let input = Array(lines.joined(separator: "\n").utf8)  // the last line has no newline
            let gateway = try GatewayProcess(["--stdin", "--mesh", "tcp://127.0.0.1:0", "--join", peer.endpoint], input: input)
            defer { gateway.stop() }
            #expect(try await gateway.waitForExit(timeout: .seconds(60)) == 0, "\(gateway.errors.suffix(5))")
            let replies = gateway.output.map { IngressCase.parse(Array($0.utf8)) }
            #expect(replies.count == lines.count, "one reply line per input line: \(gateway.output)")
            let summary = replies.map { reply -> String in
                guard let reply else { return "not JSON" }
                let id = reply["id"] as? String ?? "null"
                if let results = reply["results"] as? [[String: Any]] {
                    return "\(id) " + results.map { $0["code"] as? String ?? "ok" }.joined(separator: "+")
                }
                if reply["duplicate"] as? Bool == true { return "\(id) duplicate" }
                return "\(id) \(reply["code"] as? String ?? "ok")"
            }
            #expect(
                summary == [
                    "a ok", "null bad_json", "null bad_json", "gm forbidden_kind", "v2 unsupported_version", "k1 ok", "k2 duplicate",
                    "null bad_json", "b ok+forbidden_kind", "null too_large", "crlf ok", "last ok",
                ]
            )
            #expect(gateway.errors.contains { $0.contains("ready") }, "the ready line goes to stderr in pipeline mode")
            let expected = [1, 2, 4, 5, 6].map { LiveDeliveryTests.json("m", "[\($0)]") }
            #expect(try await connection.waitFor(5) == expected)
        }
    }

    #if os(Linux)
        /// The ingress ROUTER lives in the mesh member's ZeroMQ context: the process has one libzmq
        /// I/O thread (`ZMQbg/IO/0`), not one per context; the ingress thread is named for the OS. The member terminates that context when it
        /// stops, which waits for the ROUTER: with a client still connected, SIGTERM must still end the
        /// process at once, cleanly, and with no error logged.
        @Test func theIngressSharesTheMeshsIOThreadAndAConnectedClientDoesNotHoldUpShutdown() async throws {
            let (gateway, ingress, _) = try await GatewayProcess.start()
            defer { gateway.stop() }
            let pid = gateway.process.processIdentifier
            let (id, names, took) = try await onThread { () throws -> (String?, [String], Duration) in
                let dealer = try Dealer(ingress)  // stays connected through the shutdown
                let reply = try dealer.ask(#"{"v":1,"id":"1","kind":"all","hub":"chat","method":"m","arguments":[]}"#)
                let tasks = "/proc/\(pid)/task"
                let names = try FileManager.default.contentsOfDirectory(atPath: tasks).compactMap { tid in
                    try? String(contentsOfFile: "\(tasks)/\(tid)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                }
                let start = ContinuousClock.now
                kill(pid, SIGTERM)
                gateway.process.waitUntilExit()
                let took = start.duration(to: .now)
                withExtendedLifetime(dealer) {}
                return (reply["id"] as? String, names, took)
            }
            #expect(id == "1")
            #expect(names.filter { $0.hasPrefix("ZMQbg/IO") }.count == 1, "threads: \(names.sorted())")
            #expect(
                names.contains("hubmesh-ingress") && names.contains("hubmesh-io"), "the gateway's own threads carry their names: \(names.sorted())")
            #expect(try await gateway.waitForExit(timeout: .seconds(10)) == 0)
            #expect(took < .seconds(3), "SIGTERM with a connected client took \(took)")
            #expect(!gateway.errors.contains { $0.contains(" error ") || $0.contains(" critical ") }, "\(gateway.errors)")
        }
    #endif

    @Test func anEndpointInUseIsAFatalErrorWithAClearMessage() async throws {
        let (first, ingress, _) = try await GatewayProcess.start()
        defer { first.stop() }
        let second = try GatewayProcess(["--ingress", ingress, "--mesh", "tcp://127.0.0.1:0"])
        defer { second.stop() }
        #expect(try await second.waitForExit(timeout: .seconds(20)) != 0)
        #expect(second.errors.contains { $0.contains("cannot bind the ingress endpoint") && !$0.contains("ready") }, "\(second.errors)")
        #expect(!second.output.contains { $0.contains("ready") })
    }

    @Test func pipelineModeWithoutAMeshToJoinFails() async throws {
        let gateway = try GatewayProcess(
            ["--stdin", "--mesh", "tcp://127.0.0.1:0", "--join", "tcp://127.0.0.1:1", "--join-timeout", "1"],
            input: Array("{}\n".utf8)
        )
        defer { gateway.stop() }
        #expect(try await gateway.waitForExit(timeout: .seconds(30)) != 0)
        #expect(gateway.output.isEmpty)
    }
}
