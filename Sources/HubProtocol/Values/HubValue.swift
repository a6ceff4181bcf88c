/// A dynamically typed value: anything JSON or MessagePack can carry.
///
/// Hub invocation arguments, stream items and completion results are `HubValue`s. Decoders keep
/// numbers exact: a JSON or MessagePack integer becomes ``int(_:)`` when it fits in `Int64`, and
/// ``uint(_:)`` only when it is larger than `Int64.max`; every other number is a ``double(_:)``.
/// Writers accept either integer case for any value.
///
/// Use ``HubValueEncoder`` and ``HubValueDecoder`` to convert from and to `Codable` types.
public enum HubValue: Sendable, Hashable {
    /// JSON `null`, MessagePack `nil`.
    case null
    /// A boolean.
    case bool(Bool)
    /// A signed integer.
    case int(Int64)
    /// An unsigned integer; decoders use it only for values above `Int64.max`.
    case uint(UInt64)
    /// A floating point number.
    case double(Double)
    /// A string.
    case string(String)
    /// Raw bytes: MessagePack `bin`; written to JSON as a base64 string, as .NET does.
    case binary([UInt8])
    /// An ordered list of values.
    case array([HubValue])
    /// Ordered key/value pairs. JSON keys are always ``string(_:)`` values; MessagePack allows any key.
    case map([Entry])

    /// One key/value pair of a ``HubValue/map(_:)``.
    public struct Entry: Sendable, Hashable {
        /// The key.
        public var key: HubValue
        /// The value.
        public var value: HubValue

        /// Creates a pair.
        public init(key: HubValue, value: HubValue) {
            self.key = key
            self.value = value
        }
    }
}

extension HubValue {
    /// Creates a map from string keys, keeping their order.
    public static func object(_ pairs: KeyValuePairs<String, HubValue>) -> HubValue {
        .map(pairs.map { Entry(key: .string($0.key), value: $0.value) })
    }

    /// The value for the first entry whose key is the string `key`, if this is a map.
    public subscript(key: String) -> HubValue? {
        guard case .map(let entries) = self else { return nil }
        for entry in entries {
            if case .string(let candidate) = entry.key, candidate == key {
                return entry.value
            }
        }
        return nil
    }

    /// The string, if this is a ``string(_:)``.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The boolean, if this is a ``bool(_:)``.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number as `Int64`, if this is an integer that fits.
    public var int64Value: Int64? {
        switch self {
        case .int(let value): return value
        case .uint(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// The number as `Double`, if this is any number.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .uint(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The elements, if this is an ``array(_:)``.
    public var arrayValue: [HubValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// Whether this is ``null``.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short name of the kind of value, for error messages (`"string"`, `"array"`, ...).
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .uint: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .binary: return "binary"
        case .array: return "array"
        case .map: return "map"
        }
    }
}

extension HubValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// `nil` is ``null``.
    public init(nilLiteral: ()) {
        self = .null
    }

    /// A boolean literal.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }

    /// An integer literal is ``int(_:)``.
    public init(integerLiteral value: Int64) {
        self = .int(value)
    }

    /// A float literal is ``double(_:)``.
    public init(floatLiteral value: Double) {
        self = .double(value)
    }

    /// A string literal.
    public init(stringLiteral value: String) {
        self = .string(value)
    }

    /// An array literal.
    public init(arrayLiteral elements: HubValue...) {
        self = .array(elements)
    }

    /// A dictionary literal with string keys is a ``map(_:)`` in literal order.
    public init(dictionaryLiteral elements: (String, HubValue)...) {
        self = .map(elements.map { Entry(key: .string($0.0), value: $0.1) })
    }
}
