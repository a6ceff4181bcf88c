import ArgumentParser
import Foundation

/// `redis-pub`: a thin RESP client that pipelines `PUBLISH bench.g1 <100 bytes>`, reading the
/// integer replies with at most `window` commands in flight (the same bound as the mesh queue).
struct RedisPublisherRole: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "redis-pub", abstract: "(role) Redis publisher", shouldDisplay: false)

    @Option var port: Int
    @Option var count = 1_000_000
    @Option var rate = 0
    @Option var window = 8192
    @Option var batch = 64

    func run() throws {
        let socket = try PosixSocket(port: port)
        socket.setReadTimeout(seconds: 30)
        RoleIO.say("ready")
        RoleIO.waitBlocking(for: "go")
        let channel = Array("bench.g1".utf8)
        let head = Array("*3\r\n$7\r\nPUBLISH\r\n$\(channel.count)\r\n".utf8) + channel + Array("\r\n$\(BenchPayload.size)\r\n".utf8)
        let crlf: [UInt8] = [13, 10]
        var out: [UInt8] = []
        out.reserveCapacity(batch * (head.count + BenchPayload.size + 2))
        var payload: [UInt8] = []
        var outstanding = 0
        var noReceiver = 0
        let batch = rate > 0 ? 1 : self.batch
        func readReplies(until limit: Int) throws {
            while outstanding > limit {
                guard let line = socket.readLine(), line.first == UInt8(ascii: ":") else { throw BenchError("redis: bad or no reply") }
                if parseInt(UnsafeRawBufferPointer(rebasing: line.dropFirst())) < 1 { noReceiver += 1 }
                outstanding -= 1
            }
        }
        var pacer = Pacer(ratePerSecond: rate)
        let start = monotonicNanos()
        for index in 0..<count {
            BenchPayload.make(sendTime: pacer.due(index), sequence: UInt64(index + 1), into: &payload)
            out.append(contentsOf: head)
            out.append(contentsOf: payload)
            out.append(contentsOf: crlf)
            outstanding += 1
            if outstanding % batch == 0 || index == count - 1 {
                try socket.write(out)
                out.removeAll(keepingCapacity: true)
                if outstanding >= window { try readReplies(until: window / 2) }
            }
        }
        try readReplies(until: 0)
        RoleIO.say(
            "sent",
            SenderResult(
                sent: count, startNanos: start, endNanos: monotonicNanos(), extra: pacer.report.merging(["noReceiver": Double(noReceiver)]) { $1 }))
        RoleIO.waitBlocking(for: "quit")
    }
}

/// `redis-sub`: `SUBSCRIBE bench.g1` and count the pushed messages.
struct RedisSubscriberRole: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "redis-sub", abstract: "(role) Redis subscriber", shouldDisplay: false)

    @Option var port: Int
    @Option var count = 1_000_000
    @Option var warmup = 0
    @Flag var latency = false
    @Option var timeout: Double = 60

    func run() throws {
        let socket = try PosixSocket(port: port)
        socket.setReadTimeout(seconds: 1)
        try socket.write(Array("*2\r\n$9\r\nSUBSCRIBE\r\n$8\r\nbench.g1\r\n".utf8))
        // The confirmation: *3, subscribe, bench.g1, :1
        for _ in 0..<6 { guard socket.readLine() != nil else { throw BenchError("redis: no subscribe confirmation") } }
        RoleIO.say("ready")
        let recorder = LatencyRecorder(warmup: warmup, recordLatency: latency)
        let deadline = monotonicNanos() + UInt64(timeout * 1e9)
        var disconnected = false
        while recorder.received < count && monotonicNanos() < deadline {
            guard let header = socket.readLine() else {
                if monotonicNanos() < deadline && !isTimeout() { disconnected = true; break }
                continue
            }
            guard header.first == UInt8(ascii: "*") else { continue }
            for part in 0..<3 {
                guard let length = socket.readLine() else { break }
                let size = parseInt(UnsafeRawBufferPointer(rebasing: length.dropFirst()))
                guard let body = socket.readBody(size) else { break }
                if part == 2 { recorder.receive(body) }
            }
        }
        RoleIO.say("result", recorder.result(expected: count, extra: ["disconnected": disconnected ? 1 : 0]))
    }
}

/// Whether the last failed read was a receive timeout (as opposed to EOF or an error).
func isTimeout() -> Bool { errno == EAGAIN || errno == EWOULDBLOCK }
