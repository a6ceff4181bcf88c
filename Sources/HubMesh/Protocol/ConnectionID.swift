/// Connection ids name the member that owns them: `<member id>.<random>`.
///
/// So a connection message or a group add for a remote connection is routed straight to its owner,
/// and "no such member" is known at once.
public enum ConnectionID {
    /// The separator between the member id and the random part.
    public static let separator: Character = "."

    /// A new, unguessable connection id owned by `member`.
    public static func make(member: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(member: member, using: &generator)
    }

    /// A new connection id from the given random source.
    public static func make(member: String, using generator: inout some RandomNumberGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var random = [UInt8]()
        random.reserveCapacity(22)
        for _ in 0..<22 { random.append(alphabet[Int(generator.next() % 64)]) }
        return member + String(separator) + String(decoding: random, as: UTF8.self)
    }

    /// The owning member's id, or `nil` if `connectionID` has no member part.
    public static func owner(of connectionID: String) -> String? {
        guard let index = connectionID.firstIndex(of: separator), index != connectionID.startIndex else { return nil }
        return String(connectionID[..<index])
    }

    /// Whether `id` is a valid member id: 1–64 characters from `A–Z a–z 0–9 _ -`.
    public static func isValidMemberID(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard (1...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F
                || byte == 0x2D
        }
    }
}
