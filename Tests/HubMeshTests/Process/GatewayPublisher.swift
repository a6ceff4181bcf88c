import Foundation
import Synchronization
import ZeroMQ

/// A service publishing through a gateway, as `docs/gateway-protocol.md` §9 and §12 tell clients to:
/// a DEALER on a thread of its own sends the numbered requests `"id":"n"`, `"arguments":[n]` (n = 1, 2, …)
/// to one group, one request per frame, pipelined with at most `window` unanswered, and checks that
/// every reply is `{"id":"n","ok":true}`, in order.
final class GatewayPublisher: Sendable {
    struct Options: Sendable {
        var ingress: String
        var group: String
        /// The most requests sent.
        var count: Int
        /// The most requests sent and not yet answered.
        var window: Int
        /// Requests per second; `nil` sends as fast as the window allows.
        var rate: Int?
        /// Sending stops after this long, whatever `count` says.
        var timeLimit: Duration
        /// A request unanswered this long is a `timeout` (the protocol recommends 10 s).
        var replyTimeout: Duration = .seconds(10)
    }

    /// What the publisher saw.
    struct Report: Sendable, CustomStringConvertible {
        var sent = 0
        var ok = 0
        /// Failed replies by code (`timeout` and `bad_reply` as in §4, `out_of_order` for a reply to another id).
        var errors: [String: Int] = [:]
        var firstErrors: [String] = []
        var elapsed = Duration.zero
        /// The longest time between two replies (or between the first request and the first reply).
        var longestGap = Duration.zero
        /// How often the publisher had requests due but its window was full, so it had to read replies first.
        var windowFull = 0
        /// How long it waited for the gateway: for a reply with its window full, or for room in the DEALER's queue.
        var waitedForGateway = Duration.zero
        /// Sends the DEALER refused because its queue to the gateway was at the high-water mark.
        var sendWouldBlock = 0
        /// The requests in flight when each reply arrived, summed (for ``meanInFlight``).
        var inFlightAtReplies = 0

        /// How many requests were waiting for the gateway, on average, when a reply came.
        var meanInFlight: Int { inFlightAtReplies / max(ok + errorCount, 1) }

        var perSecond: Int { Int(Double(ok) / max(elapsed.seconds, 1e-9)) }
        var errorCount: Int { errors.values.reduce(0, +) }

        var description: String {
            "\(sent) sent, \(ok) ok, errors \(errors) \(firstErrors), \(perSecond)/s over \(elapsed.secondsText), "
                + "longest reply gap \(longestGap.secondsText), \(meanInFlight) in flight on average, window full \(windowFull) times, "
                + "\(waitedForGateway.secondsText) waited for the gateway, DEALER send would block \(sendWouldBlock) times"
        }
    }

    let options: Options
    private let stopRequested = Atomic<Bool>(false)
    private let answered = Atomic<Int>(0)

    init(_ options: Options) {
        self.options = options
    }

    /// Replies received so far.
    var replies: Int { answered.load(ordering: .relaxed) }

    /// Asks the publisher to stop sending; ``run()`` returns once what is in flight is answered.
    func stop() { stopRequested.store(true, ordering: .relaxed) }

    /// Publishes on a thread of its own until `count` requests are answered, ``stop()``, the time limit,
    /// or cancellation (as ``stop()``).
    func run() async throws -> Report {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                Thread { continuation.resume(with: Result { try self.publish() }) }.start()
            }
        } onCancel: {
            stop()
        }
    }

    private func publish() throws -> Report {
        let context = try Context()
        let socket = try Socket(context, type: .dealer)
        defer { socket.close() }
        try socket.setLinger(milliseconds: 0)
        // Room for the whole window: the window, not ZeroMQ, is what holds the publisher back.
        try socket.setSendHighWaterMark(Int32(options.window))
        try socket.setReceiveHighWaterMark(0)
        try socket.connect(options.ingress)
        let poller = Poller()
        poller.add(socket)

        var report = Report()
        let clock = ContinuousClock()
        let start = clock.now
        var lastReply = start
        while true {
            let now = clock.now
            let stopping = stopRequested.load(ordering: .relaxed) || now - start >= options.timeLimit
            let due = stopping ? report.sent : min(options.count, allowance(at: now - start))
            var blocked = false
            while report.sent < due && report.sent - replies < options.window {
                guard try send(request(report.sent + 1), on: socket) else {
                    report.sendWouldBlock += 1
                    blocked = true
                    break
                }
                report.sent += 1
            }
            let outstanding = report.sent - replies
            if outstanding == 0 && (stopping || report.sent == options.count) { break }
            let windowFull = report.sent < due && outstanding >= options.window
            if windowFull { report.windowFull += 1 }
            // Read a few replies at a time, so sending resumes as soon as the window has room.
            var received = 0
            while received < 256, let reply = try socket.receiveFrame(dontWait: true) {
                report.inFlightAtReplies += report.sent - replies
                check(reply.bytes, number: replies + 1, into: &report)
                answered.add(1, ordering: .relaxed)
                received += 1
                let at = clock.now
                report.longestGap = max(report.longestGap, at - lastReply)
                lastReply = at
            }
            guard received == 0 else { continue }
            if outstanding > 0 && clock.now - lastReply > options.replyTimeout {
                report.errors["timeout", default: 0] += outstanding
                report.firstErrors.append("no reply for \(options.replyTimeout) with \(outstanding) requests in flight")
                break
            }
            // Nothing to read: wait for a reply, for room in the DEALER's queue, or (paced) for the next request to be due.
            let waitStart = clock.now
            poller.setEvents(blocked ? [.readable, .writable] : .readable, at: 0)
            try poller.poll(timeoutMilliseconds: options.rate == nil ? 100 : 1)
            if windowFull || blocked { report.waitedForGateway += clock.now - waitStart }
        }
        report.elapsed = clock.now - start
        return report
    }

    /// How many requests are due `elapsed` after the start.
    private func allowance(at elapsed: Duration) -> Int {
        guard let rate = options.rate else { return options.count }
        return Int(elapsed.seconds * Double(rate)) + 1
    }

    private func request(_ number: Int) -> String {
        #"{"v":1,"id":"\#(number)","kind":"group","hub":"chat","group":"\#(options.group)","method":"n","arguments":[\#(number)]}"#
    }

    /// Sends without blocking; `false` if the DEALER's queue is full.
    private func send(_ frame: String, on socket: Socket) throws -> Bool {
        var frame = frame
        return try frame.withUTF8 { try socket.send(UnsafeRawBufferPointer($0), dontWait: true) }
    }

    /// Counts a reply that should answer request `number`.
    private func check(_ bytes: [UInt8], number: Int, into report: inout Report) {
        if bytes.elementsEqual(#"{"id":"\#(number)","ok":true}"#.utf8) {
            report.ok += 1
            return
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        let code: String
        if let object, object["id"] as? String != "\(number)" {
            code = "out_of_order"
        } else if let object, object["ok"] as? Bool == true {
            report.ok += 1
            return
        } else {
            code = object?["code"] as? String ?? "bad_reply"
        }
        report.errors[code, default: 0] += 1
        if report.firstErrors.count < 5 { report.firstErrors.append("request \(number): \(String(decoding: bytes, as: UTF8.self))") }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var secondsText: String { String(format: "%.3f s", seconds) }
}
