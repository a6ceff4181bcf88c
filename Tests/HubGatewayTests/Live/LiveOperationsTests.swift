import Foundation
import Testing

/// `GET /metrics` and `GET /health` of real `hubmesh-gateway` processes on loopback: a gateway `b`
/// joined to a gateway `a` (a mesh of two real processes), requests over a real DEALER.
@Suite("Live: the gateway's /metrics and /health", .serialized)
struct LiveOperationsTests {
    /// Two gateways in one mesh: `a` starts it, `b` joins `a`. Both serve HTTP on free ports.
    static func mesh() async throws -> (a: GatewayProcess, b: GatewayProcess, ingress: String) {
        let (a, _, aMesh) = try await GatewayProcess.start()
        let (b, ingress, _) = try await GatewayProcess.start(["--join", aMesh])
        return (a, b, ingress)
    }

    @Test func metricsCountRequestsByOutcomeAndCodeAndShowTheMesh() async throws {
        let (a, b, ingress) = try await Self.mesh()
        defer {
            b.stop()
            a.stop()
        }
        let frames: [String] = [
            #"{"v":1,"id":"g1","kind":"all","hub":"chat","method":"m","arguments":[1]}"#,
            #"{"v":1,"id":"g2","kind":"group","hub":"chat","group":"room","method":"m","arguments":[2]}"#,
            #"{"v":1,"id":"g3","kind":"user","hub":"chat","user":"u1","method":"m","arguments":[3]}"#,
            #"{"v":1,"id":"g4","kind":"all","hub":"chat","method":"m","arguments":[4],"key":"ops-1"}"#,
            #"{"v":1,"id":"g5","kind":"all","hub":"chat","method":"m","arguments":[5],"key":"ops-1"}"#,
            "not json",
            "[]",
            #"{"v":2,"kind":"all","hub":"chat","method":"m","arguments":[]}"#,
            #"{"v":1,"kind":"groupmanagement","hub":"chat"}"#,
            #"{"v":1,"kind":"All","hub":"chat","method":"m","arguments":[]}"#,
            #"{"v":1,"kind":"all","hub":"chat","method":"m"}"#,
            String(repeating: " ", count: 70_000),
        ]
        let outcomes = try await onThread {
            let dealer = try Dealer(ingress)
            return try frames.map { frame -> String in
                let reply = try dealer.ask(frame)
                return reply["duplicate"] as? Bool == true ? "duplicate" : reply["code"] as? String ?? "ok"
            }
        }
        #expect(
            outcomes == [
                "ok", "ok", "ok", "ok", "duplicate", "bad_json", "bad_json", "unsupported_version", "forbidden_kind", "unknown_kind",
                "bad_request", "too_large",
            ]
        )
        let probe = try HTTPProbe(try b.ready("http"))
        // The mesh counters reach swift-metrics every 100 ms: wait for them.
        var metrics = PrometheusText("")
        for _ in 0..<100 {
            let response = try await onThread { try probe.request("GET", "/metrics") }
            #expect(response.status == 200)
            #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            metrics = PrometheusText(response.text)
            if metrics.value("hubmesh_envelopes_published_total", ["kind": "user"]) == 1 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let requests = "hubmesh_gateway_requests_total"
        #expect(metrics.value(requests, ["outcome": "accepted"]) == 4)
        #expect(metrics.value(requests, ["outcome": "duplicate"]) == 1)
        let rejected: [String: Double] = [
            "bad_json": 2, "unsupported_version": 1, "bad_request": 1, "unknown_kind": 1, "forbidden_kind": 1, "too_large": 1,
            "unknown_hub": 0, "unavailable": 0, "internal": 0,
        ]
        for (code, count) in rejected {
            #expect(metrics.value(requests, ["outcome": "rejected", "code": code]) == count, "code \(code)")
        }
        #expect(metrics.value("hubmesh_gateway_frames_total", ["source": "router"]) == Double(frames.count))
        #expect(metrics.value("hubmesh_gateway_replies_dropped_total", ["reason": "backlog_full"]) == 0)
        // The mesh: what the gateway's member published, by kind, and who it sees.
        #expect(metrics.value("hubmesh_envelopes_published_total", ["kind": "all"]) == 2)
        #expect(metrics.value("hubmesh_envelopes_published_total", ["kind": "group"]) == 1)
        #expect(metrics.value("hubmesh_envelopes_published_total", ["kind": "user"]) == 1)
        #expect(metrics.value("hubmesh_members", ["state": "alive"]) == 1)
        #expect(metrics.value("hubmesh_members", ["state": "dead"]) == 0)
        #expect(metrics.value("hubmesh_joined") == 1)
        for name in ["hubmesh_gaps_detected_total", "hubmesh_messages_lost_total", "hubmesh_backpressure_waits_total"] {
            #expect(metrics.value(name) == 0, "\(name)")
        }
    }

    @Test func healthListsTheMeshAndTurns503WhenTheOnlyPeerIsKilled() async throws {
        let (a, b, ingress) = try await Self.mesh()
        defer {
            b.stop()
            a.stop()
        }
        let probe = try HTTPProbe(try b.ready("http"))
        var health = try await onThread { try probe.request("GET", "/health") }
        #expect(health.status == 200)
        #expect(health.headers["content-type"] == "application/json; charset=utf-8")
        var body = health.json
        #expect(body["status"] as? String == "ok")
        #expect(body["member"] as? String == (try b.ready("member")))
        #expect(body["ingress"] as? String == ingress)
        #expect(body["meshEndpoint"] as? String == (try b.ready("mesh")))
        #expect(body["joined"] as? Bool == true)
        let members = body["members"] as? [[String: Any]] ?? []
        #expect(members.count == 1)
        #expect(members.first?["id"] as? String == (try a.ready("member")))
        #expect(members.first?["role"] as? String == "gateway")
        #expect(members.first?["state"] as? String == "alive")
        #expect(members.first?["endpoint"] as? String == (try a.ready("mesh")))
        let delivery = body["delivery"] as? [String: Int]
        #expect(delivery == ["gapsDetected": 0, "messagesRepaired": 0, "messagesLost": 0, "stalls": 0, "decodeErrors": 0])

        kill(a.process.processIdentifier, SIGKILL)
        let killed = ContinuousClock.now
        for _ in 0..<100 {
            health = try await onThread { try probe.request("GET", "/health") }
            if health.status != 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let after = ContinuousClock.now - killed
        #expect(health.status == 503)
        #expect(after < .seconds(6), "isolated after \(after)")
        body = health.json
        #expect(body["status"] as? String == "isolated")
        #expect((body["members"] as? [[String: Any]])?.first?["state"] as? String == "dead")
        // It still answers its clients (what it accepts now reaches nobody, which /health says).
        let accepted = try await onThread {
            try Dealer(ingress).ask(#"{"v":1,"kind":"all","hub":"chat","method":"m","arguments":[]}"#)["ok"] as? Bool
        }
        #expect(accepted == true)
    }

    @Test func aGatewayThatHasNotJoinedAnswers503Starting() async throws {
        let port = try Self.freePort()
        // Nothing listens at the join endpoint: the join never completes, so there is no ready line.
        let gateway = try GatewayProcess([
            "--ingress", "tcp://127.0.0.1:0", "--mesh", "tcp://127.0.0.1:0", "--join", "tcp://127.0.0.1:\(try Self.freePort())",
            "--http", "127.0.0.1:\(port)",
        ])
        defer { gateway.stop() }
        let probe = try HTTPProbe("http://127.0.0.1:\(port)")
        var health: HTTPProbe.Response?
        for _ in 0..<100 {
            health = try? await onThread { try probe.request("GET", "/health") }
            if health != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(health?.status == 503)
        #expect(health?.json["status"] as? String == "starting")
        #expect(health?.json["joined"] as? Bool == false)
    }

    @Test func unknownPathsAre404AndOtherMethods405() async throws {
        let (gateway, _, _) = try await GatewayProcess.start()
        defer { gateway.stop() }
        let probe = try HTTPProbe(try gateway.ready("http"))
        let statuses = try await onThread {
            try [
                ("GET", "/"), ("GET", "/nope"), ("GET", "/metrics/"), ("GET", "/health/x"), ("POST", "/health"), ("DELETE", "/metrics"),
                ("PUT", "/health"), ("GET", "/health?verbose=1"), ("GET", "/metrics?x=1"),
            ].map { try probe.request($0.0, $0.1).status }
        }
        #expect(statuses == [404, 404, 404, 404, 405, 405, 405, 200, 200])
        let refused = try await onThread { try probe.request("POST", "/metrics", body: Array("x".utf8)) }
        #expect(refused.headers["allow"] == "GET")
        #expect(refused.json["error"] is String)
    }

    @Test func garbageAndHugeHTTPRequestsDoNotHurtTheIngress() async throws {
        let (gateway, ingress, _) = try await GatewayProcess.start()
        defer { gateway.stop() }
        let probe = try HTTPProbe(try gateway.ready("http"))
        let answers = try await onThread {
            var answers: [String] = []
            let garbage = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
            answers.append(Self.statusWord(try probe.exchange(garbage)))
            let hugeHeader = Array("GET /health HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 1 << 20))\r\n\r\n".utf8)
            answers.append(Self.statusWord(try probe.exchange(hugeHeader)))
            let hugePath = Array("GET /\(String(repeating: "p", count: 200_000)) HTTP/1.1\r\nConnection: close\r\n\r\n".utf8)
            answers.append(Self.statusWord(try probe.exchange(hugePath)))
            let hugeBody = Array("POST /health HTTP/1.1\r\nContent-Length: \(2 << 20)\r\nConnection: close\r\n\r\n".utf8)
            answers.append(Self.statusWord(try probe.exchange(hugeBody + [UInt8](repeating: 0x41, count: 2 << 20))))
            // Connections that never finish their request, held while the ingress serves.
            let idle = try (0..<50).map { _ in try probe.connect() }
            defer { idle.forEach { close($0) } }
            for socket in idle { _ = "GET /hea".withCString { send(socket, $0, 8, HTTPProbe.sendFlags) } }
            let reply = try Dealer(ingress).ask(#"{"v":1,"id":"after","kind":"all","hub":"chat","method":"m","arguments":[]}"#)
            answers.append(reply["ok"] as? Bool == true ? "ingress ok" : "ingress \(reply)")
            answers.append(String(try probe.request("GET", "/health").status))
            return answers
        }
        // Garbage, oversized heads and a large body are refused with a 4xx (or a closed connection), never a 2xx or 5xx.
        for answer in answers.prefix(4) {
            #expect(answer == "closed" || answer.hasPrefix("4"), "\(answers)")
        }
        #expect(Array(answers.dropFirst(4)) == ["ingress ok", "200"])
        #expect(gateway.process.isRunning)
    }

    @Test func httpNoneAndAnAddressInUse() async throws {
        let (off, _, _) = try await GatewayProcess.start(["--http", "none"])
        defer { off.stop() }
        #expect(try off.ready("http") == "none")

        let (first, _, _) = try await GatewayProcess.start()
        defer { first.stop() }
        let taken = try first.ready("http").replacingOccurrences(of: "http://", with: "")
        let second = try GatewayProcess(["--ingress", "tcp://127.0.0.1:0", "--mesh", "tcp://127.0.0.1:0", "--http", taken])
        defer { second.stop() }
        #expect(try await second.waitForExit(timeout: .seconds(20)) != 0)
        #expect(second.errors.contains { $0.contains("cannot listen for HTTP on \(taken)") }, "\(second.errors)")
        #expect(!second.output.contains { $0.contains("ready") }, "stdout \(second.output), stderr \(second.errors)")

        let bad = try GatewayProcess(["--http", "localhost"])
        #expect(try await bad.waitForExit(timeout: .seconds(20)) != 0)
        #expect(bad.errors.contains { $0.contains("HOST:PORT") }, "\(bad.errors)")
    }

    /// `closed` when the server closed without answering, else the response's status code.
    static func statusWord(_ raw: [UInt8]) -> String {
        guard !raw.isEmpty else { return "closed" }
        return HTTPProbe.parse(raw).map { String($0.status) } ?? "not HTTP: \(raw.prefix(40))"
    }

    /// A TCP port nobody listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestFailure("no free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
