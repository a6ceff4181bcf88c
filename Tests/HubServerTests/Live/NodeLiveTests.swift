import Foundation
import Testing

@testable import HubServer

/// Real `hubmesh-node` processes on loopback. (The WebSocket and third-party client tier is the
/// pytest suite in `interop/`.)
@Suite("hubmesh-node processes", .serialized)
struct NodeLiveTests {
    @Test func portZeroReadyLineAndHealth() async throws {
        try await withNodes { nodes in
            let node = try await NodeProcess(id: "live1", arguments: ["--hub", "alpha", "--hub", "beta"])
            nodes.append(node)
            #expect(node.node == "live1")
            #expect(node.http.hasPrefix("http://127.0.0.1:") && !node.http.hasSuffix(":0"))
            #expect(node.mesh.hasPrefix("tcp://127.0.0.1:") && !node.mesh.hasSuffix(":0"))
            let (status, body) = try await node.request("GET", "/health")
            #expect(status == 200)
            #expect(body["node"] as? String == "live1")
            #expect(body["status"] as? String == "ok")
            let hubs = (body["hubs"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(hubs == ["alpha", "beta"])
            #expect(body["connections"] as? Int == 0)
        }
    }

    @Test func twoNodesSeeEachOtherAndADeadOne() async throws {
        try await withNodes { nodes in
            let first = try await NodeProcess(id: "livea")
            nodes.append(first)
            let second = try await NodeProcess(id: "liveb", join: first.mesh)
            nodes.append(second)
            var state: String?
            for _ in 0..<100 {
                let members = try await first.request("GET", "/health").body["members"] as? [[String: Any]]
                if members?.first?["id"] as? String == "liveb" {
                    state = members?.first?["state"] as? String
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(state == "alive")
            #expect(await second.stop() == 0)
            for _ in 0..<100 {
                let body = try await first.request("GET", "/health").body
                state = (body["members"] as? [[String: Any]])?.first?["state"] as? String
                if state == "dead" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(state == "dead")
            // Its only peer is gone: the node lost the mesh, and health says so with a non-200.
            let (status, body) = try await first.request("GET", "/health")
            #expect(status == 503)
            #expect(body["status"] as? String == "isolated")
            let delivery = body["delivery"] as? [String: Any]
            #expect(delivery?["messagesLost"] as? Int == 0)
        }
    }

    @Test func negotiateOverHTTP() async throws {
        try await withNodes { nodes in
            let node = try await NodeProcess(id: "livec")
            nodes.append(node)
            let (status, body) = try await node.request("POST", "/hubs/chat/negotiate?negotiateVersion=1")
            #expect(status == 200)
            #expect((body["connectionId"] as? String)?.hasPrefix("livec.") == true)
            #expect(body["connectionToken"] is String)
            #expect(try await node.request("POST", "/hubs/nothere/negotiate").status == 404)
        }
    }

    @Test func requireAuthRefusesWithoutToken() async throws {
        try await withNodes { nodes in
            let node = try await NodeProcess(id: "lived", arguments: ["--jwt-secret", Tokens.secret, "--require-auth"])
            nodes.append(node)
            #expect(try await node.request("POST", "/hubs/chat/negotiate?negotiateVersion=1").status == 401)
            let token = try await Tokens.hs256(["sub": "zoe"])
            let ok = try await node.request("POST", "/hubs/chat/negotiate?negotiateVersion=1", headers: ["Authorization": "Bearer \(token)"])
            #expect(ok.status == 200)
        }
    }

    @Test func sigtermShutsDownGracefully() async throws {
        let node = try await NodeProcess(id: "livee")
        let started = ContinuousClock.now
        #expect(await node.stop() == 0)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func badFlagsFailWithAClearMessage() async throws {
        let process = Process()
        process.executableURL = NodeProcess.binary
        process.arguments = ["--http", "nonsense", "--mesh", "tcp://127.0.0.1:0"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(text.contains("--http 'nonsense' must look like 127.0.0.1:5000"))
    }
}
