import ArgumentParser
import Foundation
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// `zmq-pub`: raw libzmq XPUB with `XPUB_NODROP` and the mesh's high-water mark, sending single
/// frames of a mesh frame's size (topic, then the 100-byte payload, then filler to the same length).
struct ZeroMQPublisherRole: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "zmq-pub", abstract: "(role) raw libzmq publisher", shouldDisplay: false)

    @Option var count = 1_000_000
    @Option var rate = 0
    @Option var frameSize = 160
    @Option var hwm: Int32 = 10_000

    func run() throws {
        let context = try Context()
        let socket = try Socket(context, type: .xpub)
        try socket.setXPubNoDrop(true)
        try socket.setSendHighWaterMark(hwm)
        try socket.setLinger(milliseconds: 5000)
        let endpoint = try socket.bind("tcp://127.0.0.1:*")
        RoleIO.say("bound \(endpoint)")
        // The subscription message is the barrier: from here on nothing is lost to the slow joiner.
        _ = try socket.receiveFrame()
        RoleIO.say("ready")
        RoleIO.waitBlocking(for: "go")
        let topic = MeshBench.topicBytes
        var frame = [UInt8](repeating: UInt8(ascii: "x"), count: max(frameSize, topic.count + BenchPayload.size))
        frame.replaceSubrange(0..<topic.count, with: topic)
        var payload: [UInt8] = []
        var pacer = Pacer(ratePerSecond: rate)
        let start = monotonicNanos()
        for index in 0..<count {
            BenchPayload.make(sendTime: pacer.due(index), sequence: UInt64(index + 1), into: &payload)
            frame.replaceSubrange(topic.count..<(topic.count + BenchPayload.size), with: payload)
            _ = try frame.withUnsafeBytes { try socket.send($0) }
        }
        RoleIO.say("sent", SenderResult(sent: count, startNanos: start, endNanos: monotonicNanos(), extra: pacer.report))
        RoleIO.waitBlocking(for: "quit")
        socket.close()
        context.shutdown()
    }
}

/// `zmq-sub`: raw libzmq SUB counting frames and reading the payload's timestamps.
struct ZeroMQSubscriberRole: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "zmq-sub", abstract: "(role) raw libzmq subscriber", shouldDisplay: false)

    @Option var connect: String
    @Option var count = 1_000_000
    @Option var warmup = 0
    @Flag var latency = false
    @Option var timeout: Double = 60
    @Option var hwm: Int32 = 10_000

    func run() throws {
        let context = try Context()
        let socket = try Socket(context, type: .sub)
        try socket.setReceiveHighWaterMark(hwm)
        try socket.setReceiveTimeout(milliseconds: 1000)
        try socket.setLinger(milliseconds: 0)
        let topic = MeshBench.topicBytes
        try socket.subscribe(topic)
        try socket.connect(connect)
        RoleIO.say("ready")
        let recorder = LatencyRecorder(warmup: warmup, recordLatency: latency)
        let deadline = monotonicNanos() + UInt64(timeout * 1e9)
        let offset = topic.count
        while recorder.received < count && monotonicNanos() < deadline {
            _ = try? socket.receive { bytes, _ in
                recorder.receive(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            }
        }
        RoleIO.say("result", recorder.result(expected: count))
        socket.close()
        context.shutdown()
    }
}
