import ArgumentParser
import CBenchClock
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Workload 4 without HubMesh, as the floor its rows are measured against: what the kernel's TCP
/// costs on this machine when a process writes every message to each of its sockets (one `write` per
/// socket per message, as a node does per delivery) and another process reads them (one `read` per
/// ready socket, as the load clients do). No gateway, no mesh, no WebSocket or SignalR parsing: a
/// frame of the size a node writes, the 100-byte ``BenchPayload`` first.
enum TCPFanOut {
    /// The WebSocket frame a node writes per delivery of the fan-out message (145 bytes): the
    /// invocation `{"type":1,"target":"m","arguments":["<100 characters>"]}` with SignalR's record
    /// separator, behind an unmasked frame header (2 bytes, and 2 more for a length above 125).
    static let frameSize: Int = {
        let message = #"{"type":1,"target":"m","arguments":[""#.utf8.count + 100 + #""]}"#.utf8.count + 1
        return message + (message > 125 ? 4 : 2)
    }()
}

/// `tcp-fanout-server`: listens on 127.0.0.1, accepts `connections` sockets, and after `go` writes
/// `count` frames to every one of them (paced at `rate` messages/s, or as fast as the sockets take
/// them), from `threads` threads that each own a share of the sockets (a node writes from its
/// event loops, one per core).
struct TCPFanOutServerRole: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcp-fanout-server", abstract: "(role) raw TCP fan-out writer", shouldDisplay: false)

    @Option var connections = 500
    @Option var count = 1000
    @Option var rate = 0
    @Option var threads = 2
    @Option var frameSize = TCPFanOut.frameSize

    func run() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw BenchError("socket() failed: errno \(errno)") }
        defer { close(listener) }
        var address = PosixSocket.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 1024) == 0 && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { throw BenchError("could not listen on 127.0.0.1: errno \(errno)") }
        RoleIO.say("ready port=\(UInt16(bigEndian: address.sin_port))")
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        while sockets.count < connections {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                throw BenchError("accept failed: errno \(errno)")
            }
            PosixSocket.noDelay(fd)
            sockets.append(fd)
        }
        RoleIO.waitBlocking(for: "go")
        let threadCount = max(1, min(threads, sockets.count))
        let start = monotonicNanos()
        let reports = Mutex<[[String: Double]]>([])
        let failure = Mutex<String?>(nil)
        let (count, rate, frameSize) = (self.count, self.rate, max(self.frameSize, BenchPayload.size))
        let writers = (0..<threadCount).map { part in
            let mine = stride(from: part, to: sockets.count, by: threadCount).map { sockets[$0] }
            let thread = Thread {
                var pacer = Pacer(ratePerSecond: rate, start: start)
                var payload: [UInt8] = []
                var frame = [UInt8](repeating: UInt8(ascii: "x"), count: frameSize)
                do {
                    for index in 0..<count {
                        BenchPayload.make(sendTime: pacer.due(index), sequence: UInt64(index + 1), into: &payload)
                        frame.replaceSubrange(0..<BenchPayload.size, with: payload)
                        try frame.withUnsafeBytes { bytes in
                            for fd in mine { try PosixSocket.writeAll(fd, bytes) }
                        }
                    }
                } catch {
                    failure.withLock { $0 = $0 ?? "\(error)" }
                }
                reports.withLock { $0.append(pacer.report) }
            }
            thread.name = "tcp-writer-\(part)"
            thread.start()
            return thread
        }
        while reports.withLock({ $0.count }) < writers.count { usleep(1000) }
        if let failure = failure.withLock({ $0 }) { throw BenchError("tcp-fanout-server: \(failure)") }
        // The writers' pacers, averaged.
        var extra: [String: Double] = [:]
        for report in reports.withLock({ $0 }) {
            for (key, value) in report { extra[key, default: 0] += value / Double(writers.count) }
        }
        RoleIO.say("sent", SenderResult(sent: count, startNanos: start, endNanos: monotonicNanos(), extra: extra))
        RoleIO.waitBlocking(for: "quit")
    }
}

/// `tcp-clients`: `connections` TCP sockets to a `tcp-fanout-server`, read by one thread through
/// epoll (the NIO load client's one event loop); every frame counts as a delivery of its
/// connection, with the latency from its payload's send time (``LoadState``, as `ws-clients`).
struct TCPFanOutClientsRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcp-clients", abstract: "(role) raw TCP fan-out readers", shouldDisplay: false)

    @Option var port: Int
    @Option var connections = 500
    @Option var expect = 0
    @Option var warmup = 0
    @Option var timeout: Double = 60
    @Option var frameSize = TCPFanOut.frameSize

    func run() async throws {
        let state = LoadState(connections: connections, warmup: warmup)
        var sockets: [Int32] = []
        for index in 0..<connections {
            do {
                let fd = try PosixSocket.connect(port: port)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                sockets.append(fd)
                state.joined(index)
            } catch {
                state.failed(error)
            }
        }
        let frameSize = max(self.frameSize, BenchPayload.size)
        let reader = EpollReader(sockets: sockets, bufferSize: 64 * frameSize)
        // The role ends when `report` does (after `quit`), or when reading fails (then no `result` comes).
        await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                let failure = await RoleIO.onThread("tcp-clients") {
                    reader.run(state: state) { index, bytes in
                        var offset = 0
                        while bytes.count - offset >= frameSize {
                            let frame = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + BenchPayload.size)])
                            state.delivered(index: index, sentNanos: BenchPayload.sendTime(frame), sequence: BenchPayload.sequence(frame))
                            offset += frameSize
                        }
                        return offset
                    }
                }
                if let failure {
                    FileHandle.standardError.write(Data("tcp-clients: \(failure)\n".utf8))
                }
            }
            tasks.addTask {
                try await state.report(connections: connections, idle: false, expect: expect, timeout: timeout)
            }
            do { try await tasks.next() } catch {}
            state.stopping.store(true, ordering: .relaxed)
            tasks.cancelAll()
        }
    }
}

/// One thread reading many non-blocking sockets through one epoll set: one `read` per ready socket
/// per wake-up into that socket's buffer, whose bytes go to `consume` (which returns how many it
/// used: whole frames; the rest stays for the next read). `tcp-clients` and the `posix` engine of
/// `ws-clients` read this way.
final class EpollReader: Sendable {
    /// What the bytes of connection `index` held: how many were used, or nil to drop the connection.
    typealias Consume = (_ index: Int, _ bytes: UnsafeRawBufferPointer) -> Int?

    let sockets: [Int32]
    let bufferSize: Int

    init(sockets: [Int32], bufferSize: Int) {
        self.sockets = sockets
        self.bufferSize = bufferSize
    }

    deinit { for fd in sockets { close(fd) } }

    /// Reads until ``LoadState/stopping``; returns an error text if reading failed. A socket the
    /// peer closed, or whose bytes `consume` refused, is dropped and counted as closed by the server.
    func run(state: LoadState, consume: Consume) -> String? {
        let epoll = bench_epoll_create()
        guard epoll >= 0 else { return "epoll_create1 failed: errno \(errno)" }
        defer { close(epoll) }
        for (index, fd) in sockets.enumerated() where bench_epoll_add(epoll, fd, UInt64(index)) != 0 {
            return "epoll_ctl failed: errno \(errno)"
        }
        let capacity = bufferSize
        let buffers = UnsafeMutableRawPointer.allocate(byteCount: capacity * max(1, sockets.count), alignment: 16)
        defer { buffers.deallocate() }
        // Per connection, how many bytes at the start of its buffer wait for the rest of their frame.
        var filled = [Int](repeating: 0, count: sockets.count)
        var tags = [UInt64](repeating: 0, count: 256)
        while !state.stopping.load(ordering: .relaxed) {
            let ready = bench_epoll_wait(epoll, &tags, Int32(tags.count), 100)
            if ready < 0 {
                if errno == EINTR { continue }
                return "epoll_wait failed: errno \(errno)"
            }
            for slot in 0..<Int(ready) {
                let index = Int(tags[slot])
                let buffer = buffers + index * capacity
                let n = read(sockets[index], buffer + filled[index], capacity - filled[index])
                if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                let total = filled[index] + max(n, 0)
                guard n > 0, let used = consume(index, UnsafeRawBufferPointer(start: buffer, count: total)),
                    used > 0 || total < capacity
                else {
                    _ = bench_epoll_remove(epoll, sockets[index])
                    state.closedByServer()
                    continue
                }
                if used > 0 && used < total { buffer.copyMemory(from: buffer + used, byteCount: total - used) }
                filled[index] = total - used
            }
        }
        return nil
    }
}
