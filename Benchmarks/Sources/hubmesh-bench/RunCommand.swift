import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `hubmesh-bench run`: runs the workloads, prints the table, writes the JSON report.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the workloads and report.")

    @Flag(help: "Small counts, one run each: finishes in under 2 minutes.")
    var quick = false

    @Option(help: "Runs per throughput/latency measurement (median reported). Default: 1 quick, 3 full.")
    var repeats: Int?

    @Option(help: "Workloads to run (comma-separated): hop, peers, ingest, fanout, connections, scaling.")
    var only: String = "hop,peers,ingest,fanout,connections,scaling"

    @Option(help: "Folder with hubmesh-node, hubmesh-gateway (default: this binary's folder).")
    var binDir: String?

    @Option(help: "Port of a running redis-server on 127.0.0.1 (the Redis row is not run without it).")
    var redisPort: Int?

    @Option(help: "Port of a running nats-server on 127.0.0.1 (the NATS row is not run without it).")
    var natsPort: Int?

    @Option(help: "Process id of that redis-server, to count its CPU time per message.")
    var redisPid: Int32?

    @Option(help: "Process id of that nats-server, to count its CPU time per message.")
    var natsPid: Int32?

    @Option(help: "Python interpreter with pyzmq and the hubmesh binding (gateway ingest row).")
    var python: String?

    @Option(help: "Folder holding the built Go ingest benchmark binaries (gateway ingest row).")
    var goBin: String?

    @Option(help: "Folder of the raw Python ack router and the bindings' benchmarks (default: Bindings/python/benchmarks).")
    var repoRoot: String = FileManager.default.currentDirectoryPath

    @Option(help: "Where to write the JSON report.")
    var json: String = "Benchmarks/results/latest.json"

    @Option(help: "Folder for the children's logs.")
    var logDir: String = "Benchmarks/results/logs"

    func run() throws {
        signal(SIGINT) { _ in
            Children.shared.killAllNow(); Glibc.exit(130)
        }
        signal(SIGTERM) { _ in
            Children.shared.killAllNow(); Glibc.exit(143)
        }
        signal(SIGPIPE, SIG_IGN)
        try? FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
        let bench = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let binDir = self.binDir ?? URL(fileURLWithPath: bench).deletingLastPathComponent().path
        let workloads = Set(only.split(separator: ",").map(String.init))
        let started = Date()
        var orchestrator = Orchestrator(
            bench: bench, binDir: binDir, quick: quick, repeats: repeats ?? (quick ? 1 : 3), logDir: logDir,
            redisPort: redisPort, natsPort: natsPort, python: python, goBin: goBin, repoRoot: repoRoot)
        orchestrator.brokerPIDs = [.redis: redisPid, .nats: natsPid].compactMapValues { $0 }
        let machine = readMachine()
        FileHandle.standardError.write(
            Data("machine: \(machine.cores) cores, \(machine.memoryGiB) GiB, \(machine.cpu), load \(machine.loadAverageAtStart)\n".utf8))
        defer { Children.shared.stopAll() }
        if workloads.contains("hop") { orchestrator.meshHop() }
        if workloads.contains("peers") { orchestrator.peers() }
        if workloads.contains("ingest") { orchestrator.ingest() }
        if workloads.contains("fanout") {
            orchestrator.fanOut()
            orchestrator.fanOut(engine: .nio)
            orchestrator.fanOut(engine: .posix)
            orchestrator.fanOut(rawTCP: true)
        }
        if workloads.contains("connections") { orchestrator.connections() }
        if workloads.contains("scaling") { orchestrator.scaling() }
        let duration = Date().timeIntervalSince(started)
        let report = Report(
            quick: quick, repeats: orchestrator.repeats, startedAt: ISO8601DateFormatter().string(from: started),
            durationSeconds: duration, machine: machine, rows: orchestrator.rows,
            checks: orchestrator.checks() + Self.durationChecks(workloads: workloads, quick: quick, repeats: orchestrator.repeats, seconds: duration))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(report)
        try? FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: json).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: json))
        print(renderTable(report))
        print("\nJSON: \(json)  (\(Int(report.durationSeconds)) s)")
    }

    /// The limits on the harness itself, for a run of every workload at the default repeats:
    /// `--quick` under 2 minutes, the full run under 15 (both once built; the build is not timed).
    static func durationChecks(workloads: Set<String>, quick: Bool, repeats: Int, seconds: Double) -> [Check] {
        let all: Set<String> = ["hop", "peers", "ingest", "fanout", "connections", "scaling"]
        guard workloads.isSuperset(of: all), repeats == (quick ? 1 : 3) else { return [] }
        let limit: Double = quick ? 120 : 900
        return [
            Check(
                workload: "harness", target: quick ? "--quick under 2 minutes, once built" : "full run under 15 minutes, once built",
                measured: "\(Int(seconds.rounded())) s", met: seconds < limit)
        ]
    }
}
