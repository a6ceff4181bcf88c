import Foundation
import Testing

@testable import HubProtocol

@Suite("HubValueEncoder and HubValueDecoder")
struct HubValueCodableTests {
    enum Mood: String, Codable, Equatable { case happy, sad }

    struct Author: Codable, Equatable {
        var name: String
        var karma: Int
    }

    struct Post: Codable, Equatable {
        var title: String
        var author: Author
        var tags: [String]
        var score: Double
        var votes: Int
        var big: UInt64
        var small: Int8
        var mood: Mood
        var subtitle: String?
        var editor: Author?
        var counts: [String: Int]
        var matrix: [[Int]]
        var extra: HubValue
    }

    static let post = Post(
        title: "Hello",
        author: Author(name: "Ada", karma: 42),
        tags: ["swift", "signalr"],
        score: 1.0,
        votes: -3,
        big: UInt64.max,
        small: -8,
        mood: .happy,
        subtitle: nil,
        editor: Author(name: "Bob", karma: 0),
        counts: ["a": 1],
        matrix: [[1, 2], [], [3]],
        extra: ["free": [nil, true]]
    )

    @Test("a struct encodes to the expected value, in property order")
    func encodeShape() throws {
        let value = try HubValueEncoder().encode(Self.post)
        let expected: HubValue = [
            "title": "Hello",
            "author": ["name": "Ada", "karma": 42],
            "tags": ["swift", "signalr"],
            "score": 1.0,
            "votes": -3,
            "big": .uint(UInt64.max),
            "small": -8,
            "mood": "happy",
            "editor": ["name": "Bob", "karma": 0],
            "counts": ["a": 1],
            "matrix": [[1, 2], [], [3]],
            "extra": ["free": [nil, true]],
        ]
        #expect(value == expected)
        #expect(value["score"] == .double(1.0))
        #expect(value["votes"] == .int(-3))
        #expect(value["subtitle"] == nil)
    }

    @Test("structs round trip through HubValue, JSON and MessagePack")
    func roundTrips() throws {
        let value = try HubValueEncoder().encode(Self.post)
        #expect(try HubValueDecoder().decode(Post.self, from: value) == Self.post)
        let viaJSON = try HubValue(json: try value.jsonBytes())
        #expect(try HubValueDecoder().decode(Post.self, from: viaJSON) == Self.post)
        let viaMessagePack = try HubValue(messagePack: value.messagePackBytes())
        #expect(try HubValueDecoder().decode(Post.self, from: viaMessagePack) == Self.post)
    }

    @Test("top-level scalars, optionals and arrays")
    func scalars() throws {
        let encoder = HubValueEncoder()
        let decoder = HubValueDecoder()
        #expect(try encoder.encode(5) == .int(5))
        #expect(try encoder.encode(5.0) == .double(5))
        #expect(try encoder.encode(Float(0.1)) == .double(0.1))
        #expect(try encoder.encode(UInt8(200)) == .int(200))
        #expect(try encoder.encode(true) == .bool(true))
        #expect(try encoder.encode(Int?.none) == .null)
        #expect(try encoder.encode([Int?.some(1), nil]) == [1, nil])
        #expect(try decoder.decode(Int?.self, from: .null) == nil)
        #expect(try decoder.decode([Int?].self, from: [1, nil]) == [1, nil])
        #expect(try decoder.decode(String.self, from: "x") == "x")
    }

    @Test("numbers convert only when exact")
    func numbers() throws {
        let decoder = HubValueDecoder()
        #expect(try decoder.decode(Double.self, from: 42) == 42)
        #expect(try decoder.decode(Int.self, from: 2.0) == 2)
        #expect(try decoder.decode(UInt64.self, from: .uint(UInt64.max)) == UInt64.max)
        #expect(try decoder.decode(Float.self, from: 0.5) == 0.5)
        #expect(capturedError { try decoder.decode(Int.self, from: 2.5) }?.code == .conversionFailed)
        #expect(capturedError { try decoder.decode(Int8.self, from: 300) }?.message == "The number 300 does not fit Int8")
        #expect(capturedError { try decoder.decode(UInt.self, from: -1) } != nil)
        #expect(capturedError { try decoder.decode(Int.self, from: .uint(UInt64.max)) } != nil)
        #expect(capturedError { try decoder.decode(Float.self, from: 1e300) } != nil)
    }

    @Test("errors say what and where")
    func errors() {
        let decoder = HubValueDecoder()
        let value: HubValue = ["name": "Ada", "karma": "lots"]
        #expect(capturedError { try decoder.decode(Author.self, from: value) }?.message == "Expected Int, found string at \"karma\"")
        let missing = capturedError { try decoder.decode(Author.self, from: ["name": "Ada"]) }
        #expect(missing?.message == "Missing key 'karma'")
        let nested = capturedError { try decoder.decode([Author].self, from: [["name": "A", "karma": 1], ["name": 5, "karma": 1]]) }
        #expect(nested?.message == "Expected String, found integer at \"[1].name\"")
        #expect(capturedError { try decoder.decode(Author.self, from: [1]) }?.message == "Expected a map, found array")
        #expect(capturedError { try decoder.decode([Int].self, from: [1, "x"]) }?.code == .conversionFailed)
        #expect(capturedError { try decoder.decode(Mood.self, from: "angry") }?.code == .conversionFailed)
    }

    @Test("arguments can be decoded one by one")
    func arguments() throws {
        let arguments: [HubValue] = ["room", ["name": "Ada", "karma": 1], 3]
        let decoder = HubValueDecoder()
        #expect(try decoder.decode(String.self, from: arguments[0]) == "room")
        #expect(try decoder.decode(Author.self, from: arguments[1]) == Author(name: "Ada", karma: 1))
        #expect(try decoder.decode(Int.self, from: arguments[2]) == 3)
    }

    @Test("Data, Date and URL have natural forms")
    func foundationTypes() throws {
        let encoder = HubValueEncoder()
        let decoder = HubValueDecoder()
        #expect(try encoder.encode(Data([1, 2, 3])) == .binary([1, 2, 3]))
        #expect(try decoder.decode(Data.self, from: .binary([1, 2])) == Data([1, 2]))
        #expect(try decoder.decode(Data.self, from: "AQID") == Data([1, 2, 3]))
        #expect(try decoder.decode(Data.self, from: [1, 2]) == Data([1, 2]))
        #expect(try decoder.decode([UInt8].self, from: .binary([9])) == [9])
        let date = Date(timeIntervalSince1970: 1_700_000_000.25)
        #expect(try encoder.encode(date) == "2023-11-14T22:13:20.250Z")
        #expect(try decoder.decode(Date.self, from: "2023-11-14T22:13:20.250Z") == date)
        #expect(try decoder.decode(Date.self, from: "2023-11-14T22:13:20Z") == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(try decoder.decode(Date.self, from: 1_700_000_000) == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(try encoder.encode(URL(string: "https://example.com/a?b=1")) == "https://example.com/a?b=1")
        #expect(try decoder.decode(URL.self, from: "https://example.com") == URL(string: "https://example.com"))
        #expect(capturedError { try decoder.decode(Date.self, from: "yesterday") } != nil)
    }

    @Test("dictionaries with integer keys and MessagePack integer keys")
    func integerKeys() throws {
        let value = try HubValueEncoder().encode([1: "one", 2: "two"])
        #expect(try HubValueDecoder().decode([Int: String].self, from: value) == [1: "one", 2: "two"])
        let messagePackMap = HubValue.map([.init(key: 1, value: "one")])
        #expect(try HubValueDecoder().decode([Int: String].self, from: messagePackMap) == [1: "one"])
    }

    @Test("classes with inheritance use superEncoder")
    func inheritance() throws {
        final class Child: Base {
            var extra = 2
            enum CodingKeys: String, CodingKey { case extra }
            override func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(extra, forKey: .extra)
                try super.encode(to: container.superEncoder())
            }
        }
        let value = try HubValueEncoder().encode(Child())
        #expect(value == ["extra": 2, "super": ["base": 1]])
    }

    @Test("HubValue works with Foundation's JSON coders too (which do not keep key order)")
    func foundationJSON() throws {
        let value: HubValue = ["a": [1, 2.5, "x", nil, true, ["c": .uint(UInt64.max)]]]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(HubValue.self, from: data) == value)
        #expect(try HubValue(json: Array(data)) == value)
    }

    @Test("encoding nothing is an error")
    func empty() {
        struct Nothing: Encodable {
            func encode(to encoder: any Encoder) throws {}
        }
        #expect(capturedError { try HubValueEncoder().encode(Nothing()) }?.code == .conversionFailed)
    }
}

class Base: Codable {
    var base = 1
}
