/// `HubValue` is `Codable`, so typed messages can carry untyped parts (`let payload: HubValue`).
///
/// With ``HubValueEncoder`` and ``HubValueDecoder`` the value passes through unchanged. With other
/// coders (for example `JSONEncoder`) it maps to the natural JSON shape; binary values become
/// arrays of bytes and map keys become strings.
extension HubValue: Codable {
    /// Decodes whatever the decoder holds.
    public init(from decoder: any Decoder) throws {
        if let direct = decoder as? DecoderImplementation {
            self = direct.value
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let flag = try? single.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? single.decode(Int64.self) {
            self = .int(number)
        } else if let number = try? single.decode(UInt64.self) {
            self = .uint(number)
        } else if let number = try? single.decode(Double.self) {
            self = .double(number)
        } else if let text = try? single.decode(String.self) {
            self = .string(text)
        } else if let elements = try? single.decode([HubValue].self) {
            self = .array(elements)
        } else if let object = try? decoder.container(keyedBy: AnyStringKey.self) {
            var entries: [Entry] = []
            for key in object.allKeys {
                entries.append(Entry(key: .string(key.stringValue), value: try object.decode(HubValue.self, forKey: key)))
            }
            self = .map(entries)
        } else {
            throw DecodingError.dataCorruptedError(in: single, debugDescription: "The value cannot be represented as a HubValue")
        }
    }

    /// Encodes the value in its natural shape.
    public func encode(to encoder: any Encoder) throws {
        if let direct = encoder as? EncoderImplementation {
            direct.node.content = .value(self)
            return
        }
        switch self {
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .bool(let flag):
            var single = encoder.singleValueContainer()
            try single.encode(flag)
        case .int(let number):
            var single = encoder.singleValueContainer()
            try single.encode(number)
        case .uint(let number):
            var single = encoder.singleValueContainer()
            try single.encode(number)
        case .double(let number):
            var single = encoder.singleValueContainer()
            try single.encode(number)
        case .string(let text):
            var single = encoder.singleValueContainer()
            try single.encode(text)
        case .binary(let bytes):
            var single = encoder.singleValueContainer()
            try single.encode(bytes)
        case .array(let elements):
            var unkeyed = encoder.unkeyedContainer()
            for element in elements { try unkeyed.encode(element) }
        case .map(let entries):
            var keyed = encoder.container(keyedBy: AnyStringKey.self)
            for entry in entries {
                try keyed.encode(entry.value, forKey: AnyStringKey(stringValue: entry.key.keyText))
            }
        }
    }

    /// The text of a value used as a map key: the string, or the JSON-like text of anything else.
    var keyText: String {
        switch self {
        case .string(let text): return text
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        default: return numberText
        }
    }

    /// The decimal text of a number, or the kind name for other values.
    var numberText: String {
        switch self {
        case .int(let number): return String(number)
        case .uint(let number): return String(number)
        case .double(let number): return "\(number)"
        default: return kindName
        }
    }
}

/// A coding key for arbitrary string keys.
struct AnyStringKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = String(intValue) }
}
