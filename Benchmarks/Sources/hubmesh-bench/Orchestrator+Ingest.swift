import Foundation

/// Workload 3: services publishing through the gateway, from Python and Go.
extension Orchestrator {
    /// `key=value` fields of a ready line.
    static func fields(_ line: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in line.split(separator: " ") {
            if let eq = part.firstIndex(of: "=") { result[String(part[..<eq])] = String(part[part.index(after: eq)...]) }
        }
        return result
    }

    struct IngestResult: Codable {
        var acked: Int
        var ok: Int
        var seconds: Double
        /// The client's own CPU time per acknowledged request, in µs.
        var cpuMicros: Double?

        enum CodingKeys: String, CodingKey {
            case acked, ok, seconds
            case cpuMicros = "cpu_us"
        }
    }

    /// Runs one ingest client and reads its `result` line.
    mutating func ingestClient(_ language: String, mode: String, endpoint: String, count: Int) throws -> IngestResult {
        let child: Child
        if language == "Python" {
            guard let python else { throw BenchError("not run: no Python with pyzmq (pass --python)") }
            child = try start("py-\(mode)", ["\(repoRoot)/Benchmarks/ingest/ingest.py", mode, endpoint, "\(count)"], executable: python)
        } else {
            guard let goBin else { throw BenchError("not run: Go ingest client not built (pass --go-bin)") }
            child = try start("go-\(mode)", [mode, endpoint, "\(count)"], executable: "\(goBin)/ingest-go")
        }
        defer { child.stop() }
        let result = try child.expectJSON("result", as: IngestResult.self, timeout: Double(count) / 20_000 + 30)
        return result
    }

    /// A C ROUTER that acks every request at once (Bindings/python/benchmarks/ack_router.c).
    mutating func startAckRouter() throws -> (Child, String) {
        guard let goBin, FileManager.default.isExecutableFile(atPath: "\(goBin)/ack_router") else {
            throw BenchError("not run: ack_router not built")
        }
        let endpoint = "tcp://127.0.0.1:\(freePort())"
        let router = try start("ack-router", [endpoint, "600"], executable: "\(goBin)/ack_router")
        usleep(300_000)
        return (router, endpoint)
    }

    /// A gateway joined by one subscribing member, so that accepted messages really cross the mesh.
    mutating func startGatewayWithSubscriber(expect count: Int) throws -> (gateway: Child, subscriber: Child, ingress: String) {
        let gatewayPath = "\(binDir)/hubmesh-gateway"
        guard FileManager.default.isExecutableFile(atPath: gatewayPath) else { throw BenchError("not run: \(gatewayPath) not built") }
        let gateway = try start(
            "gateway", ["--ingress", "tcp://127.0.0.1:0", "--mesh", "tcp://127.0.0.1:0", "--log-level", "warning"] + MeshBench.executableFlags,
            executable: gatewayPath)
        let line = try gateway.expect("*ready", timeout: 30)
        let fields = Self.fields(line)
        guard let ingress = fields["ingress"], let mesh = fields["mesh"] else { throw BenchError("gateway ready line without endpoints: \(line)") }
        let subscriber = try start(
            "mesh-sub", ["mesh-sub", "--join", mesh, "--count", "\(count)", "--plain", "--timeout", "\(Double(count) / 20_000 + 30)"])
        _ = try subscriber.expect("ready", timeout: 30)
        return (gateway, subscriber, ingress)
    }

    mutating func ingest() {
        for (language, count) in [("Go", quick ? 300_000 : 500_000), ("Python", quick ? 100_000 : 300_000)] {
            var raw = Row(workload: "3 gateway ingest", system: "\(language): raw DEALER → C ack ROUTER")
            var bindingAck = Row(workload: "3 gateway ingest", system: "\(language): binding → C ack ROUTER")
            var gateway = Row(workload: "3 gateway ingest", system: "\(language): binding → hubmesh-gateway → member")
            do {
                for run in 1...repeats {
                    let (router, endpoint) = try startAckRouter()
                    defer { router.stop() }
                    log("3 ingest \(language): raw run \(run)/\(repeats), \(count) requests")
                    let r = try ingestClient(language, mode: "raw", endpoint: endpoint, count: count)
                    raw.throughputRuns.append(Double(r.acked) / r.seconds)
                    log("  raw \(formatRate(raw.throughputRuns.last))")
                    let b = try ingestClient(language, mode: "binding", endpoint: endpoint, count: count)
                    bindingAck.throughputRuns.append(Double(b.acked) / b.seconds)
                    log("  binding → ack router \(formatRate(bindingAck.throughputRuns.last))")
                }
                raw.throughput = median(raw.throughputRuns)
                bindingAck.throughput = median(bindingAck.throughputRuns)
            } catch {
                let text = "\(error)"
                raw.status = text.hasPrefix("not run") ? text : "failed: \(text)"
                bindingAck.status = raw.status
            }
            do {
                var lost = 0
                var refused = 0
                var cpu: [[String: Double]] = []
                var cores: [Double] = []
                for run in 1...repeats {
                    log("3 ingest \(language): binding → gateway run \(run)/\(repeats)")
                    let setup = try startGatewayWithSubscriber(expect: count + 1000)
                    defer {
                        setup.subscriber.stop()
                        setup.gateway.stop()
                    }
                    let before = (setup.gateway.cpuTimeMicros, setup.subscriber.cpuTimeMicros)
                    let g = try ingestClient(language, mode: "binding", endpoint: setup.ingress, count: count)
                    gateway.throughputRuns.append(Double(g.ok) / g.seconds)
                    refused += g.acked - g.ok
                    let delivered = try setup.subscriber.expectJSON("result", as: ReceiverResult.self, timeout: 60)
                    // CPU per acknowledged request, warm-up and connecting included (10 ms ticks; a run is seconds).
                    var runCPU: [String: Double] = [:]
                    if let start = before.0, let end = setup.gateway.cpuTimeMicros { runCPU["gateway"] = (end - start) / Double(g.acked) }
                    if let start = before.1, let end = setup.subscriber.cpuTimeMicros { runCPU["subscriber"] = (end - start) / Double(g.acked) }
                    if let client = g.cpuMicros { runCPU["client"] = client }
                    cpu.append(runCPU)
                    // The three processes' CPU at this rate, in cores: on a small box, what bounds the row.
                    let busy = runCPU.count == 3 ? runCPU.values.reduce(0, +) * Double(g.acked) / g.seconds / 1_000_000 : nil
                    if let busy { cores.append(busy) }
                    lost += max(0, count + 1000 - refused - delivered.received)
                    let perRequest = runCPU.sorted { $0.key < $1.key }.map { String(format: "%@ %.2f", $0.key, $0.value) }
                    log(
                        "  \(formatRate(gateway.throughputRuns.last)) acked, \(g.acked - g.ok) refused, \(delivered.received) delivered; "
                            + "CPU µs/request: \(perRequest.joined(separator: ", "))"
                            + (busy.map { String(format: "; %.2f cores busy", $0) } ?? ""))
                }
                noteCPU(cpu, in: &gateway, processes: ["client", "gateway", "subscriber"])
                if let busy = median(cores) {
                    gateway.extra["coresBusy"] = busy
                    gateway.notes.append(String(format: "%.2f cores busy", busy))
                }
                gateway.throughput = median(gateway.throughputRuns)
                gateway.lost = lost
                if refused > 0 { gateway.notes.append("\(refused) refused") }
                if lost > 0 { gateway.notes.append("LOST \(lost) accepted but not delivered") }
            } catch {
                let text = "\(error)"
                gateway.status = text.hasPrefix("not run") ? text : "failed: \(text)"
                log(gateway.status)
            }
            rows.append(contentsOf: [raw, bindingAck, gateway])
        }
    }

    func ingestChecks() -> [Check] {
        var checks: [Check] = []
        for (language, target) in [("Go", 300_000.0), ("Python", 80_000.0)] {
            let gateway = row("3", "\(language): binding → hubmesh-gateway → member")
            let raw = row("3", "\(language): raw DEALER → C ack ROUTER")
            checks.append(
                Check(
                    workload: "3", target: "\(language) ≥ \(formatRate(target)) acked/s",
                    measured: gateway?.throughput.map { formatRate($0) } ?? "not run",
                    met: gateway?.throughput.map { $0 >= target }))
            if let g = gateway?.throughput, let r = raw?.throughput {
                checks.append(
                    Check(
                        workload: "3", target: "\(language) ≥ 85 % of raw \(language) loop", measured: String(format: "%.0f %%", g / r * 100),
                        met: g / r >= 0.85))
            } else {
                checks.append(Check(workload: "3", target: "\(language) ≥ 85 % of raw \(language) loop", measured: "not run", met: nil))
            }
            // The binding's own share, against the same C ack ROUTER as the raw loop (no gateway): shown
            // beside the check above, which is the one the issue sets.
            let binding = row("3", "\(language): binding → C ack ROUTER")
            let target = "(binding alone, same ack ROUTER) \(language) ≥ 85 % of raw"
            if let b = binding?.throughput, let r = raw?.throughput {
                checks.append(Check(workload: "3", target: target, measured: String(format: "%.0f %%", b / r * 100), met: b / r >= 0.85))
            } else {
                checks.append(Check(workload: "3", target: target, measured: "not run", met: nil))
            }
        }
        return checks
    }
}
