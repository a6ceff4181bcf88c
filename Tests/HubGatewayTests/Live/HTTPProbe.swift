import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A raw HTTP/1.1 client on a loopback TCP socket: it sends exactly the bytes it is given (good
/// requests, garbage, oversized ones) and reads until the server closes. Blocking: use on a thread.
struct HTTPProbe {
    /// A response as read off the wire.
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    let port: UInt16

    /// `send` flags: no SIGPIPE when the server closed first.
    #if canImport(Glibc)
        static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
        static let sendFlags: Int32 = 0
    #endif

    /// A probe of `url` (`http://127.0.0.1:PORT`, as the gateway's ready line prints it).
    init(_ url: String) throws {
        guard url.hasPrefix("http://127.0.0.1:"), let port = UInt16(url.dropFirst("http://127.0.0.1:".count)) else {
            throw TestFailure("not a loopback HTTP URL: \(url)")
        }
        self.port = port
    }

    /// `METHOD path` with `Connection: close`; the parsed response.
    func request(_ method: String, _ path: String, body: [UInt8] = []) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        let raw = try exchange(Array((head + "\r\n").utf8) + body)
        guard let response = Self.parse(raw) else { throw TestFailure("\(method) \(path): not an HTTP response: \(raw.prefix(200))") }
        return response
    }

    /// Connects, sends `bytes` (as far as the server reads them), and returns what comes back until
    /// the server closes or `timeoutSeconds` pass.
    func exchange(_ bytes: [UInt8], timeoutSeconds: Int = 10) throws -> [UInt8] {
        let socket = try connect(timeoutSeconds: timeoutSeconds)
        defer { close(socket) }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Self.sendFlags) }
            if n <= 0 { break }  // the server closed: fine, read what it answered
            sent += n
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += chunk[0..<n]
        }
        return received
    }

    /// A connected socket with send and receive timeouts.
    func connect(timeoutSeconds: Int = 10) throws -> Int32 {
        let socket = systemSocket()
        guard socket >= 0 else { throw TestFailure("socket() failed: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(socket)
            throw TestFailure("connect to 127.0.0.1:\(port) failed: errno \(errno)")
        }
        return socket
    }

    /// Status line, headers (lowercased names) and body (content-length or chunked, else up to the close).
    static func parse(_ raw: [UInt8]) -> Response? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = raw.indices.first(where: { raw[$0...].starts(with: separator) }) else { return nil }
        let lines = String(decoding: raw[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusWords = lines[0].split(separator: " ")
        guard statusWords.count >= 2, statusWords[0].hasPrefix("HTTP/1."), let status = Int(statusWords[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(raw[(end + separator.count)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = dechunk(body)
        } else if let length = headers["content-length"].flatMap(Int.init), length <= body.count {
            body = Array(body.prefix(length))
        }
        return Response(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while let lineEnd = bytes[index...].firstIndex(of: 0x0D), let size = Int(String(decoding: bytes[index..<lineEnd], as: UTF8.self), radix: 16),
            size > 0, lineEnd + 2 + size <= bytes.count
        {
            out += bytes[(lineEnd + 2)..<(lineEnd + 2 + size)]
            index = lineEnd + 2 + size + 2
            if index >= bytes.count { break }
        }
        return out
    }
}

#if canImport(Glibc)
    private func systemSocket() -> Int32 { Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
    private func systemConnect(_ socket: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
        Glibc.connect(socket, address, length)
    }
#else
    private func systemSocket() -> Int32 { Darwin.socket(AF_INET, SOCK_STREAM, 0) }
    private func systemConnect(_ socket: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
        Darwin.connect(socket, address, length)
    }
#endif
