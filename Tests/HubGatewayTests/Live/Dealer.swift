import Foundation
import ZeroMQ

/// A DEALER client of the ingress, for one thread.
final class Dealer {
    let context: Context
    let socket: Socket
    let poller = Poller()

    init(_ endpoint: String) throws {
        context = try Context()
        socket = try Socket(context, type: .dealer)
        try socket.setLinger(milliseconds: 0)
        try socket.setSendHighWaterMark(0)
        try socket.setReceiveHighWaterMark(0)
        try socket.connect(endpoint)
        poller.add(socket)
    }

    deinit { socket.close() }

    func send(_ frame: [UInt8]) throws { try socket.send(frame) }

    func send(frames: [[UInt8]]) throws { try socket.send(multipart: frames) }

    /// The next reply message, or `nil` after `timeout` milliseconds.
    func receive(timeout: Int = 10_000) throws -> [[UInt8]]? {
        if let frames = try socket.receiveMultipart(dontWait: true) { return frames }
        guard try poller.poll(timeoutMilliseconds: timeout) > 0 else { return nil }
        return try socket.receiveMultipart(dontWait: true)
    }

    /// Sends one request and returns the reply's last frame as a JSON object.
    func ask(_ frame: String) throws -> [String: Any] {
        try ask(frames: [Array(frame.utf8)])
    }

    func ask(frames: [[UInt8]]) throws -> [String: Any] {
        try send(frames: frames)
        guard let reply = try receive(), let last = reply.last, let object = IngressCase.parse(last) else {
            throw TestFailure("no reply (or not a JSON object) to \(String(decoding: frames.last ?? [], as: UTF8.self).prefix(80))")
        }
        return object
    }
}

/// Runs blocking work (ZeroMQ clients) on a dedicated thread, not on Swift concurrency's pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
