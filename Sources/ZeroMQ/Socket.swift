import CZeroMQ

/// A ZeroMQ socket.
///
/// Sockets are not thread-safe: one thread owns a socket for its whole life (the mesh gives each
/// member one I/O thread for all its sockets). `Socket` is deliberately not `Sendable`.
public final class Socket {
    /// The raw libzmq handle, for `Poller`.
    let handle: UnsafeMutableRawPointer
    /// Keeps the context alive while the socket exists.
    private let context: Context
    /// The socket's type.
    public let type: SocketType
    private var closed = false

    /// Creates a socket of `type` in `context`.
    public init(_ context: Context, type: SocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("zmq_socket(\(type))")
        }
        self.handle = handle
        self.context = context
        self.type = type
    }

    deinit { close() }

    /// Closes the socket. Unsent messages are kept for the `linger` period.
    public func close() {
        guard !closed else { return }
        closed = true
        zmq_close(handle)
    }

    /// Binds to an endpoint such as `tcp://127.0.0.1:6000` or `tcp://127.0.0.1:*`.
    /// - Returns: the endpoint actually bound (with the chosen port for `*`).
    @discardableResult
    public func bind(_ endpoint: String) throws(ZMQError) -> String {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("bind \(endpoint)") }
        return (try? lastEndpoint) ?? endpoint
    }

    /// Connects to an endpoint. libzmq connects (and reconnects) in the background.
    public func connect(_ endpoint: String) throws(ZMQError) {
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError.last("connect \(endpoint)") }
    }

    /// Disconnects from an endpoint given to `connect`.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        guard zmq_disconnect(handle, endpoint) == 0 else { throw ZMQError.last("disconnect \(endpoint)") }
    }

    /// Stops listening on a bound endpoint.
    public func unbind(_ endpoint: String) throws(ZMQError) {
        guard zmq_unbind(handle, endpoint) == 0 else { throw ZMQError.last("unbind \(endpoint)") }
    }

    // MARK: - Sending

    /// Sends one frame.
    /// - Parameters:
    ///   - bytes: the frame's bytes (copied by libzmq before the call returns).
    ///   - more: more frames of the same message follow.
    ///   - dontWait: fail with `false` instead of blocking at the high-water mark.
    /// - Returns: `false` if `dontWait` was set and the socket would have blocked.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        var flags: Int32 = 0
        if more { flags |= ZMQ_SNDMORE }
        if dontWait { flags |= ZMQ_DONTWAIT }
        while true {
            if zmq_send(handle, bytes.baseAddress, bytes.count, flags) >= 0 { return true }
            let number = czmq_errno()
            if number == EINTR { continue }
            if number == EAGAIN && dontWait { return false }
            throw ZMQError(errno: number, operation: "send")
        }
    }

    /// Sends one frame from an array.
    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(ZMQError) -> Bool in try send(buffer, more: more, dontWait: dontWait) }
        }
        return try result.get()
    }

    /// Sends a multipart message atomically.
    /// - Returns: `false` if `dontWait` was set and nothing was sent because the socket would block.
    @discardableResult
    public func send(multipart frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        for (index, frame) in frames.enumerated() {
            let more = index < frames.count - 1
            // ZeroMQ queues a multipart message atomically: only the first frame can block.
            let sent = try send(frame, more: more, dontWait: dontWait && index == 0)
            if !sent { return false }
        }
        return true
    }

    // MARK: - Receiving

    /// Receives one frame and hands its bytes to `body` without copying them.
    /// - Returns: `nil` if `dontWait` was set and nothing was waiting; otherwise `body`'s result.
    public func receive<R>(
        dontWait: Bool = false,
        _ body: (_ bytes: UnsafeRawBufferPointer, _ more: Bool) throws -> R
    ) throws -> R? {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        let flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
        while zmq_msg_recv(&message, handle, flags) < 0 {
            let number = czmq_errno()
            if number == EINTR { continue }
            if number == EAGAIN && dontWait { return nil }
            throw ZMQError(errno: number, operation: "receive")
        }
        let bytes = UnsafeRawBufferPointer(start: zmq_msg_data(&message), count: zmq_msg_size(&message))
        return try body(bytes, zmq_msg_more(&message) != 0)
    }

    /// Receives one frame as an array.
    /// - Returns: `nil` if `dontWait` was set and nothing was waiting.
    public func receiveFrame(dontWait: Bool = false) throws(ZMQError) -> Frame? {
        do {
            return try receive(dontWait: dontWait) { bytes, more in Frame(bytes: Array(bytes), more: more) }
        } catch let error as ZMQError {
            throw error
        } catch {
            fatalError("unreachable: the body does not throw")
        }
    }

    /// Receives all frames of one message.
    /// - Returns: `nil` if `dontWait` was set and nothing was waiting.
    public func receiveMultipart(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        guard let first = try receiveFrame(dontWait: dontWait) else { return nil }
        var frames = [first.bytes]
        var more = first.more
        while more {
            // The remaining frames of a message are already here: receive them without waiting.
            guard let next = try receiveFrame() else { break }
            frames.append(next.bytes)
            more = next.more
        }
        return frames
    }

    /// The socket's `ZMQ_FD`: a file descriptor that becomes readable when the socket's state may have
    /// changed (edge-triggered: check ``events`` or read until `nil` after it fires). For polling a
    /// socket that another thread uses under a lock.
    public var fileDescriptor: Int32 {
        get throws(ZMQError) { try getInt(ZMQ_FD) }
    }

    /// The events the socket is ready for now (`ZMQ_EVENTS`).
    public var events: PollEvents {
        get throws(ZMQError) { PollEvents(rawValue: Int16(truncatingIfNeeded: try getInt(ZMQ_EVENTS))) }
    }
}

/// One received frame.
public struct Frame: Sendable, Equatable {
    /// The frame's bytes.
    public var bytes: [UInt8]
    /// More frames of the same message follow.
    public var more: Bool

    /// Creates a frame.
    public init(bytes: [UInt8], more: Bool) {
        self.bytes = bytes
        self.more = more
    }
}

@available(*, unavailable)
extension Socket: Sendable {}
