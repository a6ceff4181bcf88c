import Foundation

/// Converts any `Encodable` value into a ``HubValue``, so hub methods can return typed results.
///
/// Mapping: `nil` → ``HubValue/null``; `Bool`; signed integers → ``HubValue/int(_:)``; unsigned
/// integers → ``HubValue/int(_:)`` when they fit `Int64`, ``HubValue/uint(_:)`` otherwise;
/// `Float`/`Double` → ``HubValue/double(_:)``; `String`; `Data` → ``HubValue/binary(_:)``;
/// `Date` → an ISO 8601 string with milliseconds (what .NET and JavaScript produce); `URL` → its
/// absolute string; arrays → ``HubValue/array(_:)``; structs, classes and dictionaries →
/// ``HubValue/map(_:)`` with string keys in encoding order. A ``HubValue`` is passed through as is.
/// Optional properties that are nil are left out, as with `JSONEncoder`.
public struct HubValueEncoder: Sendable {
    /// Contextual information for custom `encode(to:)` implementations.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// Creates an encoder.
    public init() {}

    /// Encodes `value`.
    /// - Throws: `.conversionFailed` when the value's `encode(to:)` fails or encodes nothing.
    public func encode<Value: Encodable>(_ value: Value) throws(HubProtocolError) -> HubValue {
        let node = EncodingNode()
        do {
            try node.encode(value, encoder: EncoderImplementation(node: node, codingPath: [], userInfo: userInfo))
        } catch let error as HubProtocolError {
            throw error
        } catch {
            throw HubProtocolError(code: .conversionFailed, message: "Encoding \(Value.self) failed: \(error)")
        }
        guard let result = node.finish() else {
            throw HubProtocolError(code: .conversionFailed, message: "Encoding \(Value.self) produced no value")
        }
        return result
    }
}

/// A mutable node of the value being encoded: containers hand out child nodes, which are
/// assembled into a ``HubValue`` at the end.
final class EncodingNode {
    enum Content {
        case empty
        case value(HubValue)
        case array([EncodingNode])
        case object(keys: [String], nodes: [EncodingNode], positions: [String: Int])
    }

    var content: Content = .empty

    func finish() -> HubValue? {
        switch content {
        case .empty: return nil
        case .value(let value): return value
        case .array(let nodes): return .array(nodes.map { $0.finish() ?? .map([]) })
        case .object(let keys, let nodes, _):
            var entries: [HubValue.Entry] = []
            entries.reserveCapacity(keys.count)
            for (key, node) in zip(keys, nodes) {
                entries.append(HubValue.Entry(key: .string(key), value: node.finish() ?? .map([])))
            }
            return .map(entries)
        }
    }

    /// Turns this node into an object (keeping existing entries) and returns the child for `key`,
    /// replacing any earlier value for the same key.
    func child(forKey key: String) -> EncodingNode {
        var keys: [String] = []
        var nodes: [EncodingNode] = []
        var positions: [String: Int] = [:]
        if case .object(let existingKeys, let existingNodes, let existingPositions) = content {
            keys = existingKeys
            nodes = existingNodes
            positions = existingPositions
        }
        content = .empty
        let node = EncodingNode()
        if let position = positions[key] {
            nodes[position] = node
        } else {
            positions[key] = keys.count
            keys.append(key)
            nodes.append(node)
        }
        content = .object(keys: keys, nodes: nodes, positions: positions)
        return node
    }

    func makeObject() {
        if case .object = content { return }
        content = .object(keys: [], nodes: [], positions: [:])
    }

    /// Turns this node into an array (keeping existing elements) and appends a new child.
    func appendChild() -> EncodingNode {
        var nodes: [EncodingNode] = []
        if case .array(let existing) = content { nodes = existing }
        content = .empty
        let node = EncodingNode()
        nodes.append(node)
        content = .array(nodes)
        return node
    }

    func makeArray() {
        if case .array = content { return }
        content = .array([])
    }

    var arrayCount: Int {
        if case .array(let nodes) = content { return nodes.count }
        return 0
    }

    /// Stores `value`, with the special cases for ``HubValue``, `Data`, `Date`, `URL` and `Float`.
    func encode<Value: Encodable>(_ value: Value, encoder: @autoclosure () -> EncoderImplementation) throws {
        switch value {
        case let hubValue as HubValue: content = .value(hubValue)
        case let data as Data: content = .value(.binary(Array(data)))
        case let date as Date: content = .value(.string(date.formatted(Self.iso8601)))
        case let url as URL: content = .value(.string(url.absoluteString))
        case let float as Float: content = .value(.double(Double("\(float)") ?? Double(float)))
        default: try value.encode(to: encoder())
        }
    }

    static let iso8601 = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
