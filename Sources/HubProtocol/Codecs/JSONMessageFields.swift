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

    init(_ entries: [HubValue.Entry]) throws(HubProtocolError) {
        for entry in entries {
            guard case .string(let key) = entry.key else { continue }
            switch key {
            case "type": try Self.set(&type, entry.value, key)
            case "headers": try Self.set(&headersValue, entry.value, key)
            case "invocationId": try Self.set(&invocationId, entry.value, key)
            case "target": try Self.set(&target, entry.value, key)
            case "arguments": try Self.set(&argumentsValue, entry.value, key)
            case "streamIds": try Self.set(&streamIdsValue, entry.value, key)
            case "item": try Self.set(&item, entry.value, key)
            case "result": try Self.set(&result, entry.value, key)
            case "error": try Self.set(&error, entry.value, key)
            case "allowReconnect": try Self.set(&allowReconnect, entry.value, key)
            case "sequenceId": try Self.set(&sequenceId, entry.value, key)
            default: continue
            }
        }
    }

    private static func set(_ slot: inout HubValue?, _ value: HubValue, _ key: String) throws(HubProtocolError) {
        guard slot == nil else { throw HubProtocolError.invalidMessage("Duplicate property '\(key)'") }
        slot = value
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
