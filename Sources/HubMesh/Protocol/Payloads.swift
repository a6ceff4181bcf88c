/// The serialized forms of one hub message, one per hub protocol: `protocol name → bytes`.
///
/// As in SignalR's backplanes, a message is serialized once per protocol by the sender; each receiver
/// picks the bytes for each local connection's protocol (`json`, `messagepack`).
public struct Payloads: Sendable, Equatable, Hashable {
    /// One protocol's bytes.
    public struct Entry: Sendable, Equatable, Hashable {
        /// The hub protocol name, e.g. `json`.
        public var name: String
        /// The framed message bytes for that protocol, exactly as a client receives them.
        public var bytes: [UInt8]

        /// Creates an entry.
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// The entries, sorted by protocol name.
    public private(set) var entries: [Entry]

    /// Creates payloads from a map.
    public init(_ map: [String: [UInt8]]) {
        entries = map.map { Entry(name: $0.key, bytes: $0.value) }.sorted { $0.name < $1.name }
    }

    /// Creates payloads from entries (sorted here).
    public init(entries: [Entry]) {
        // Callers usually pass them sorted already (json < messagepack): skip the sort then.
        let sorted = zip(entries, entries.dropFirst()).allSatisfy { $0.name < $1.name }
        self.entries = sorted ? entries : entries.sorted { $0.name < $1.name }
    }

    /// The bytes for a protocol, if present.
    public subscript(protocolName: String) -> [UInt8]? {
        for entry in entries where entry.name == protocolName { return entry.bytes }
        return nil
    }

    /// Total payload bytes.
    public var byteCount: Int { entries.reduce(0) { $0 + $1.bytes.count } }
}
