import Foundation

/// One case of `ingress.json`: the frames to send, the context, and the reply fields expected.
struct IngressCase: Sendable, CustomStringConvertible {
    /// How the reply's `id` is checked.
    enum ExpectedID: Sendable, Equatable {
        case unchecked
        case null
        case value(String)
    }

    /// The reply fields `expect` lists (or one item of `results`).
    struct Expectation: Sendable {
        var ok: Bool
        var code: String?
        var duplicate: Bool?
        var id = ExpectedID.unchecked
        var results: [Expectation]?

        init(_ object: [String: Any]) {
            ok = object["ok"] as? Bool ?? false
            code = object["code"] as? String
            duplicate = object["duplicate"] as? Bool
            if object.keys.contains("id") {
                id = (object["id"] as? String).map(ExpectedID.value) ?? .null
            }
            results = (object["results"] as? [[String: Any]])?.map(Expectation.init)
        }

        /// Mismatches between a decoded reply object and this expectation.
        func mismatches(_ reply: [String: Any], path: String = "") -> [String] {
            var problems: [String] = []
            if reply["ok"] as? Bool != ok { problems.append("\(path)ok: expected \(ok), got \(reply["ok"] ?? "nil")") }
            if let code, reply["code"] as? String != code { problems.append("\(path)code: expected \(code), got \(reply["code"] ?? "nil")") }
            if let duplicate, (reply["duplicate"] as? Bool ?? false) != duplicate {
                problems.append("\(path)duplicate: expected \(duplicate)")
            }
            switch id {
            case .unchecked: break
            case .null: if !(reply["id"] is NSNull) { problems.append("\(path)id: expected null, got \(reply["id"] ?? "absent")") }
            case .value(let value):
                if reply["id"] as? String != value { problems.append("\(path)id: expected \(value), got \(reply["id"] ?? "absent")") }
            }
            if let results {
                let got = reply["results"] as? [[String: Any]] ?? []
                if got.count != results.count { problems.append("\(path)results: expected \(results.count), got \(got.count)") }
                for (index, (item, expected)) in zip(got, results).enumerated() {
                    problems += expected.mismatches(item, path: "\(path)results[\(index)].")
                }
            }
            return problems
        }
    }

    var name: String
    /// The ZeroMQ message (usually one frame).
    var frames: [[UInt8]]
    /// `router`, `stdin` or nil (both).
    var mode: String?
    var before: [[UInt8]]
    var beforeErrors: [[UInt8]]
    var hubs: [String]
    var expect: Expectation

    var description: String { name }

    /// Every case of the file, generators expanded.
    static let all: [IngressCase] = Vectors.cases("ingress.json").map(IngressCase.init)

    init(_ object: [String: Any]) {
        name = object["name"] as? String ?? "?"
        if let frame = object["frame"] as? String {
            frames = [Array(frame.utf8)]
        } else if let hex = object["frame_hex"] as? String {
            frames = [Vectors.bytes(hex: hex)]
        } else if let list = object["frames"] as? [String] {
            frames = list.map { Array($0.utf8) }
        } else if let size = object["oversize"] as? Int {
            frames = [Self.oversize(size)]
        } else if let count = object["batch_of"] as? Int {
            frames = [Self.batch(of: count)]
        } else {
            frames = []
        }
        mode = object["mode"] as? String
        before = (object["before"] as? [String] ?? []).map { Array($0.utf8) }
        beforeErrors = (object["before_errors"] as? [String] ?? []).map { Array($0.utf8) }
        hubs = object["hubs"] as? [String] ?? []
        expect = Expectation(object["expect"] as? [String: Any] ?? [:])
    }

    /// The `oversize` generator: a valid request exactly `size` bytes long.
    static func oversize(_ size: Int) -> [UInt8] {
        let head = #"{"v":1,"id":"oversize","kind":"all","hub":"chat","method":"m","arguments":[""#
        let tail = #""]}"#
        return Array((head + String(repeating: "x", count: size - head.utf8.count - tail.utf8.count) + tail).utf8)
    }

    /// The `batch_of` generator.
    static func batch(of count: Int) -> [UInt8] {
        let item = #"{"kind":"all","hub":"chat","method":"m","arguments":[]}"#
        return Array((#"{"v":1,"id":"batch","batch":["# + Array(repeating: item, count: count).joined(separator: ",") + "]}").utf8)
    }

    /// The reply frame parsed, or `nil` if it is not a JSON object.
    static func parse(_ reply: [UInt8]) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(reply)) as? [String: Any]
    }
}
