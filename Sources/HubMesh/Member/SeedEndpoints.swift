#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The spellings under which a seed (a `--join` endpoint) may advertise itself.
///
/// A member never forgets its seeds, and recognises one by the ROUTER endpoint the seed advertises.
/// A seed joined as `tcp://localhost:7000` advertises the address it bound, such as
/// `tcp://127.0.0.1:7000`; so each `--join` endpoint that names a host is resolved once, at start,
/// and kept under every numeric spelling too.
enum SeedEndpoints {
    /// `endpoint`, and for a `tcp://host:port` endpoint whose host is a name, `tcp://address:port` for
    /// each of its addresses (IPv6 in brackets, as libzmq writes them). `resolve` gives a host's
    /// numeric addresses (``addresses(of:)`` by default).
    static func spellings(of endpoint: String, resolve: (String) -> [String] = addresses(of:)) -> Set<String> {
        var result: Set<String> = [endpoint]
        guard endpoint.hasPrefix("tcp://"), let colon = endpoint.lastIndex(of: ":"), colon > endpoint.index(endpoint.startIndex, offsetBy: 6) else {
            return result
        }
        let host = endpoint[endpoint.index(endpoint.startIndex, offsetBy: 6)..<colon]
        let port = endpoint[endpoint.index(after: colon)...]
        guard !host.isEmpty, !port.isEmpty, port.allSatisfy(\.isNumber), !host.hasPrefix("["), !isNumericIPv4(String(host)) else { return result }
        for address in resolve(String(host)) {
            result.insert(address.contains(":") ? "tcp://[\(address)]:\(port)" : "tcp://\(address):\(port)")
        }
        return result
    }

    /// The numeric addresses of `host` (TCP), through the system's resolver; empty if it has none.
    static func addresses(of host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var result: [String] = []
        var next = list
        while let entry = next {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if let address = entry.pointee.ai_addr,
                getnameinfo(address, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0
            {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !result.contains(text) { result.append(text) }
            }
            next = entry.pointee.ai_next
        }
        return result
    }

    private static func isNumericIPv4(_ host: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, host, &address) == 1
    }
}
