import ArgumentParser
import Foundation

/// `nats-pub`: a thin NATS client pipelining `PUB bench.g1 100`, with a `PING` every `window`/2
/// messages and at most two unanswered (flow control: at most `window` messages in flight).
struct NATSPublisherRole: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nats-pub", abstract: "(role) NATS publisher", shouldDisplay: false)

    @Option var port: Int
    @Option var count = 1_000_000
    @Option var rate = 0
    @Option var window = 8192
    @Option var batch = 64

    func run() throws {
        let socket = try PosixSocket(port: port)
        socket.setReadTimeout(seconds: 30)
        _ = socket.readLine()  // INFO
        try socket.write(Array("CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false}\r\nPING\r\n".utf8))
        try waitPong(socket)
        RoleIO.say("ready")
        RoleIO.waitBlocking(for: "go")
        let head = Array("PUB bench.g1 \(BenchPayload.size)\r\n".utf8)
        let crlf: [UInt8] = [13, 10]
        let ping = Array("PING\r\n".utf8)
        var out: [UInt8] = []
        var payload: [UInt8] = []
        var pendingPings = 0
        let batch = rate > 0 ? 1 : self.batch
        let pingEvery = max(window / 2, batch)
        var pacer = Pacer(ratePerSecond: rate)
        let start = monotonicNanos()
        for index in 0..<count {
            BenchPayload.make(sendTime: pacer.due(index), sequence: UInt64(index + 1), into: &payload)
            out.append(contentsOf: head)
            out.append(contentsOf: payload)
            out.append(contentsOf: crlf)
            let sent = index + 1
            if sent % pingEvery == 0 {
                out.append(contentsOf: ping)
                pendingPings += 1
            }
            if sent % batch == 0 || sent == count {
                try socket.write(out)
                out.removeAll(keepingCapacity: true)
                while pendingPings > 1 {
                    try waitPong(socket)
                    pendingPings -= 1
                }
            }
        }
        try socket.write(ping)
        pendingPings += 1
        while pendingPings > 0 {
            try waitPong(socket)
            pendingPings -= 1
        }
        RoleIO.say("sent", SenderResult(sent: count, startNanos: start, endNanos: monotonicNanos(), extra: pacer.report))
        RoleIO.waitBlocking(for: "quit")
    }

    private func waitPong(_ socket: PosixSocket) throws {
        while let line = socket.readLine() {
            if line.starts(with: "PONG".utf8) { return }
            if line.starts(with: "PING".utf8) { try socket.write(Array("PONG\r\n".utf8)) }
            if line.starts(with: "-ERR".utf8) { throw BenchError("nats: \(String(decoding: line, as: UTF8.self))") }
        }
        throw BenchError("nats: no PONG")
    }
}

/// `nats-sub`: `SUB bench.g1 1`, confirmed with a PING/PONG round trip, then count `MSG`s.
struct NATSSubscriberRole: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nats-sub", abstract: "(role) NATS subscriber", shouldDisplay: false)

    @Option var port: Int
    @Option var count = 1_000_000
    @Option var warmup = 0
    @Flag var latency = false
    @Option var timeout: Double = 60

    func run() throws {
        let socket = try PosixSocket(port: port)
        socket.setReadTimeout(seconds: 1)
        _ = socket.readLine()  // INFO
        try socket.write(Array("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB bench.g1 1\r\nPING\r\n".utf8))
        while true {
            guard let line = socket.readLine() else { throw BenchError("nats: no PONG after SUB") }
            if line.starts(with: "PONG".utf8) { break }
        }
        RoleIO.say("ready")
        let recorder = LatencyRecorder(warmup: warmup, recordLatency: latency)
        let deadline = monotonicNanos() + UInt64(timeout * 1e9)
        var disconnected = false
        var slowConsumer = false
        while recorder.received < count && monotonicNanos() < deadline {
            guard let line = socket.readLine() else {
                if !isTimeout() { disconnected = true; break }
                continue
            }
            if line.starts(with: "MSG ".utf8) {
                // MSG <subject> <sid> <size>: the size is the last field.
                var index = line.count - 1
                while index > 0 && line[index] != UInt8(ascii: " ") { index -= 1 }
                let size = parseInt(UnsafeRawBufferPointer(rebasing: line[(index + 1)...]))
                guard let body = socket.readBody(size) else { disconnected = true; break }
                recorder.receive(body)
            } else if line.starts(with: "PING".utf8) {
                try socket.write(Array("PONG\r\n".utf8))
            } else if line.starts(with: "-ERR".utf8) {
                slowConsumer = true
            }
        }
        RoleIO.say(
            "result",
            recorder.result(expected: count, extra: ["disconnected": disconnected ? 1 : 0, "serverError": slowConsumer ? 1 : 0]))
    }
}
