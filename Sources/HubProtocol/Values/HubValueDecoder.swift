import Foundation

/// Converts a ``HubValue`` into any `Decodable` type, so hub methods can take typed arguments.
///
/// Numbers convert when the value fits exactly: an integer decodes as any integer type whose range
/// holds it, a double with no fraction decodes as an integer, and any number decodes as `Double`
/// or `Float`. `Data` decodes from binary, a base64 string or an array of bytes; `Date` from an
/// ISO 8601 string or a number of seconds since 1970; `URL` from a string. Map keys may be strings
/// or integers. A ``HubValue`` target receives the value as is.
public struct HubValueDecoder: Sendable {
    /// Contextual information for custom `init(from:)` implementations.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// Creates a decoder.
    public init() {}

    /// Decodes a value of type `type` from `value`.
    /// - Throws: `.conversionFailed` saying where and what did not match, e.g.
    ///   `Expected Int at "items[2].count", found string`.
    public func decode<Value: Decodable>(_ type: Value.Type, from value: HubValue) throws(HubProtocolError) -> Value {
        do {
            return try DecoderImplementation(value: value, codingPath: [], userInfo: userInfo).decodeValue(type)
        } catch let error as HubProtocolError {
            throw error
        } catch let error as DecodingError {
            throw HubProtocolError(code: .conversionFailed, message: Self.describe(error))
        } catch {
            throw HubProtocolError(code: .conversionFailed, message: "Decoding \(Value.self) failed: \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let errorContext), .valueNotFound(_, let errorContext),
            .keyNotFound(_, let errorContext), .dataCorrupted(let errorContext):
            context = errorContext
        @unknown default:
            return "\(error)"
        }
        let path = context.codingPath.reduce(into: "") { text, key in
            if let index = key.intValue, key.stringValue == String(index) {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return path.isEmpty ? context.debugDescription : "\(context.debugDescription) at \"\(path)\""
    }
}

/// The `Decoder` handed to `init(from:)`.
struct DecoderImplementation: Decoder {
    let value: HubValue
    let codingPath: [any CodingKey]
    let userInfoStorage: [CodingUserInfoKey: any Sendable]

    init(value: HubValue, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.value = value
        self.codingPath = codingPath
        self.userInfoStorage = userInfo
    }

    var userInfo: [CodingUserInfoKey: Any] { userInfoStorage }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .map(let entries) = value else {
            throw mismatch("a map", path: codingPath)
        }
        return KeyedDecodingContainer(DecodingKeyedContainer<Key>(decoder: self, entries: entries))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let elements):
            return DecodingUnkeyedContainer(decoder: self, elements: elements)
        case .binary(let bytes):
            return DecodingUnkeyedContainer(decoder: self, elements: bytes.map { .int(Int64($0)) })
        default:
            throw mismatch("an array", path: codingPath)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        DecodingSingleValueContainer(decoder: self)
    }

    func child(_ value: HubValue, key: any CodingKey) -> DecoderImplementation {
        DecoderImplementation(value: value, codingPath: codingPath + [key], userInfo: userInfoStorage)
    }

    func mismatch(_ expected: String, path: [any CodingKey]) -> DecodingError {
        DecodingError.typeMismatch(
            Any.self,
            DecodingError.Context(codingPath: path, debugDescription: "Expected \(expected), found \(value.kindName)")
        )
    }

    /// Decodes `type`, with the special cases for ``HubValue``, `Data`, `Date` and `URL`.
    func decodeValue<Value: Decodable>(_ type: Value.Type) throws -> Value {
        if type == HubValue.self, let result = value as? Value {
            return result
        }
        if type == Data.self, let result = try decodeData() as? Value {
            return result
        }
        if type == Date.self, let result = try decodeDate() as? Value {
            return result
        }
        if type == URL.self {
            guard case .string(let text) = value, let url = URL(string: text) else { throw mismatch("a URL string", path: codingPath) }
            if let result = url as? Value { return result }
        }
        return try Value(from: self)
    }

    private func decodeData() throws -> Data {
        switch value {
        case .binary(let bytes):
            return Data(bytes)
        case .string(let text):
            guard let bytes = Base64.decode(text) else { throw mismatch("base64 text", path: codingPath) }
            return Data(bytes)
        case .array:
            return Data(try [UInt8](from: self))
        default:
            throw mismatch("binary data", path: codingPath)
        }
    }

    private func decodeDate() throws -> Date {
        switch value {
        case .string(let text):
            if let date = try? Date(text, strategy: EncodingNode.iso8601) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
            throw mismatch("an ISO 8601 date", path: codingPath)
        default:
            guard let seconds = value.doubleValue else { throw mismatch("a date", path: codingPath) }
            return Date(timeIntervalSince1970: seconds)
        }
    }
}
