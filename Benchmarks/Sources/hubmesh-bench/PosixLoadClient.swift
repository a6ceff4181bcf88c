import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The `posix` engine of `ws-clients`: the same SignalR sessions over plain sockets, with as little
/// as a client can do per delivery, to measure a node with the cost of its clients at the floor's
/// (`tcp-clients`: one `read` per ready socket, one epoll thread).
///
/// Each connection is set up in turn with blocking calls: TCP connect to 127.0.0.1 (`TCP_NODELAY`),
/// the HTTP/1.1 upgrade (a `101` answer is all it checks), then the session's handshake and join in
/// masked text frames. Then every socket goes non-blocking into one ``EpollReader``, whose frames
/// (text, binary and continuation payloads to the session; ping answered; close counted) are parsed
/// in place.
struct PosixLoadClient {
    var url: String
    var connections: Int
    var session: SignalRLoadSession

    func run(state: LoadState) async throws {
        guard let parsed = URL(string: url), let host = parsed.host, ["127.0.0.1", "localhost"].contains(host) else {
            throw BenchError("the posix engine connects to 127.0.0.1 only: bad --url \(url)")
        }
        let port = parsed.port ?? 80
        let path = parsed.path.isEmpty ? "/" : parsed.path
        // Joins complete on this thread; the gate only has to accept every connection's release.
        let gate = AsyncGate(permits: connections)
        var sockets: [Int32] = []
        var sessions: [SignalRLoadSession] = []
        for index in 0..<connections {
            do {
                let (fd, joined) = try Self.open(port: port, host: host, path: path, session: session, index: index, state: state, gate: gate)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                sockets.append(fd)
                sessions.append(joined)
            } catch {
                state.failed(error)
            }
        }
        let reader = EpollReader(sockets: sockets, bufferSize: 1 << 16)
        let descriptors = sockets
        let sessionBox = SessionBox(sessions)
        let failure = await RoleIO.onThread("ws-clients-posix") {
            reader.run(state: state) { index, bytes in
                sessionBox.consume(index: index, bytes: bytes, fd: descriptors[index], state: state, gate: gate)
            }
        }
        if let failure { throw BenchError(failure) }
    }

    /// Connects, upgrades and joins connection `index`; returns its socket and its session.
    static func open(
        port: Int, host: String, path: String, session: SignalRLoadSession, index: Int, state: LoadState, gate: AsyncGate
    ) throws -> (Int32, SignalRLoadSession) {
        let fd = try PosixSocket.connect(port: port)
        do {
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let request =
                "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: \(Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n"
            try Array(request.utf8).withUnsafeBytes { try PosixSocket.writeAll(fd, $0) }
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            let end = Array("\r\n\r\n".utf8)
            var headEnd: Int?
            while headEnd == nil {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                guard n > 0 else { throw BenchError("connection \(index): no upgrade answer (errno \(errno))") }
                received += chunk[..<n]
                headEnd = received.indices.dropLast(3).first { received[$0..<($0 + 4)].elementsEqual(end) }
            }
            let head = String(decoding: received[..<headEnd!], as: UTF8.self)
            guard head.hasPrefix("HTTP/1.1 101") else { throw BenchError("connection \(index): upgrade refused: \(head.prefix(80))") }
            received.removeFirst(headEnd! + 4)
            var session = session
            try writeFrame(fd, opcode: 0x1, payload: Array(SignalRLoadSession.handshake.utf8))
            while !session.joined {
                var used = 0
                try received.withUnsafeBytes { bytes in
                    used = try parseFrames(bytes) { opcode, payload in
                        try handle(opcode: opcode, payload: payload, session: &session, fd: fd, index: index, state: state, gate: gate)
                    }
                }
                received.removeFirst(used)
                if session.joined { break }
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                guard n > 0 else { throw BenchError("connection \(index): closed before it joined (errno \(errno))") }
                received += chunk[..<n]
            }
            guard received.isEmpty else { throw BenchError("connection \(index): a message arrived before the join completed") }
            return (fd, session)
        } catch {
            close(fd)
            throw error
        }
    }

    /// Parses the whole frames at the start of `bytes`, handing each frame's opcode and payload to
    /// `frame`; returns how many bytes they took.
    static func parseFrames(_ bytes: UnsafeRawBufferPointer, _ frame: (UInt8, UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var offset = 0
        while bytes.count - offset >= 2 {
            let opcode = bytes[offset] & 0x0F
            let masked = bytes[offset + 1] & 0x80 != 0
            var length = Int(bytes[offset + 1] & 0x7F)
            var header = 2
            if length == 126 {
                guard bytes.count - offset >= 4 else { break }
                length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
                header = 4
            } else if length == 127 {
                guard bytes.count - offset >= 10 else { break }
                length = (0..<8).reduce(0) { $0 << 8 | Int(bytes[offset + 2 + $1]) }
                header = 10
                guard length < 1 << 24 else { throw BenchError("a frame of \(length) bytes") }
            }
            let maskOffset = offset + header
            if masked { header += 4 }
            guard bytes.count - offset >= header + length else { break }
            let start = offset + header
            if masked {
                // Servers do not mask; unmask a copy if one does.
                let key = (0..<4).map { bytes[maskOffset + $0] }
                let plain = (0..<length).map { bytes[start + $0] ^ key[$0 & 3] }
                try plain.withUnsafeBytes { try frame(opcode, $0) }
            } else {
                try frame(opcode, UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]))
            }
            offset = start + length
        }
        return offset
    }

    /// Runs one received frame through connection `index`'s session.
    static func handle(
        opcode: UInt8, payload: UnsafeRawBufferPointer, session: inout SignalRLoadSession, fd: Int32, index: Int, state: LoadState,
        gate: AsyncGate
    ) throws {
        switch opcode {
        case 0x0, 0x1, 0x2:
            session.append(payload)
            while let event = try session.next() {
                if let text = state.apply(event, index: index, gate: gate) { try writeFrame(fd, opcode: 0x1, payload: Array(text.utf8)) }
            }
        case 0x8:
            try writeFrame(fd, opcode: 0x8, payload: Array(payload))
            throw BenchError("connection \(index): closed by the server")
        case 0x9:
            try writeFrame(fd, opcode: 0xA, payload: Array(payload))
        default:
            break
        }
    }

    /// Writes one masked client frame (blocking, even on a non-blocking socket: it is small).
    static func writeFrame(_ fd: Int32, opcode: UInt8, payload: [UInt8]) throws {
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        let key = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += key
        frame += payload.enumerated().map { $0.element ^ key[$0.offset & 3] }
        var offset = 0
        while offset < frame.count {
            let n = frame[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw BenchError("write failed: errno \(errno)")
            }
            offset += n
        }
    }
}

/// The sessions of the `posix` engine, used by its one reading thread only.
final class SessionBox: @unchecked Sendable {
    private var sessions: [SignalRLoadSession]

    init(_ sessions: [SignalRLoadSession]) { self.sessions = sessions }

    /// The reader's `consume` for connection `index`: parses its whole frames; nil drops it.
    func consume(index: Int, bytes: UnsafeRawBufferPointer, fd: Int32, state: LoadState, gate: AsyncGate) -> Int? {
        do {
            return try PosixLoadClient.parseFrames(bytes) { opcode, payload in
                try PosixLoadClient.handle(
                    opcode: opcode, payload: payload, session: &sessions[index], fd: fd, index: index, state: state, gate: gate)
            }
        } catch {
            if !state.stopping.load(ordering: .relaxed) { FileHandle.standardError.write(Data("ws-clients posix: \(error)\n".utf8)) }
            return nil
        }
    }
}
