import Foundation
import Synchronization
import Testing

/// A `hubmesh-gateway` process started by a test, as a user would run it.
final class GatewayProcess: Sendable {
    let process: Process
    let arguments: [String]
    private let stdoutLog = LineLog()
    private let stderrLog = LineLog()

    /// The built executable: `$HUBMESH_GATEWAY_BIN`, or next to the test bundle (the test target depends on it).
    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["HUBMESH_GATEWAY_BIN"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hubmesh-gateway")
    }

    /// Starts the gateway; `input` (if given) is written to its stdin, which is then closed.
    init(_ arguments: [String], input: [UInt8]? = nil) throws {
        self.arguments = arguments
        process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + ["--log-level", "warning"]
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        let stdinPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = stdinPipe
        try process.run()
        stdoutLog.pump(stdoutPipe.fileHandleForReading)
        stderrLog.pump(stderrPipe.fileHandleForReading)
        let writer = stdinPipe.fileHandleForWriting
        if let input {
            Thread {
                writer.write(Data(input))
                try? writer.close()
            }.start()
        }
    }

    deinit { stop() }

    var output: [String] { stdoutLog.lines.withLock { $0 } }
    var errors: [String] { stderrLog.lines.withLock { $0 } }

    /// Starts a ROUTER gateway on free ports (HTTP too, unless `extra` has `--http`) and waits for its `ready` line.
    static func start(_ extra: [String] = []) async throws -> (GatewayProcess, ingress: String, mesh: String) {
        let http = extra.contains("--http") ? [] : ["--http", "127.0.0.1:0"]
        let gateway = try GatewayProcess(["--ingress", "tcp://127.0.0.1:0", "--mesh", "tcp://127.0.0.1:0"] + http + extra)
        let ready = try await gateway.waitForLine(timeout: .seconds(30)) { $0.contains("ready") }
        return (gateway, try field("ingress", in: ready), try field("mesh", in: ready))
    }

    /// A field of the `ready` line (`http`, `member`, ...), once it was printed.
    func ready(_ name: String) throws -> String {
        guard let line = output.first(where: { $0.contains("ready") }) else { throw TestFailure("\(arguments): no ready line yet") }
        return try Self.field(name, in: line)
    }

    static func field(_ name: String, in line: String) throws -> String {
        guard let word = line.split(separator: " ").first(where: { $0.hasPrefix(name + "=") }) else {
            throw TestFailure("no \(name)= in '\(line)'")
        }
        return String(word.dropFirst(name.count + 1))
    }

    /// Waits for a stdout line satisfying `predicate`.
    func waitForLine(timeout: Duration, _ predicate: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let line = output.first(where: predicate) { return line }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        if let line = output.first(where: predicate) { return line }
        throw TestFailure("\(arguments): no matching line within \(timeout); stdout \(output.suffix(5)), stderr \(errors.suffix(5))")
    }

    /// Waits for the process to exit; returns its status.
    func waitForExit(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        guard !process.isRunning else { throw TestFailure("\(arguments): still running after \(timeout)") }
        try await Task.sleep(for: .milliseconds(50))  // let the pumps read the last lines
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL after 10 s.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Lines read from a pipe by a reader thread.
final class LineLog: Sendable {
    let lines = Mutex<[String]>([])

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
            if !buffer.isEmpty { lines.withLock { $0.append(String(decoding: buffer, as: UTF8.self)) } }
        }.start()
    }
}
