import Foundation
import Testing

@testable import HubGateway

/// The golden vectors in `Tests/vectors/gateway/`.
enum Vectors {
    static let directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("vectors/gateway")

    static func data(_ name: String) -> Data {
        (try? Data(contentsOf: directory.appendingPathComponent(name))) ?? Data()
    }

    /// The `cases` of a vector file, as Foundation objects.
    static func cases(_ name: String) -> [[String: Any]] {
        guard let root = try? JSONSerialization.jsonObject(with: data(name)) as? [String: Any] else { return [] }
        return root["cases"] as? [[String: Any]] ?? []
    }

    /// The lines of a vector file that hold one case each (the files put one case per line).
    static func caseLines(_ name: String) -> [[UInt8]] {
        String(decoding: data(name), as: UTF8.self).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("{\"name\"") }
            .map { Array(($0.hasSuffix(",") ? String($0.dropLast()) : $0).utf8) }
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// The raw JSON text of each member of one object, as written (numbers keep their spelling).
enum RawJSON {
    static func members(of object: [UInt8]) throws -> [String: [UInt8]] {
        try object.withUnsafeBytes { buffer in
            var reader = JSONReader(bytes: buffer)
            var members: [String: [UInt8]] = [:]
            _ = try reader.peekToken(expecting: "an object")
            if try reader.open(UInt8(ascii: "{"), depth: 1) { return members }
            repeat {
                let key = reader.decode(try reader.readKey())
                reader.skipWhitespace()
                let start = reader.index
                try reader.skipValue(depth: 1)
                members[key] = Array(buffer[start..<reader.index])
            } while try reader.next(closer: UInt8(ascii: "}"))
            return members
        }
    }
}
