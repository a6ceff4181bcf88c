import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A process started by the orchestrator: a role of this binary, a HubMesh executable or a peer
/// server. Lines on its stdout are read with a deadline; it is killed if still running at the end.
final class Child {
    let name: String
    let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    private var buffer: [UInt8] = []
    private var closed = false
    /// Every line read so far, for error messages.
    private(set) var transcript: [String] = []
    /// Whether it stops on `quit` (a role of this binary, or `perf` running anything: it gets SIGINT
    /// after the `quit`) rather than on SIGTERM.
    let quitsOnStdin: Bool

    init(
        name: String, executable: String, arguments: [String], stderrPath: String? = nil, environment: [String: String]? = nil,
        quitsOnStdin: Bool = true
    ) throws {
        self.name = name
        self.quitsOnStdin = quitsOnStdin
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        if let stderrPath {
            guard FileManager.default.createFile(atPath: stderrPath, contents: nil), let log = FileHandle(forWritingAtPath: stderrPath) else {
                throw BenchError("\(name): cannot create its log file \(stderrPath)")
            }
            process.standardError = log
        } else {
            process.standardError = FileHandle.nullDevice
        }
        if let environment { process.environment = environment }
        // A child inherits the spawning thread's signal mask, and the harness runs on a thread that
        // blocks nearly every signal: perf, for one, then never saw the SIGINT that makes it stop
        // its workload and write its profile. Children start with no signal blocked.
        var none = sigset_t()
        var saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
        Children.shared.add(self)
    }

    var pid: Int32 { process.processIdentifier }

    func send(_ line: String) {
        try? stdinPipe.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// The next stdout line, or nil at the deadline or end of output.
    func readLine(timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        let fd = stdoutPipe.fileHandleForReading.fileDescriptor
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                transcript.append(line)
                return line
            }
            if closed { return nil }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(min(remaining, 1.0) * 1000) + 1)
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { closed = true; continue }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    /// Reads lines until one starts with `word`; returns the rest of that line.
    func expect(_ word: String, timeout: Double) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0, let line = readLine(timeout: remaining) else {
                throw BenchError("\(name): no '\(word)' within \(Int(timeout)) s (last output: \(transcript.suffix(3)))")
            }
            if line == word { return "" }
            if word.hasPrefix("*"), line.contains(word.dropFirst()) { return line }
            if line.hasPrefix(word + " ") { return String(line.dropFirst(word.count + 1)) }
        }
    }

    func expectJSON<T: Decodable>(_ word: String, as type: T.Type, timeout: Double) throws -> T {
        let text = try expect(word, timeout: timeout)
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw BenchError("\(name): cannot read '\(word)' line: \(error)")
        }
    }

    /// Asks politely, then kills: a role of this binary reads `quit` on stdin; a HubMesh executable
    /// (node, gateway) stops gracefully on SIGTERM, so it gets that at once instead of waiting out
    /// the grace period for a `quit` it never reads.
    func stop(grace: Double = 3) {
        Self.stop([self], grace: grace)
    }

    /// Stops `children` together: all are asked at once and share one grace period.
    static func stop(_ children: [Child], grace: Double = 3) {
        let running = children.filter(\.process.isRunning)
        guard !running.isEmpty else { return }
        // Under `perf record`: SIGINT makes perf stop its child and write a complete profile.
        let profiled = running.contains { $0.isProfiled }
        for child in running {
            if child.quitsOnStdin { child.send("quit") } else { kill(child.pid, SIGTERM) }
        }
        if profiled {
            usleep(500_000)
            for child in running where child.isProfiled && child.process.isRunning { kill(child.pid, SIGINT) }
        }
        let deadline = Date().addingTimeInterval(profiled ? 20 : grace)
        while running.contains(where: \.process.isRunning) && Date() < deadline { usleep(20_000) }
        for child in running where child.process.isRunning { kill(child.pid, SIGTERM) }
        let hard = Date().addingTimeInterval(2)
        while running.contains(where: \.process.isRunning) && Date() < hard { usleep(20_000) }
        for child in running where child.process.isRunning { kill(child.pid, SIGKILL) }
    }

    private var isProfiled: Bool { process.executableURL?.lastPathComponent == "perf" }

    /// The CPU time (user + system) the process has used so far, in µs; `nil` under `perf record`,
    /// whose process is the one started (its CPU time is not the profiled program's).
    var cpuTimeMicros: Double? { isProfiled ? nil : cpuMicros(pid: pid) }
}

/// Every child started, so that all of them are stopped at the end (and on SIGINT/SIGTERM).
final class Children: @unchecked Sendable {
    static let shared = Children()
    private let lock = NSLock()
    private var all: [Child] = []

    func add(_ child: Child) { lock.withLock { all.append(child) } }

    func stopAll() {
        let children = lock.withLock { all }
        Child.stop(children.reversed(), grace: 1)
    }

    func killAllNow() {
        let children = lock.withLock { all }
        for child in children where child.process.isRunning { kill(child.pid, SIGKILL) }
    }
}

/// Resident set size of a process in KiB, from /proc.
func residentKiB(pid: Int32) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    }
    return nil
}

/// CPU time (user + system) a process has used so far, in microseconds, from /proc (10 ms ticks).
func cpuMicros(pid: Int32) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = text.lastIndex(of: ")")
    else { return nil }
    // Fields after the command name: state is field 3, utime 14 and stime 15 (1-based, see proc(5)).
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK))) * 1_000_000
}

/// A free TCP port on 127.0.0.1 (bind to 0, read it, close).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
