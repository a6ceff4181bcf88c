import Foundation
import Synchronization
import Testing

/// A `hubmesh-member` process driven over stdin/stdout, as a user would run it.
final class MemberProcess: Sendable {
    let process: Process
    private let input: FileHandle
    private let buffer = LineBuffer()
    let arguments: [String]

    /// The built executable: `$HUBMESH_MEMBER_BIN`, or next to the test bundle.
    static var executable: URL { builtExecutable("hubmesh-member", override: "HUBMESH_MEMBER_BIN") }

    init(_ arguments: [String]) throws {
        self.arguments = arguments
        process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + ["--log-level", "warning"]
        let stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = FileHandle.standardError
        input = stdinPipe.fileHandleForWriting
        try process.run()
        buffer.pump(stdoutPipe.fileHandleForReading)
    }

    /// Starts a member with id `id` on a free port, joining `join`, and waits until it is ready.
    static func start(id: String, port: Int = 0, join: [String] = [], extra: [String] = []) async throws -> (MemberProcess, String) {
        var arguments = ["--id", id, "--mesh", "tcp://127.0.0.1:\(port)", "--hub", "chat", "--heartbeat-ms", "250", "--dead-after-ms", "1500"]
        for endpoint in join { arguments += ["--join", endpoint] }
        let member = try MemberProcess(arguments + extra)
        let ready = try await member.waitFor(prefix: "ready ", timeout: .seconds(20))
        let words = ready.split(separator: " ")
        #expect(ready.hasSuffix("joined=true"), "\(id) did not finish joining: \(ready)")
        return (member, String(words[2]))
    }

    func send(_ line: String) {
        input.write(Data((line + "\n").utf8))
    }

    var output: [String] { buffer.lines.withLock { $0 } }

    /// Waits for the first line (from index `from`) that satisfies `predicate`.
    @discardableResult
    func waitFor(from: Int = 0, timeout: Duration = .seconds(10), _ predicate: (String) -> Bool) async throws -> String {
        if let line = try await buffer.waitFor(from: from, timeout: timeout, while: process, predicate) { return line }
        throw ProcessTestError("timed out after \(timeout) waiting in \(arguments.prefix(2)); last lines: \(output.suffix(8))")
    }

    @discardableResult
    func waitFor(prefix: String, from: Int = 0, timeout: Duration = .seconds(10)) async throws -> String {
        try await waitFor(from: from, timeout: timeout) { $0.hasPrefix(prefix) }
    }

    /// Sends a command and returns the first reply line starting with `prefix`.
    func command(_ line: String, expect prefix: String, timeout: Duration = .seconds(10)) async throws -> String {
        let start = output.count
        send(line)
        return try await waitFor(from: start, timeout: timeout) { $0.hasPrefix(prefix) || $0.hasPrefix("error") }
    }

    /// Creates a connection and returns its id; a `json` one receives what a gateway publishes.
    func connect(user: String? = nil, quiet: Bool = false, json: Bool = false) async throws -> String {
        let line = try await command("connect \(user ?? "-")\(quiet ? " quiet" : "")\(json ? " json" : "")", expect: "connected ")
        return String(line.dropFirst("connected ".count))
    }

    /// Lines `recv <connection> <text>` seen so far.
    func received(by connection: String) -> [String] {
        output.compactMap { line in
            line.hasPrefix("recv \(connection) ") ? String(line.dropFirst("recv \(connection) ".count)) : nil
        }
    }

    /// Parsed `stats` output: per connection (count, orderErrors, last), plus the member's counters line.
    func stats() async throws -> (connections: [String: (count: Int, orderErrors: Int, last: Int)], summary: String) {
        let start = output.count
        send("stats")
        let summary = try await waitFor(prefix: "stats end", from: start)
        var result: [String: (Int, Int, Int)] = [:]
        for line in output.dropFirst(start) where line.hasPrefix("stats ") && !line.hasPrefix("stats end") {
            let words = line.split(separator: " ").map(String.init)
            if words.count == 5 { result[words[1]] = (Int(words[2]) ?? -1, Int(words[3]) ?? -1, Int(words[4]) ?? -1) }
        }
        return (result, summary)
    }

    /// The member's `health` answer: the mesh part of a node's `GET /health`, as JSON.
    func health() async throws -> [String: Any] {
        let line = try await command("health", expect: "health ")
        let json = try JSONSerialization.jsonObject(with: Data(line.dropFirst("health ".count).utf8))
        guard let object = json as? [String: Any] else { throw ProcessTestError("health is not a JSON object: \(line)") }
        return object
    }

    /// The member's Prometheus metrics: sample line (`name{labels}`) → value.
    func metrics() async throws -> [String: Double] {
        let start = output.count
        send("metrics")
        _ = try await waitFor(prefix: "metrics end", from: start)
        var samples: [String: Double] = [:]
        for line in output.dropFirst(start) where line.hasPrefix("metric ") && !line.hasPrefix("metric #") {
            let words = line.dropFirst("metric ".count).split(separator: " ")
            if words.count == 2, let value = Double(words[1]) { samples[String(words[0])] = value }
        }
        return samples
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    func stop() {
        guard process.isRunning else { return }
        send("quit")
        reap(process, grace: 3)
    }
}

/// The built executable `name`: the path in environment variable `override`, or next to the test bundle.
func builtExecutable(_ name: String, override: String) -> URL {
    if let path = ProcessInfo.processInfo.environment[override] { return URL(fileURLWithPath: path) }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
}

/// Waits up to `grace` seconds for `process` to exit, SIGKILLs it if it has not, and reaps it.
func reap(_ process: Process, grace: TimeInterval) {
    let deadline = Date().addingTimeInterval(grace)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
}

/// The lines a child process writes to a pipe, read by a thread of their own.
final class LineBuffer: Sendable {
    let lines = Mutex<[String]>([])

    /// Reads `handle` line by line until end of file.
    func pump(_ handle: FileHandle) {
        Thread { [self] in
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    lines.withLock { $0.append(line) }
                }
            }
        }.start()
    }

    /// The first line from index `from` that satisfies `predicate`, waiting up to `timeout` while
    /// `process` runs; `nil` if none came.
    func waitFor(from: Int, timeout: Duration, while process: Process, _ predicate: (String) -> Bool) async throws -> String? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let line = lines.withLock({ $0.dropFirst(from).first(where: predicate) }) { return line }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        return lines.withLock { $0.dropFirst(from).first(where: predicate) }
    }
}

struct ProcessTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
