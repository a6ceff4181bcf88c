import Foundation

/// Starts the processes of each workload, collects their results, and fills the rows.
struct Orchestrator {
    let bench: String
    let binDir: String
    let quick: Bool
    let repeats: Int
    let logDir: String
    let redisPort: Int?
    let natsPort: Int?
    let python: String?
    let goBin: String?
    let repoRoot: String
    /// Process ids of the brokers started by run.sh, to count their CPU time per message.
    var brokerPIDs: [HopSystem: Int32] = [:]
    var rows: [Row] = []
    private var serial = 0

    init(
        bench: String, binDir: String, quick: Bool, repeats: Int, logDir: String, redisPort: Int?, natsPort: Int?,
        python: String?, goBin: String?, repoRoot: String
    ) {
        self.bench = bench
        self.binDir = binDir
        self.quick = quick
        self.repeats = repeats
        self.logDir = logDir
        self.redisPort = redisPort
        self.natsPort = natsPort
        self.python = python
        self.goBin = goBin
        self.repoRoot = repoRoot
    }

    static let latencyRate = 100_000

    mutating func log(_ text: String) {
        FileHandle.standardError.write(Data("[bench] \(text)\n".utf8))
    }

    /// Starts `executable` (default: this binary) with its stderr in the log folder.
    /// With `HUBMESH_BENCH_PERF=mesh-pub,mesh-sub` (role or process names), those processes run under
    /// `perf record -g`; the profiles land next to the logs (`NNN-<name>.perf.data`).
    /// `HUBMESH_BENCH_PERF_ARGS` replaces `-g` (e.g. `--call-graph=dwarf -F 2000` where the Swift
    /// runtime has no frame pointers).
    mutating func start(_ name: String, _ arguments: [String], executable: String? = nil) throws -> Child {
        serial += 1
        let prefix = "\(logDir)/\(String(format: "%03d", serial))-\(name)"
        let environment = ProcessInfo.processInfo.environment
        let perfArguments = (environment["HUBMESH_BENCH_PERF_ARGS"] ?? "-g").split(separator: " ").map(String.init)
        let profiled = (environment["HUBMESH_BENCH_PERF"] ?? "").split(separator: ",").contains { $0 == name }
        if profiled {
            return try Child(
                name: name, executable: "/usr/bin/perf",
                arguments: ["record"] + perfArguments + ["-q", "-o", "\(prefix).perf.data", "--", executable ?? bench] + arguments,
                stderrPath: "\(prefix).log")
        }
        return try Child(
            name: name, executable: executable ?? bench, arguments: arguments, stderrPath: "\(prefix).log", quitsOnStdin: executable == nil)
    }

    // MARK: - Workloads 1 and 2: one hop, four systems

    enum HopSystem: String, CaseIterable {
        case mesh = "HubMesh member → member"
        /// The same with ``MeshConfiguration/sendImmediately``: the publisher sends on its own thread.
        case meshImmediate = "HubMesh member → member, sending immediately"
        case zmq = "raw libzmq XPUB(NODROP) → SUB"
        case redis = "Redis pub/sub"
        case nats = "NATS"
    }

    /// The throughput runs' CPU time per message, median per process, into the row's `extra`
    /// (`cpuMicrosPerMessage.publisher` and so on) and its notes.
    func noteCPU(_ runs: [[String: Double]], in row: inout Row, processes: [String] = ["publisher", "broker", "subscriber"]) {
        var parts: [String] = []
        for name in processes {
            guard let value = median(runs.compactMap { $0[name] }) else { continue }
            row.extra["cpuMicrosPerMessage.\(name)"] = value
            parts.append(String(format: "%@ %.2f", name, value))
        }
        if !parts.isEmpty { row.notes.append("CPU µs/msg: " + parts.joined(separator: ", ")) }
    }

    struct HopRun {
        var sender: SenderResult
        var receiver: ReceiverResult
        /// CPU time per received message (µs) of the publisher, subscriber and broker processes
        /// (the broker's only for Redis and NATS), from the go signal to the receiver's result.
        var cpu: [String: Double] = [:]
        var throughput: Double {
            let seconds = Double(receiver.lastNanos &- sender.startNanos) / 1e9
            return seconds > 0 ? Double(receiver.received) / seconds : 0
        }
        var lost: Int { max(0, receiver.expected - receiver.received) + Int(receiver.extra["lost"] ?? 0) }
    }

    /// One publisher process and one subscriber process, `count` messages of 100 bytes.
    mutating func hop(_ system: HopSystem, count: Int, rate: Int) throws -> HopRun {
        let latency = rate > 0
        let timeout = Double(count) / (latency ? Double(rate) : 50_000) + 20
        let common = ["--count", "\(count)"]
        let subCommon = common + ["--warmup", "\(latency ? count / 10 : 0)", "--timeout", "\(Int(timeout))"] + (latency ? ["--latency"] : [])
        let pub: Child
        let sub: Child
        switch system {
        case .mesh, .meshImmediate:
            let immediately = system == .meshImmediate ? ["--send-immediately"] : []
            pub = try start("mesh-pub", ["mesh-pub", "--rate", "\(rate)"] + immediately + common)
            let endpoint = try pub.expect("ready", timeout: 30)
            sub = try start("mesh-sub", ["mesh-sub", "--join", endpoint] + subCommon)
            _ = try sub.expect("ready", timeout: 30)
        case .zmq:
            let frame = MeshBench.frameSize(origin: "bench-pub")
            pub = try start("zmq-pub", ["zmq-pub", "--rate", "\(rate)", "--frame-size", "\(frame)"] + common)
            let endpoint = try pub.expect("bound", timeout: 30)
            sub = try start("zmq-sub", ["zmq-sub", "--connect", endpoint] + subCommon)
            _ = try sub.expect("ready", timeout: 30)
            _ = try pub.expect("ready", timeout: 30)
        case .redis:
            guard let port = redisPort else { throw BenchError("not run: no redis-server (pass --redis-port)") }
            sub = try start("redis-sub", ["redis-sub", "--port", "\(port)"] + subCommon)
            _ = try sub.expect("ready", timeout: 30)
            pub = try start("redis-pub", ["redis-pub", "--port", "\(port)", "--rate", "\(rate)"] + common)
            _ = try pub.expect("ready", timeout: 30)
        case .nats:
            guard let port = natsPort else { throw BenchError("not run: no nats-server (pass --nats-port)") }
            sub = try start("nats-sub", ["nats-sub", "--port", "\(port)"] + subCommon)
            _ = try sub.expect("ready", timeout: 30)
            pub = try start("nats-pub", ["nats-pub", "--port", "\(port)", "--rate", "\(rate)"] + common)
            _ = try pub.expect("ready", timeout: 30)
        }
        defer {
            pub.stop()
            sub.stop()
        }
        // A process under `perf record` has no figure (its process is perf's).
        var processes: [String: () -> Double?] = ["publisher": { pub.cpuTimeMicros }, "subscriber": { sub.cpuTimeMicros }]
        if let broker = brokerPIDs[system] { processes["broker"] = { cpuMicros(pid: broker) } }
        let before = processes.compactMapValues { $0() }
        pub.send("go")
        let receiver = try sub.expectJSON("result", as: ReceiverResult.self, timeout: timeout + 15)
        let after = processes.compactMapValues { $0() }
        let sender = try pub.expectJSON("sent", as: SenderResult.self, timeout: 15)
        var run = HopRun(sender: sender, receiver: receiver)
        if receiver.received > 0 {
            for (name, end) in after {
                if let start = before[name] { run.cpu[name] = (end - start) / Double(receiver.received) }
            }
        }
        return run
    }

    var hopCount: Int { quick ? 300_000 : 2_000_000 }
    var latencyCount: Int { quick ? 200_000 : 1_000_000 }

    mutating func hopRows(_ systems: [HopSystem], workload: String) {
        for system in systems {
            var row = Row(workload: workload, system: system.rawValue)
            row.latencyRate = Self.latencyRate
            var lost = 0
            var cpu: [[String: Double]] = []
            do {
                for run in 1...repeats {
                    log("\(workload) \(system.rawValue): throughput run \(run)/\(repeats), \(hopCount) messages")
                    let result = try hop(system, count: hopCount, rate: 0)
                    row.throughputRuns.append(result.throughput)
                    cpu.append(result.cpu)
                    lost += result.lost
                    if result.receiver.orderErrors > 0 { row.notes.append("\(result.receiver.orderErrors) out of order") }
                    if result.receiver.extra["disconnected"] == 1 { row.notes.append("subscriber disconnected by the server") }
                    let perMessage = result.cpu.sorted { $0.key < $1.key }.map { String(format: "%@ %.2f", $0.key, $0.value) }
                    log("  \(formatRate(result.throughput)) msgs/s, lost \(result.lost), CPU µs/msg: \(perMessage.joined(separator: ", "))")
                }
                noteCPU(cpu, in: &row)
                var latencies: [LatencySummary] = []
                var pacerLate: [Double] = []
                for run in 1...repeats {
                    log("\(workload) \(system.rawValue): latency run \(run)/\(repeats) at \(Self.latencyRate)/s")
                    let result = try hop(system, count: latencyCount, rate: Self.latencyRate)
                    lost += result.lost
                    if let latency = result.receiver.latency {
                        latencies.append(latency)
                        log(
                            "  p50 \(latency.p50) µs, p99 \(latency.p99) µs, max \(latency.max) µs, lost \(result.lost); \(Self.describePacer(result.sender))"
                        )
                    }
                    if let late = result.sender.extra["pacerLateMeanMicros"] { pacerLate.append(late) }
                }
                // The run with the median p99 stands for the row.
                row.latency = latencies.sorted { $0.p99 < $1.p99 }[latencies.count / 2]
                if let late = median(pacerLate) {
                    row.extra["pacerLateMeanMicros"] = late
                    row.notes.append(String(format: "pacer %.1f µs late on average", late))
                }
                row.throughput = median(row.throughputRuns)
                row.lost = lost
                if lost > 0 { row.notes.append("LOST \(lost)") }
            } catch {
                let text = "\(error)"
                row.status = text.hasPrefix("not run") ? text : "failed: \(text)"
                log(row.status)
            }
            rows.append(row)
        }
    }

    /// How punctual the paced publisher was: its own share of the latency measured.
    static func describePacer(_ sender: SenderResult) -> String {
        guard let mean = sender.extra["pacerLateMeanMicros"], let share = sender.extra["pacerLateOver20Share"] else { return "pacer: no report" }
        return String(format: "pacer %.1f µs late on average, %.1f %% of sends > 20 µs late", mean, share * 100)
    }

    mutating func meshHop() { hopRows([.mesh, .meshImmediate, .zmq], workload: "1 mesh hop") }
    mutating func peers() { hopRows([.redis, .nats], workload: "2 same hop, peers") }

    // MARK: - Targets

    func row(_ workload: String, _ system: String) -> Row? {
        rows.first { $0.workload.hasPrefix(workload) && $0.system == system && $0.status == "ok" }
    }

    func checks() -> [Check] {
        var checks: [Check] = []
        let mesh = row("1", HopSystem.mesh.rawValue)
        let zmq = row("1", HopSystem.zmq.rawValue)
        func add(_ workload: String, _ target: String, _ measured: String?, _ met: Bool?) {
            checks.append(Check(workload: workload, target: target, measured: measured ?? "not run", met: measured == nil ? nil : met))
        }
        add("1", "≥ 1,000,000 envelopes/s", mesh?.throughput.map { formatRate($0) }, mesh?.throughput.map { $0 >= 1_000_000 })
        if let m = mesh?.throughput, let z = zmq?.throughput {
            add("1", "≥ 40 % of raw libzmq", String(format: "%.0f %% (%@ vs %@)", m / z * 100, formatRate(m), formatRate(z)), m / z >= 0.4)
        } else {
            add("1", "≥ 40 % of raw libzmq", nil, nil)
        }
        add("1", "lossless", mesh?.lost.map { "\($0) lost" }, mesh?.lost.map { $0 == 0 })
        add("1", "p50 ≤ 60 µs at 100 k/s", mesh?.latency.map { formatLatency($0.p50) }, mesh?.latency.map { $0.p50 <= 60 })
        add("1", "p99 ≤ 300 µs at 100 k/s", mesh?.latency.map { formatLatency($0.p99) }, mesh?.latency.map { $0.p99 <= 300 })
        // The same targets with the publisher sending on its own thread (a configuration, not the default).
        let immediate = row("1", HopSystem.meshImmediate.rawValue)
        add("1", "p50 ≤ 60 µs, sending immediately", immediate?.latency.map { formatLatency($0.p50) }, immediate?.latency.map { $0.p50 <= 60 })
        add("1", "p99 ≤ 300 µs, sending immediately", immediate?.latency.map { formatLatency($0.p99) }, immediate?.latency.map { $0.p99 <= 300 })
        for peer in [HopSystem.redis, .nats] {
            let other = row("2", peer.rawValue)
            if let m = mesh?.throughput, let o = other?.throughput {
                add("2", "≥ 2× \(peer == .redis ? "Redis" : "NATS") throughput", String(format: "%.2f×", m / o), m / o >= 2)
            } else {
                add("2", "≥ 2× \(peer == .redis ? "Redis" : "NATS") throughput", nil, nil)
            }
            if let m = mesh?.latency?.p99, let o = other?.latency?.p99 {
                add(
                    "2", "p99 ≤ ½ \(peer == .redis ? "Redis" : "NATS") p99",
                    String(format: "%.2f× (%@ vs %@)", m / o, formatLatency(m), formatLatency(o)), m / o <= 0.5)
            } else {
                add("2", "p99 ≤ ½ \(peer == .redis ? "Redis" : "NATS") p99", nil, nil)
            }
        }
        checks.append(contentsOf: laterChecks())
        return checks
    }
}
