import Foundation
import HubMesh
import Prometheus
import ServiceLifecycle
import Synchronization

/// Writes whole lines to stdout without buffering (tests read them as they come).
enum Output {
    static let lock = Mutex(())
    static func line(_ text: String) {
        lock.withLock { _ in FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
    }
}

/// A local test connection: prints or counts what it receives.
///
/// A `text` connection receives the members' own text payloads; a `json` connection receives what a
/// gateway publishes: SignalR JSON invocations (`{"type":1,"target":"n","arguments":[5]}` + 0x1E).
final class TestConnection: HubConnection {
    let connectionID: String
    let userID: String?
    let protocolName: String
    let quiet: Bool
    let counts = Mutex((count: 0, orderErrors: 0, last: 0))
    /// Numbers skipped in a numbered stream, as ranges.
    let missing = Mutex<[ClosedRange<Int>]>([])

    init(connectionID: String, userID: String?, quiet: Bool, protocolName: String = "text") {
        self.connectionID = connectionID
        self.userID = userID
        self.quiet = quiet
        self.protocolName = protocolName
    }

    func write(_ bytes: [UInt8]) {
        if protocolName == "json" {
            // Counted like 'n:5' when the invocation's only argument is an integer (what the process tests publish).
            let number = Self.soleIntegerArgument(bytes)
            count(number)
            if !quiet { Output.line("recv \(connectionID) \(String(decoding: bytes.filter { $0 != 0x1E }, as: UTF8.self))") }
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        // Numbered messages ('n:5', 'm:5', 't:5') are checked for order.
        if text.count > 2, text.dropFirst().first == ":", let number = Int(text.dropFirst(2)) {
            count(number)
        } else {
            count(nil)
        }
        if !quiet { Output.line("recv \(connectionID) \(text)") }
    }

    /// Counts one message; a numbered one is checked for order and skipped numbers.
    private func count(_ number: Int?) {
        guard let number else {
            counts.withLock { $0.count += 1 }
            return
        }
        let skipped = counts.withLock { counts -> ClosedRange<Int>? in
            counts.count += 1
            if number <= counts.last { counts.orderErrors += 1 }
            defer { counts.last = number }
            return number > counts.last + 1 ? (counts.last + 1)...(number - 1) : nil
        }
        if let skipped { missing.withLock { $0.append(skipped) } }
    }

    /// `N` from a single JSON invocation ending in `"arguments":[N]}` + 0x1E, else `nil`.
    static func soleIntegerArgument(_ bytes: [UInt8]) -> Int? {
        var end = bytes.count
        for expected: UInt8 in [0x1E, UInt8(ascii: "}"), UInt8(ascii: "]")] {
            guard end > 0, bytes[end - 1] == expected else { return nil }
            end -= 1
        }
        var start = end
        while start > 0, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[start - 1]) { start -= 1 }
        guard start < end, end - start <= 18, start > 0, bytes[start - 1] == UInt8(ascii: "[") else { return nil }
        return bytes[start..<end].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}

/// Reads commands from stdin (or runs the demo) and prints results.
final class Console: Service {
    let member: MeshMember
    let manager: MeshHubLifetimeManager
    let demo: Bool
    let registry: PrometheusCollectorRegistry
    let connections = Mutex<[String: TestConnection]>([:])

    init(member: MeshMember, manager: MeshHubLifetimeManager, demo: Bool, registry: PrometheusCollectorRegistry) {
        self.member = member
        self.manager = manager
        self.demo = demo
        self.registry = registry
    }

    func run() async throws {
        let joined = await member.waitUntilJoined(timeout: .seconds(15))
        Output.line("ready \(member.id) \(member.info.routerEndpoint) joined=\(joined)")
        // Returning ends the service group gracefully (the member says goodbye to its peers).
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in self.member.events { Output.line("event \(Self.describe(event))") }
            }
            if demo {
                try await runDemo()
            } else {
                for await line in Self.stdinLines() {
                    if line == "quit" { break }
                    await execute(line)
                }
            }
            group.cancelAll()
        }
    }

    static func describe(_ event: MeshEvent) -> String {
        switch event {
        case .joined(let members): return "joined \(members.joined(separator: ","))"
        case .memberJoined(let info): return "member-joined \(info.id)"
        case .memberDead(let info): return "dead \(info.id)"
        case .memberRevived(let info): return "revived \(info.id)"
        case .memberRestarted(let info): return "restarted \(info.id)"
        case .memberForgotten(let info): return "forgotten \(info.id)"
        case .gap(let origin, let topic, let range): return "gap \(origin) \(topic) \(range.lowerBound) \(range.upperBound)"
        case .stalled: return "stalled"
        }
    }

    static func stdinLines() -> AsyncStream<String> {
        AsyncStream { continuation in
            let thread = Thread {
                while let line = readLine() { continuation.yield(line) }
                continuation.finish()
            }
            thread.start()
        }
    }

    func runDemo() async throws {
        let connection = TestConnection(connectionID: ConnectionID.make(member: member.id), userID: nil, quiet: false)
        connections.withLock { $0[connection.connectionID] = connection }
        await manager.onConnected(connection)
        try await manager.addToGroup(connectionID: connection.connectionID, group: "demo")
        var counter = 0
        while !Task.isCancelled {
            counter += 1
            try await manager.sendGroup("demo", Self.payload("hello #\(counter) from \(member.id)"), excluding: [connection.connectionID])
            try await Task.sleep(for: .seconds(1))
        }
    }

    static func payload(_ text: String) -> Payloads { Payloads(["text": Array(text.utf8)]) }

    func execute(_ line: String) async {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let command = words.first else { return }
        do {
            switch command {
            case "connect":
                let user = words.count > 1 && words[1] != "-" ? words[1] : nil
                let flags = Set(words.dropFirst(2))
                let connection = TestConnection(
                    connectionID: ConnectionID.make(member: member.id),
                    userID: user,
                    quiet: flags.contains("quiet"),
                    protocolName: flags.contains("json") ? "json" : "text"
                )
                connections.withLock { $0[connection.connectionID] = connection }
                await manager.onConnected(connection)
                Output.line("connected \(connection.connectionID)")
            case "disconnect" where words.count == 2:
                await manager.onDisconnected(words[1])
                connections.withLock { $0[words[1]] = nil }
                Output.line("disconnected \(words[1])")
            case "add" where words.count == 3, "remove" where words.count == 3:
                do {
                    if command == "add" {
                        try await manager.addToGroup(connectionID: words[1], group: words[2])
                    } else {
                        try await manager.removeFromGroup(connectionID: words[1], group: words[2])
                    }
                    Output.line("\(command) ok \(words[1]) \(words[2])")
                } catch let error as HubMeshError {
                    Output.line("\(command) error \(error.code) \(error.message)")
                }
            case "addsend" where words.count == 4:
                // Add, then publish to the group at once: the case the subscription barrier exists for.
                try await manager.addToGroup(connectionID: words[1], group: words[2])
                try await manager.sendGroup(words[2], Self.payload(words[3]), excluding: [])
                Output.line("addsend ok")
            case "all" where words.count >= 2:
                try await manager.sendAll(Self.payload(words[1]), excluding: Self.list(words, 2))
                Output.line("sent")
            case "group" where words.count >= 3:
                try await manager.sendGroup(words[1], Self.payload(words[2]), excluding: Self.list(words, 3))
                Output.line("sent")
            case "user" where words.count == 3:
                try await manager.sendUser(words[1], Self.payload(words[2]))
                Output.line("sent")
            case "conn" where words.count == 3:
                try await manager.sendConnection(words[1], Self.payload(words[2]))
                Output.line("sent")
            case "mixed" where words.count == 5:
                try await mixed(count: Int(words[1]) ?? 0, group: words[2], user: words[3], connection: words[4])
            case "burst" where words.count == 3:
                try await burst(group: words[1], count: Int(words[2]) ?? 0)
            case "stream" where words.count == 4:
                try await stream(group: words[1], count: Int(words[2]) ?? 0, rate: Int(words[3]) ?? 1000)
            case "tick" where words.count == 3:
                try await tick(group: words[1], seconds: Int(words[2]) ?? 0)
            case "stats":
                let all = connections.withLock { Array($0.values) }
                for connection in all.sorted(by: { $0.connectionID < $1.connectionID }) {
                    let counts = connection.counts.withLock { $0 }
                    Output.line("stats \(connection.connectionID) \(counts.count) \(counts.orderErrors) \(counts.last)")
                    let missing = connection.missing.withLock { $0 }
                    if !missing.isEmpty {
                        Output.line(
                            "missing \(connection.connectionID) " + missing.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ","))
                    }
                }
                let counters = member.snapshot.counters
                let received = ["all", "connection", "group", "user"].map { "\($0):\(counters.received[$0] ?? 0)," }.joined()
                Output.line(
                    "stats end gaps=\(counters.gapsDetected) lost=\(counters.messagesLost) repaired=\(counters.messagesRepaired) "
                        + "stalls=\(counters.stalls) decodeErrors=\(counters.decodeErrors) batches=\(counters.batchesReceived) received=\(received)"
                )
            case "members":
                for peer in member.snapshot.peers { Output.line("member \(peer.info.id) \(peer.alive ? "alive" : "dead")") }
                Output.line("members end")
            case "health":
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let json = try encoder.encode(MeshHealth(snapshot: member.snapshot))
                Output.line("health " + String(decoding: json, as: UTF8.self))
            case "metrics":
                let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
                for line in text.split(separator: "\n") { Output.line("metric \(line)") }
                Output.line("metrics end")
            default:
                Output.line("error unknown command: \(line)")
            }
        } catch {
            Output.line("error \(error)")
        }
    }

    static func list(_ words: [String], _ index: Int) -> [String] {
        words.count > index ? words[index].split(separator: ",").map(String.init) : []
    }

    func mixed(count: Int, group: String, user: String, connection: String) async throws {
        for number in 1...max(count, 1) {
            let payload = Self.payload("m:\(number)")
            switch number % 4 {
            case 0: try await manager.sendAll(payload, excluding: [])
            case 1: try await manager.sendGroup(group, payload, excluding: [])
            case 2: try await manager.sendUser(user, payload)
            default: try await manager.sendConnection(connection, payload)
            }
        }
        Output.line("sent mixed \(count)")
    }

    func burst(group: String, count: Int) async throws {
        let start = ContinuousClock.now
        for number in 1...max(count, 1) {
            try await manager.sendGroup(group, Self.payload("n:\(number)"), excluding: [])
        }
        let elapsed = start.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        Output.line("burst \(count) \(String(format: "%.3f", seconds)) \(Int(Double(count) / max(seconds, 1e-9)))")
    }

    /// Publishes 's:1'... to a group at about `rate` per second (in batches every 10 ms).
    func stream(group: String, count: Int, rate: Int) async throws {
        let perBatch = max(1, rate / 100)
        var number = 0
        let start = ContinuousClock.now
        while number < count {
            for _ in 0..<min(perBatch, count - number) {
                number += 1
                try await manager.sendGroup(group, Self.payload("s:\(number)"), excluding: [])
            }
            let due = start.advanced(by: .milliseconds(10 * (number / perBatch)))
            if due > .now { try await Task.sleep(until: due) }
        }
        Output.line("stream done \(count)")
    }

    func tick(group: String, seconds: Int) async throws {
        for number in 1...max(seconds * 10, 1) {
            try await manager.sendGroup(group, Self.payload("t:\(number)"), excluding: [])
            try await Task.sleep(for: .milliseconds(100))
        }
        Output.line("tick done")
    }
}
