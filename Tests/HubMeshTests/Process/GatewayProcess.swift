import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `hubmesh-gateway` process joined to a mesh of member processes, as a user would run it.
final class GatewayProcess: Sendable {
    let process: Process
    /// The ingress ROUTER endpoint clients connect their DEALER to.
    let ingress: String
    /// The operations endpoint (`GET /metrics`, `GET /health`), `http://127.0.0.1:PORT`.
    let http: String

    /// The built executable: `$HUBMESH_GATEWAY_BIN`, or next to the test bundle.
    static var executable: URL { builtExecutable("hubmesh-gateway", override: "HUBMESH_GATEWAY_BIN") }

    private init(process: Process, ingress: String, http: String) {
        self.process = process
        self.ingress = ingress
        self.http = http
    }

    /// Starts a gateway with member id `id` on free ports, joined through `join`, and waits for its
    /// `ready` line (printed once it has joined the mesh).
    static func start(id: String, join: [String]) async throws -> GatewayProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments =
            ["--id", id, "--ingress", "tcp://127.0.0.1:0", "--mesh", "tcp://127.0.0.1:0", "--http", "127.0.0.1:0", "--log-level", "warning"]
            + join.flatMap { ["--join", $0] }
        let stdoutPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardError = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let lines = LineBuffer()
        lines.pump(stdoutPipe.fileHandleForReading)
        let ready = try await lines.waitFor(from: 0, timeout: .seconds(20), while: process) { $0.contains(" ready ") }
        let words = ready?.split(separator: " ") ?? []
        func field(_ name: String) -> String? { words.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) } }
        guard let ingress = field("ingress"), let http = field("http") else {
            process.terminate()
            throw ProcessTestError("hubmesh-gateway did not get ready: \(lines.lines.withLock { $0.suffix(5) })")
        }
        return GatewayProcess(process: process, ingress: ingress, http: http)
    }

    /// The value of the metric `name` (with its labels, as in `hubmesh_gateway_requests_total{outcome="accepted"}`)
    /// in the gateway's `GET /metrics`; `nil` when it is not there (a counter never incremented).
    func metric(_ name: String) async throws -> Double? {
        guard let url = URL(string: http + "/metrics") else { throw ProcessTestError("bad URL \(http)") }
        let (data, _) = try await URLSession.shared.data(from: url)
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    /// Stops it gracefully (SIGTERM), or with SIGKILL after 10 s.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        reap(process, grace: 10)
    }
}
