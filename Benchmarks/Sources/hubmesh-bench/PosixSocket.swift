import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking TCP connection to 127.0.0.1 with a read buffer: all the thin Redis and NATS
/// clients need. Owned by one thread.
final class PosixSocket {
    let fd: Int32
    private var readBuffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0
    private var end = 0

    init(port: Int) throws {
        fd = try Self.connect(port: port)
    }

    /// A blocking TCP connection to 127.0.0.1:`port` with `TCP_NODELAY`: its descriptor.
    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket() failed: errno \(errno)") }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw BenchError("connect to 127.0.0.1:\(port) failed: errno \(errno)")
        }
        noDelay(fd)
        return fd
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    /// Sets `TCP_NODELAY`: every write leaves at once (as HubMesh's nodes and the load clients do).
    static func noDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Writes all of `bytes` to blocking descriptor `fd`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw BenchError("write failed: errno \(errno)")
            }
            offset += n
        }
    }

    deinit { close(fd) }

    /// Receive timeout for blocking reads, so a reader gives up instead of hanging.
    func setReadTimeout(seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try Self.writeAll(fd, bytes)
    }

    /// Makes sure at least `count` bytes are buffered; false on timeout or EOF.
    private func fill(_ count: Int) -> Bool {
        while end - start < count {
            if start > 0 && (readBuffer.count - end) < 65536 {
                readBuffer.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: end - start)
                }
                end -= start
                start = 0
            }
            if end == readBuffer.count { readBuffer.append(contentsOf: [UInt8](repeating: 0, count: readBuffer.count)) }
            let n = readBuffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress! + end, raw.count - end) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            end += n
        }
        return true
    }

    /// The next line without its CRLF, or nil on timeout/EOF.
    func readLine() -> UnsafeRawBufferPointer? {
        var scanned = start
        while true {
            while scanned + 1 < end {
                if readBuffer[scanned] == 13 && readBuffer[scanned + 1] == 10 {
                    let line = readBuffer.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[start..<scanned]) }
                    start = scanned + 2
                    return line
                }
                scanned += 1
            }
            let offset = scanned - start
            guard fill(end - start + 1) else { return nil }
            scanned = start + offset
        }
    }

    /// The next `count` bytes followed by CRLF (a bulk body), or nil on timeout/EOF.
    func readBody(_ count: Int) -> UnsafeRawBufferPointer? {
        guard fill(count + 2) else { return nil }
        let body = readBuffer.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[start..<(start + count)]) }
        start += count + 2
        return body
    }
}

/// Parses an ASCII decimal integer.
@inline(__always)
func parseInt(_ bytes: UnsafeRawBufferPointer) -> Int {
    var value = 0
    var negative = false
    for byte in bytes {
        if byte == UInt8(ascii: "-") { negative = true; continue }
        guard byte >= 48 && byte <= 57 else { break }
        value = value * 10 + Int(byte - 48)
    }
    return negative ? -value : value
}
