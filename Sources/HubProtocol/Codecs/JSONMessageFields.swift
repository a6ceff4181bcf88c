/// The known properties of a JSON hub message, picked out of the object in one pass.
///
/// A known property that appears twice is an error (two parsers could otherwise disagree on
/// which one counts); unknown properties are ignored.
struct JSONMessageFields {
    private(set) var type: HubValue?
    private(set) var headersValue: HubValue?
    private(set) var invocationId: HubValue?
    private(set) var target: HubValue?
    private(set) var argumentsValue: HubValue?
    private(set) var streamIdsValue: HubValue?
    private(set) var item: HubValue?
    private(set) var result: HubValue?
    private(set) var error: HubValue?
    private(set) var allowReconnect: HubValue?
    private(set) var sequenceId: HubValue?

    /// The known property names.
    enum Name: String, CaseIterable {
        case type, headers, invocationId, target, arguments, streamIds, item, result, error, allowReconnect, sequenceId

        /// Each name's UTF-8 bytes packed little-endian into two words (names are at most 16 bytes).
        private static let packed: [(low: UInt64, high: UInt64, name: Name)] = allCases.map { name in
            let (low, high) = Array(name.rawValue.utf8).withUnsafeBufferPointer { pack($0) }
            return (low, high, name)
        }

        /// `bytes` (at most 16) as two little-endian words, zero-padded.
        private static func pack(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
            var words: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
            return (UInt64(littleEndian: words.0), UInt64(littleEndian: words.1))
        }

        /// The known name spelled by `bytes` (a property name without escapes), if any: compared
        /// as two words, without making a `String` of it. The zero padding cannot make two names
        /// equal: a name without escapes holds no 0 byte (the scanner refuses control characters).
        static func matching(_ bytes: UnsafeBufferPointer<UInt8>) -> Name? {
            guard bytes.count >= 4 && bytes.count <= 16 else { return nil }
            let (low, high) = pack(bytes)
            for candidate in packed where candidate.low == low && candidate.high == high { return candidate.name }
            return nil
        }
    }

    /// No property yet; ``set(_:_:)`` adds them.
    init() {}

    /// The fields of an already parsed object (for
    /// ``JSONHubProtocol/decodePayloadThroughValue(_:)``, the reference path).
    init(_ entries: [HubValue.Entry]) throws(HubProtocolError) {
        for entry in entries {
            guard case .string(let key) = entry.key, let name = Name(rawValue: key) else { continue }
            guard set(name, entry.value) else { throw Self.duplicate(name) }
        }
    }

    /// Records a known property; `false` (and nothing changed) if it was already there.
    mutating func set(_ name: Name, _ value: HubValue) -> Bool {
        switch name {
        case .type: return Self.set(&type, value)
        case .headers: return Self.set(&headersValue, value)
        case .invocationId: return Self.set(&invocationId, value)
        case .target: return Self.set(&target, value)
        case .arguments: return Self.set(&argumentsValue, value)
        case .streamIds: return Self.set(&streamIdsValue, value)
        case .item: return Self.set(&item, value)
        case .result: return Self.set(&result, value)
        case .error: return Self.set(&error, value)
        case .allowReconnect: return Self.set(&allowReconnect, value)
        case .sequenceId: return Self.set(&sequenceId, value)
        }
    }

    private static func set(_ slot: inout HubValue?, _ value: HubValue) -> Bool {
        guard slot == nil else { return false }
        slot = value
        return true
    }

    static func duplicate(_ name: Name) -> HubProtocolError {
        HubProtocolError.invalidMessage("Duplicate property '\(name.rawValue)'")
    }

    func messageType() throws(HubProtocolError) -> HubMessageType {
        guard let type else { throw HubProtocolError.invalidMessage("Missing required property 'type'") }
        return try HubMessageType.decoded(from: type)
    }

    func requiredString(_ value: HubValue?, _ name: String) throws(HubProtocolError) -> String {
        guard let value else { throw HubProtocolError.invalidMessage("Missing required property '\(name)'") }
        guard case .string(let text) = value else { throw HubProtocolError.wrongType(name, expected: "a string", found: value) }
        return text
    }

    func optionalString(_ value: HubValue?, _ name: String) throws(HubProtocolError) -> String? {
        guard let value, !value.isNull else { return nil }
        guard case .string(let text) = value else { throw HubProtocolError.wrongType(name, expected: "a string", found: value) }
        return text
    }

    func headers() throws(HubProtocolError) -> [String: String] {
        guard let headersValue, !headersValue.isNull else { return [:] }
        return try Self.decodeHeaders(headersValue)
    }

    /// A map of string keys to string values.
    static func decodeHeaders(_ value: HubValue) throws(HubProtocolError) -> [String: String] {
        guard case .map(let entries) = value else {
            throw HubProtocolError.wrongType("headers", expected: "a map of strings", found: value)
        }
        var headers: [String: String] = [:]
        headers.reserveCapacity(entries.count)
        for entry in entries {
            guard case .string(let key) = entry.key, case .string(let text) = entry.value else {
                throw HubProtocolError.invalidMessage("Every header must have a string key and a string value")
            }
            headers[key] = text
        }
        return headers
    }

    func arguments() throws(HubProtocolError) -> [HubValue] {
        guard let argumentsValue else { throw HubProtocolError.invalidMessage("Missing required property 'arguments'") }
        guard case .array(let arguments) = argumentsValue else {
            throw HubProtocolError.wrongType("arguments", expected: "an array", found: argumentsValue)
        }
        return arguments
    }

    func streamIds() throws(HubProtocolError) -> [String] {
        guard let streamIdsValue, !streamIdsValue.isNull else { return [] }
        return try Self.decodeStreamIds(streamIdsValue)
    }

    /// An array of strings.
    static func decodeStreamIds(_ value: HubValue) throws(HubProtocolError) -> [String] {
        guard case .array(let elements) = value else {
            throw HubProtocolError.wrongType("streamIds", expected: "an array of strings", found: value)
        }
        var streamIds: [String] = []
        streamIds.reserveCapacity(elements.count)
        for element in elements {
            guard case .string(let streamId) = element else {
                throw HubProtocolError.wrongType("streamIds", expected: "an array of strings", found: element)
            }
            streamIds.append(streamId)
        }
        return streamIds
    }

    func completionOutcome() throws(HubProtocolError) -> CompletionMessage.Outcome {
        let errorText = try optionalString(error, "error")
        switch (errorText, result) {
        case (.some, .some):
            throw HubProtocolError.invalidMessage("A Completion message must not have both 'result' and 'error'")
        case (.some(let errorText), .none):
            return .error(errorText)
        case (.none, .some(let result)):
            return .result(result)
        case (.none, .none):
            return .void
        }
    }

    func allowReconnectFlag() throws(HubProtocolError) -> Bool {
        guard let allowReconnect, !allowReconnect.isNull else { return false }
        guard case .bool(let flag) = allowReconnect else {
            throw HubProtocolError.wrongType("allowReconnect", expected: "a boolean", found: allowReconnect)
        }
        return flag
    }

    func sequenceIdValue(for type: HubMessageType) throws(HubProtocolError) -> Int64 {
        guard let sequenceId else { throw HubProtocolError.missing("sequenceId", in: type) }
        return try Self.decodeSequenceId(sequenceId)
    }

    /// A non-negative integer.
    static func decodeSequenceId(_ value: HubValue) throws(HubProtocolError) -> Int64 {
        guard case .int(let number) = value, number >= 0 else {
            throw HubProtocolError.wrongType("sequenceId", expected: "a non-negative 64-bit integer", found: value)
        }
        return number
    }
}

extension JSONScanner {
    /// Parses one JSON document that starts with `{` straight into the hub message's known
    /// properties: no map of the whole object, and no `String` for a property name without escapes.
    ///
    /// Accepts and refuses exactly what ``parseDocument()`` followed by
    /// ``JSONMessageFields/init(_:)`` does, with the same errors: the whole document is checked first
    /// (unknown properties' values included), then a repeated known property is reported.
    mutating func parseMessageFields() throws(HubProtocolError) -> JSONMessageFields {
        skipWhitespace()
        precondition(peek() == UInt8(ascii: "{"), "parseMessageFields needs an object")
        var fields = JSONMessageFields()
        var duplicate: JSONMessageFields.Name?
        let bytes = self.bytes
        try parseMembers(depth: 1) { key, value in
            let name =
                key.hasEscapes
                ? JSONMessageFields.Name(rawValue: Self.text(of: key, in: bytes))
                : JSONMessageFields.Name.matching(UnsafeBufferPointer(rebasing: bytes[key.range]))
            if let name, !fields.set(name, value), duplicate == nil { duplicate = name }
        }
        try expectEnd()
        if let duplicate { throw JSONMessageFields.duplicate(duplicate) }
        return fields
    }
}
