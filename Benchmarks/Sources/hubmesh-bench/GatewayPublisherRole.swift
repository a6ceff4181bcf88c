import ArgumentParser
import Foundation
import ZeroMQ

/// `gw-pub`: publishes group messages through the gateway's ingress (a DEALER, pipelined with at
/// most `window` requests in flight), paced at `rate`/s or as fast as acknowledged. Each message's
/// argument is `"<monotonic ns>:<seq>:" + filler`, 100 characters in all, for the clients' latency.
struct GatewayPublisherRole: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gw-pub", abstract: "(role) gateway publisher", shouldDisplay: false)

    @Option var ingress: String
    @Option var hub = "chat"
    @Option var group = "g1"
    @Option var method = "m"
    @Option var count = 1000
    @Option var rate = 0
    @Option var window = 1000

    func run() throws {
        let context = try Context()
        let socket = try Socket(context, type: .dealer)
        try socket.setLinger(milliseconds: 1000)
        try socket.setReceiveTimeout(milliseconds: 10_000)
        try socket.connect(ingress)
        RoleIO.say("ready")
        RoleIO.waitBlocking(for: "go")
        let head = Array(#"{"v":1,"id":""#.utf8)
        let middle = Array(#"","kind":"group","hub":"\#(hub)","group":"\#(group)","method":"\#(method)","arguments":[""#.utf8)
        let tail = Array(#""]}"#.utf8)
        var frame: [UInt8] = []
        var sent = 0, acked = 0, ok = 0
        var firstError: String?
        var pacer = Pacer(ratePerSecond: rate)
        let start = monotonicNanos()
        func receiveOne() throws -> Bool {
            guard let reply = try socket.receiveFrame() else { return false }
            acked += 1
            let text = reply.bytes
            if text.count > 8, String(decoding: text, as: UTF8.self).contains(#""ok":true"#) {
                ok += 1
            } else if firstError == nil {
                firstError = String(decoding: text, as: UTF8.self)
            }
            return true
        }
        while sent < count {
            let due = pacer.due(sent)
            sent += 1
            var argument = "\(due):\(sent):"
            argument += String(repeating: "x", count: max(0, 100 - argument.utf8.count))
            frame.removeAll(keepingCapacity: true)
            frame += head
            frame += Array("\(sent)".utf8)
            frame += middle
            frame += Array(argument.utf8)
            frame += tail
            _ = try socket.send(frame)
            while sent - acked >= window {
                guard try receiveOne() else { throw BenchError("gateway: no reply for 10 s") }
            }
            while let more = try? socket.receive(dontWait: true, { bytes, _ in Array(bytes) }) {
                acked += 1
                if String(decoding: more, as: UTF8.self).contains(#""ok":true"#) {
                    ok += 1
                } else if firstError == nil {
                    firstError = String(decoding: more, as: UTF8.self)
                }
            }
        }
        while acked < sent {
            guard try receiveOne() else { break }
        }
        RoleIO.say(
            "sent",
            SenderResult(
                sent: ok, startNanos: start, endNanos: monotonicNanos(),
                extra: pacer.report.merging(["refused": Double(acked - ok), "unanswered": Double(sent - acked)]) { $1 }))
        if let firstError { FileHandle.standardError.write(Data("first refusal: \(firstError)\n".utf8)) }
        RoleIO.waitBlocking(for: "quit")
        socket.close()
        context.shutdown()
    }
}
