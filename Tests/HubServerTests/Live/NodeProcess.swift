import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `hubmesh-node` process started as a user would start it, on free loopback ports.
final class NodeProcess: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Collects the process's stdout.
    final class Output: Sendable {
        let text = Mutex("")
    }

    let process: Process
    private let output = Output()
    /// `http://127.0.0.1:<port>`, from the `ready` line.
    let http: String
    /// The mesh ROUTER endpoint, from the `ready` line.
    let mesh: String
    /// The node id, from the `ready` line.
    let node: String

    /// The executable: `$HUBMESH_NODE_BIN`, else next to the test bundle.
    static var binary: URL {
        if let override = ProcessInfo.processInfo.environment["HUBMESH_NODE_BIN"] {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hubmesh-node")
    }

    /// Starts a node and waits (at most `timeout`) for its `ready` line.
    init(id: String, arguments: [String] = [], join: String? = nil, timeout: Duration = .seconds(60)) async throws {
        let process = Process()
        process.executableURL = Self.binary
        var all = ["--id", id, "--http", "127.0.0.1:0", "--mesh", "tcp://127.0.0.1:0", "--log-level", "warning"] + arguments
        if let join { all += ["--join", join] }
        process.arguments = all
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let output = self.output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { output.text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        }
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var fields: [String: String]?
        while ContinuousClock.now < deadline, process.isRunning {
            let text = output.text.withLock { $0 }
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ready ") }) {
                fields = Dictionary(
                    line.split(separator: " ").dropFirst().compactMap { part -> (String, String)? in
                        let pieces = part.split(separator: "=", maxSplits: 1)
                        return pieces.count == 2 ? (String(pieces[0]), String(pieces[1])) : nil
                    },
                    uniquingKeysWith: { $1 }
                )
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard let fields, let http = fields["http"], let mesh = fields["mesh"], let node = fields["node"] else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            throw Failure(description: "node \(id) was not ready: \(output.text.withLock { $0 })")
        }
        self.http = http
        self.mesh = mesh
        self.node = node
    }

    /// Sends SIGTERM and waits (at most `timeout`, then SIGKILL); returns the exit status.
    @discardableResult
    func stop(timeout: Duration = .seconds(10)) async -> Int32 {
        if process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// An HTTP request to the node: status and body.
    func request(_ method: String, _ path: String, headers: [String: String] = [:]) async throws -> (status: Int, body: [String: Any]) {
        var request = URLRequest(url: URL(string: http + path)!)
        request.httpMethod = method
        request.timeoutInterval = 10
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if method == "POST" { request.httpBody = Data() }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (status, body)
    }
}

/// Stops every node at the end of a test, whatever happened.
func withNodes<Result>(_ body: (inout [NodeProcess]) async throws -> Result) async throws -> Result {
    var nodes: [NodeProcess] = []
    do {
        let result = try await body(&nodes)
        for node in nodes {
            let status = await node.stop()
            if status != 0 { throw NodeProcess.Failure(description: "node \(node.node) exited with \(status), not 0") }
        }
        return result
    } catch {
        for node in nodes { await node.stop() }
        throw error
    }
}
