import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Workloads 4, 5 and 6: the whole path, gateway → nodes → SignalR WebSocket clients.
extension Orchestrator {
    struct Cluster {
        var gateway: Child
        var ingress: String
        var nodes: [(child: Child, url: String)]
        /// Stops the nodes together, then the gateway (their mesh peer) once they are gone.
        func stop() {
            Child.stop(nodes.map(\.child))
            gateway.stop()
        }
    }

    /// A gateway and `nodes` hub nodes joined to it; every node serves hub `chat`.
    mutating func startCluster(nodes count: Int) throws -> Cluster {
        let nodePath = "\(binDir)/hubmesh-node"
        let gatewayPath = "\(binDir)/hubmesh-gateway"
        for path in [nodePath, gatewayPath] where !FileManager.default.isExecutableFile(atPath: path) {
            throw BenchError("not run: \(path) not built")
        }
        let gateway = try start(
            "gateway", ["--ingress", "tcp://127.0.0.1:0", "--mesh", "tcp://127.0.0.1:0", "--log-level", "warning"] + MeshBench.executableFlags,
            executable: gatewayPath)
        let fields = Self.fields(try gateway.expect("*ready", timeout: 30))
        guard let ingress = fields["ingress"], let mesh = fields["mesh"] else {
            gateway.stop()
            throw BenchError("gateway ready line without endpoints")
        }
        var cluster = Cluster(gateway: gateway, ingress: ingress, nodes: [])
        do {
            for index in 0..<count {
                let node = try start(
                    "node\(index + 1)",
                    ["--http", "127.0.0.1:0", "--mesh", "tcp://127.0.0.1:0", "--join", mesh, "--id", "node\(index + 1)", "--log-level", "warning"]
                        + MeshBench.executableFlags,
                    executable: nodePath)
                let nodeFields = Self.fields(try node.expect("ready", timeout: 30))
                guard let http = nodeFields["http"] else { throw BenchError("node ready line without http=") }
                cluster.nodes.append((node, http.replacingOccurrences(of: "http://", with: "ws://") + "/hubs/chat"))
            }
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    struct FanOutRun {
        var sender: SenderResult
        var receivers: [ReceiverResult]
        /// CPU time per delivery (µs) of the load-client processes together and of the nodes together,
        /// from the go signal to the last client's result.
        var cpu: [String: Double] = [:]
        /// Deliveries per second per node (mean over nodes), from the first publish to each node's last delivery.
        var perNode: Double {
            let rates = receivers.map { r -> Double in
                let seconds = Double(r.lastNanos &- sender.startNanos) / 1e9
                return seconds > 0 ? Double(r.received) / seconds : 0
            }
            return rates.reduce(0, +) / Double(max(1, rates.count))
        }
        var total: Double { perNode * Double(receivers.count) }
        var lost: Int { receivers.reduce(0) { $0 + max(0, $1.expected - $1.received) } }
    }

    /// `messages` group messages through the gateway to `clientsPerNode` clients on each of `nodes` nodes,
    /// received by `ws-clients` processes running `engine`.
    mutating func fanOutRun(
        nodes: Int, clientsPerNode: Int, messages: Int, rate: Int, engine: WebSocketLoadRole.Engine = .hummingbird
    ) throws -> FanOutRun {
        let cluster = try startCluster(nodes: nodes)
        var clients: [Child] = []
        var publisher: Child?
        defer {
            Child.stop(clients + (publisher.map { [$0] } ?? []))
            cluster.stop()
        }
        let timeout = (rate > 0 ? Double(messages) / Double(rate) : Double(messages * clientsPerNode * nodes) / 20_000) + 30
        for node in cluster.nodes {
            clients.append(
                try start(
                    "ws-clients",
                    [
                        "ws-clients", "--url", node.url, "--connections", "\(clientsPerNode)", "--expect", "\(messages)",
                        "--warmup", "\(rate > 0 ? messages / 10 : 0)", "--timeout", "\(Int(timeout) + 30)",
                        "--engine", engine.rawValue,
                    ]))
        }
        for client in clients {
            let line = try client.expect("ready", timeout: 60)
            guard line.hasPrefix("\(clientsPerNode) ") else { throw BenchError("clients not all joined: ready \(line)") }
        }
        let pub = try start("gw-pub", ["gw-pub", "--ingress", cluster.ingress, "--count", "\(messages)", "--rate", "\(rate)"])
        publisher = pub
        _ = try pub.expect("ready", timeout: 10)
        usleep(200_000)
        return try Self.measure(clients: clients, nodes: cluster.nodes.map(\.child), senders: [pub], timeout: timeout)
    }

    /// Workload 4's floor: `servers` `tcp-fanout-server` processes (in the nodes' place) writing
    /// `messages` frames to `clientsPerServer` sockets each, read by one `tcp-clients` process per server.
    mutating func rawFanOutRun(servers count: Int, clientsPerServer: Int, messages: Int, rate: Int) throws -> FanOutRun {
        var servers: [Child] = []
        var clients: [Child] = []
        defer { Child.stop(clients + servers) }
        let timeout = (rate > 0 ? Double(messages) / Double(rate) : Double(messages * clientsPerServer * count) / 20_000) + 30
        for _ in 0..<count {
            let server = try start(
                "tcp-fanout-server", ["tcp-fanout-server", "--connections", "\(clientsPerServer)", "--count", "\(messages)", "--rate", "\(rate)"])
            servers.append(server)
            guard let port = Self.fields(try server.expect("ready", timeout: 30))["port"] else { throw BenchError("server ready line without port=") }
            clients.append(
                try start(
                    "tcp-clients",
                    [
                        "tcp-clients", "--port", port, "--connections", "\(clientsPerServer)", "--expect", "\(messages)",
                        "--warmup", "\(rate > 0 ? messages / 10 : 0)", "--timeout", "\(Int(timeout) + 30)",
                    ]))
        }
        for client in clients {
            let line = try client.expect("ready", timeout: 60)
            guard line.hasPrefix("\(clientsPerServer) ") else { throw BenchError("clients not all connected: ready \(line)") }
        }
        usleep(200_000)
        return try Self.measure(clients: clients, nodes: servers, senders: servers, timeout: timeout)
    }

    /// Says `go` to every sender, waits for every client's result, and takes the CPU time per delivery
    /// of the client processes together and of the node processes together in between. The run's
    /// sender result spans all senders (the first start, the last end).
    static func measure(clients: [Child], nodes: [Child], senders: [Child], timeout: Double) throws -> FanOutRun {
        let processes = ["clients": clients, "nodes": nodes]
        // A group with a process under `perf record` has no figure (that process is perf's).
        func total(_ children: [Child]) -> Double? {
            let times = children.map(\.cpuTimeMicros)
            return times.contains(nil) ? nil : times.compactMap { $0 }.reduce(0, +)
        }
        let before = processes.compactMapValues(total)
        for sender in senders { sender.send("go") }
        var receivers: [ReceiverResult] = []
        for client in clients {
            receivers.append(try client.expectJSON("result", as: ReceiverResult.self, timeout: timeout + 30))
        }
        let after = processes.compactMapValues(total)
        let sent = try senders.map { try $0.expectJSON("sent", as: SenderResult.self, timeout: 30) }
        guard var sender = sent.first else { throw BenchError("no sender") }
        sender.startNanos = sent.map(\.startNanos).min() ?? sender.startNanos
        sender.endNanos = sent.map(\.endNanos).max() ?? sender.endNanos
        var run = FanOutRun(sender: sender, receivers: receivers)
        let delivered = receivers.reduce(0) { $0 + $1.received }
        if delivered > 0 {
            for (name, end) in after { run.cpu[name] = (end - (before[name] ?? end)) / Double(delivered) }
        }
        return run
    }

    static let fanOutClients = 500  // per node: 1,000 in all on 2 nodes
    static let fanOutLatencyPerNode = 20_000  // deliveries/s per node

    /// The row label of workload 4 with each load-client engine.
    static func fanOutWorkload(_ engine: WebSocketLoadRole.Engine) -> String {
        switch engine {
        case .hummingbird: "4 fan-out"
        case .nio: "4 fan-out (NIO client)"
        case .posix: "4 fan-out (posix client)"
        }
    }

    /// The row label of workload 4's floor (``rawFanOutRun(servers:clientsPerServer:messages:rate:)``).
    static let rawFanOutWorkload = "4 fan-out floor (raw TCP)"

    /// Workload 4 with the clients of `engine` (the same cluster, counts, rates and message).
    ///
    /// With `rawTCP`, the same counts, rates and frame size without HubMesh (the floor: two processes
    /// writing to the sockets of two reading processes); the node columns are then those writers.
    mutating func fanOut(engine: WebSocketLoadRole.Engine = .hummingbird, rawTCP: Bool = false) {
        let label = rawTCP ? Self.rawFanOutWorkload : Self.fanOutWorkload(engine)
        var throughput = Row(
            workload: label,
            system: rawTCP
                ? "2 writers → 2×\(Self.fanOutClients) TCP sockets, a write per delivery (no HubMesh), deliveries/s per writer"
                : "gateway → 2 nodes → 2×\(Self.fanOutClients) WS clients, deliveries/s per node")
        let messages = quick ? 300 : 1000
        do {
            var lost = 0
            var throughputCPU: [[String: Double]] = []
            for run in 1...repeats {
                log("\(label): throughput run \(run)/\(repeats), \(messages) messages × \(2 * Self.fanOutClients) clients")
                let result = try fanOutOnce(rawTCP: rawTCP, messages: messages, rate: 0, engine: engine)
                throughputCPU.append(result.cpu)
                throughput.throughputRuns.append(result.perNode)
                lost += result.lost
                for r in result.receivers where (r.extra["closedByServer"] ?? 0) > 0 {
                    throughput.notes.append("\(Int(r.extra["closedByServer"]!)) clients closed by the node")
                }
                log("  \(formatRate(result.perNode)) per node, lost \(result.lost), \(Self.describeCPU(result.cpu)), \(Self.describeCounts(result))")
            }
            throughput.throughput = median(throughput.throughputRuns)
            throughput.lost = lost
            if lost > 0 { throughput.notes.append("LOST \(lost)") }
            // Latency at 20 k deliveries/s per node: 40 messages/s to 500 clients.
            let rate = Self.fanOutLatencyPerNode / Self.fanOutClients
            let latencyMessages = rate * (quick ? 5 : 15)
            var latencies: [LatencySummary] = []
            var pacedCPU: [[String: Double]] = []
            for run in 1...repeats {
                log("\(label): latency run \(run)/\(repeats), \(rate) messages/s × \(Self.fanOutClients) clients per node")
                let result = try fanOutOnce(rawTCP: rawTCP, messages: latencyMessages, rate: rate, engine: engine)
                lost += result.lost
                pacedCPU.append(result.cpu)
                // Both nodes' clients in one summary: take the worse node.
                if let worst = result.receivers.compactMap(\.latency).max(by: { $0.p99 < $1.p99 }) {
                    latencies.append(worst)
                    log(
                        "  p50 \(worst.p50) µs p99 \(worst.p99) µs, lost \(result.lost), \(Self.describeCPU(result.cpu)), \(Self.describeCounts(result)); "
                            + Self.describePacer(result.sender)
                    )
                }
            }
            if !latencies.isEmpty {
                throughput.latency = latencies.sorted { $0.p99 < $1.p99 }[latencies.count / 2]
                throughput.latencyRate = Self.fanOutLatencyPerNode
            }
            throughput.lost = lost
            // CPU per delivery (medians) in the JSON for both engines; the NIO row also shows it.
            let unpacedCPU = Self.medianCPU(throughputCPU), medianPacedCPU = Self.medianCPU(pacedCPU)
            for (phase, cpu) in [("throughput", unpacedCPU), ("paced", medianPacedCPU)] {
                for (name, value) in cpu { throughput.extra["cpuMicrosPerDelivery.\(phase).\(name)"] = value }
            }
            if engine != .hummingbird || rawTCP {
                throughput.notes.append(
                    "CPU µs/delivery unpaced: \(Self.describeCPU(unpacedCPU)); paced: \(Self.describeCPU(medianPacedCPU))")
            }
        } catch {
            let text = "\(error)"
            throughput.status = text.hasPrefix("not run") ? text : "failed: \(text)"
            log(throughput.status)
        }
        rows.append(throughput)
    }

    /// One run of workload 4 on 2 nodes (or, with `rawTCP`, its floor on 2 writers).
    mutating func fanOutOnce(rawTCP: Bool, messages: Int, rate: Int, engine: WebSocketLoadRole.Engine) throws -> FanOutRun {
        rawTCP
            ? try rawFanOutRun(servers: 2, clientsPerServer: Self.fanOutClients, messages: messages, rate: rate)
            : try fanOutRun(nodes: 2, clientsPerNode: Self.fanOutClients, messages: messages, rate: rate, engine: engine)
    }

    static func medianCPU(_ runs: [[String: Double]]) -> [String: Double] {
        var result: [String: Double] = [:]
        for name in ["clients", "nodes"] { result[name] = median(runs.compactMap { $0[name] }) }
        return result
    }

    /// Per client process: received/expected and the fewest messages one connection got.
    static func describeCounts(_ run: FanOutRun) -> String {
        run.receivers.map { "\($0.received)/\($0.expected) min/connection \(Int($0.extra["minPerConnection"] ?? 0))" }
            .joined(separator: "; ")
    }

    static func describeCPU(_ cpu: [String: Double]) -> String {
        ["clients", "nodes"].compactMap { name in cpu[name].map { String(format: "%@ %.1f", name, $0) } }.joined(separator: ", ")
    }

    /// The descriptor limit this process may raise itself to (children inherit it).
    static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return Int(limit.rlim_max)
    }

    mutating func connections() {
        let wanted = quick ? 5000 : 20_000
        let fdLimit = Self.raiseDescriptorLimit()
        // The node needs one descriptor per connection plus its own (mesh sockets, logs, …).
        let count = min(wanted, fdLimit - 300)
        var row = Row(workload: "5 connections", system: "\(count) idle WebSocket connections on one node")
        if count < wanted { row.notes.append("fd hard limit \(fdLimit) here: \(count) instead of \(wanted)") }
        do {
            let cluster = try startCluster(nodes: 1)
            var clients: [Child] = []
            defer {
                Child.stop(clients)
                cluster.stop()
            }
            let node = cluster.nodes[0]
            sleep(2)
            let before = residentKiB(pid: node.child.pid) ?? 0
            log("5 connections: node RSS \(before) KiB idle; opening \(count)")
            let started = Date()
            // At most 10,000 connections per client process (each needs a descriptor per connection too).
            let processes = (count + 9_999) / 10_000
            for index in 0..<processes {
                let share = count / processes + (index < count % processes ? 1 : 0)
                clients.append(try start("ws-clients", ["ws-clients", "--url", node.url, "--connections", "\(share)", "--idle", "--timeout", "240"]))
            }
            var connected = 0
            var failures: [String] = []
            for client in clients {
                let line = try client.expect("ready", timeout: 300)
                connected += Int(line.split(separator: " ").first ?? "0") ?? 0
                if !line.contains("failed=0") { failures.append(line) }
            }
            let seconds = Date().timeIntervalSince(started)
            sleep(3)
            let after = residentKiB(pid: node.child.pid) ?? 0
            let perConnection = connected > 0 ? Double(after - before) / Double(connected) : 0
            row.extra = [
                "connected": Double(connected), "rssIdleKiB": Double(before), "rssConnectedKiB": Double(after),
                "kibPerConnection": perConnection, "connectSeconds": seconds, "fdLimit": Double(fdLimit),
            ]
            row.notes.append(
                String(format: "%d connected in %.1f s; node RSS %d → %d KiB = %.1f KiB/connection", connected, seconds, before, after, perConnection)
            )
            if connected < count { row.notes.append("only \(connected) of \(count) connected: \(failures.joined(separator: " | "))") }
            log("  \(row.notes.joined(separator: "; "))")
        } catch {
            let text = "\(error)"
            row.status = text.hasPrefix("not run") ? text : "failed: \(text)"
            log(row.status)
        }
        rows.append(row)
    }

    mutating func scaling() {
        let perNode = quick ? 250 : Self.fanOutClients
        let messages = quick ? 200 : 600
        for nodes in 1...3 {
            var row = Row(workload: "6 scaling", system: "\(nodes) node\(nodes > 1 ? "s" : "") × \(perNode) clients, total deliveries/s")
            do {
                var lost = 0
                var perNodeRates: [Double] = []
                for run in 1...repeats {
                    log("6 scaling: \(nodes) nodes, run \(run)/\(repeats)")
                    let result = try fanOutRun(nodes: nodes, clientsPerNode: perNode, messages: messages, rate: 0)
                    row.throughputRuns.append(result.total)
                    perNodeRates.append(result.perNode)
                    lost += result.lost
                    log("  \(formatRate(result.total)) total, lost \(result.lost)")
                }
                row.throughput = median(row.throughputRuns)
                row.extra["perNode"] = median(perNodeRates) ?? 0
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

    func fanOutChecks() -> [Check] {
        var checks: [Check] = []
        // The targets against the row of the issue's client, then (informational) against the NIO and posix clients' rows.
        let engines: [(WebSocketLoadRole.Engine, String)] = [(.hummingbird, "4"), (.nio, "4 (NIO client)"), (.posix, "4 (posix client)")]
        for (engine, label) in engines {
            let fan = rows.first { $0.workload == Self.fanOutWorkload(engine) && $0.status == "ok" }
            if engine != .hummingbird && !rows.contains(where: { $0.workload == Self.fanOutWorkload(engine) }) { continue }
            checks.append(
                Check(
                    workload: label, target: "≥ 200 k deliveries/s per node", measured: fan?.throughput.map { formatRate($0) } ?? "not run",
                    met: fan?.throughput.map { $0 >= 200_000 }))
            // Beside it, what the kernel's TCP alone made of the same deliveries in this run (no target of its own).
            let floor = rows.first { $0.workload == Self.rawFanOutWorkload && $0.status == "ok" }?.latency
            checks.append(
                Check(
                    workload: label, target: "p99 ≤ 10 ms at 20 k/s per node",
                    measured: (fan?.latency.map { formatLatency($0.p99) } ?? "not run")
                        + (fan?.latency != nil ? floor.map { " (raw TCP floor \(formatLatency($0.p99)))" } ?? "" : ""),
                    met: fan?.latency.map { $0.p99 <= 10_000 }))
            checks.append(
                Check(workload: label, target: "zero lost", measured: fan?.lost.map { "\($0) lost" } ?? "not run", met: fan?.lost.map { $0 == 0 }))
        }
        let connections = rows.first { $0.workload.hasPrefix("5") && $0.status == "ok" }
        let perConnection = connections?.extra["kibPerConnection"]
        let connected = connections?.extra["connected"]
        let wanted = quick ? 5000 : 20_000
        checks.append(
            Check(
                workload: "5", target: "\(quick ? "5,000 (quick; full: 20,000)" : "20,000") idle connections on one node",
                measured: connected.map { String(format: "%.0f connected", $0) } ?? "not run",
                met: connected.map { $0 >= Double(wanted) }))
        if let limit = connections?.extra["fdLimit"], limit < Double(wanted + 300) {
            checks[checks.count - 1].measured += " (fd hard limit \(Int(limit)) in this sandbox)"
        }
        checks.append(
            Check(
                workload: "5", target: "≤ 16 KiB resident memory per connection",
                measured: perConnection.map { String(format: "%.1f KiB each", $0) } ?? "not run",
                met: perConnection.map { $0 <= 16 }))
        return checks
    }
}
