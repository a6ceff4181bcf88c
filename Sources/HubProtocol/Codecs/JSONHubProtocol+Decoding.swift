extension JSONHubProtocol {
    /// Decodes one JSON message payload (without the `0x1E`).
    ///
    /// The payload must be one JSON object with an integer `type` from 1 to 9 and the fields of
    /// that type with the right JSON types; `headers` must map strings to strings. A `Completion`
    /// with both `result` and `error`, a repeated known property, or a missing required property is
    /// an `.invalidMessage` error. Unknown properties are ignored. For optional string fields
    /// (`invocationId` of an `Invocation`, `error`) `null` means absent.
    static func decodePayload(_ payload: ArraySlice<UInt8>) throws(HubProtocolError) -> HubMessage {
        guard !payload.isEmpty else { throw HubProtocolError.emptyJSONMessage }
        let fields = try payload.withUnsafeBufferPointer { (buffer) throws(HubProtocolError) -> JSONMessageFields in
            var scanner = JSONScanner(bytes: buffer)
            scanner.skipWhitespace()
            if scanner.peek() == UInt8(ascii: "{") { return try scanner.parseMessageFields() }
            throw HubProtocolError.notAnObject(try scanner.parseDocument())
        }
        return try message(from: fields)
    }

    /// The same decoding the plain way: the whole document as a ``HubValue``, then the fields of
    /// its map (what ``decodePayload(_:)`` did before it scanned the fields directly). Kept as the
    /// reference that the tests and the fuzzer hold ``decodePayload(_:)`` to; not used to serve.
    static func decodePayloadThroughValue(_ payload: [UInt8]) throws(HubProtocolError) -> HubMessage {
        guard !payload.isEmpty else { throw HubProtocolError.emptyJSONMessage }
        let value = try HubValue(json: payload)
        guard case .map(let entries) = value else { throw HubProtocolError.notAnObject(value) }
        return try message(from: JSONMessageFields(entries))
    }

    /// The message the known properties of a JSON hub message describe.
    static func message(from fields: JSONMessageFields) throws(HubProtocolError) -> HubMessage {
        switch try fields.messageType() {
        case .invocation:
            return .invocation(
                InvocationMessage(
                    headers: try fields.headers(),
                    invocationId: try fields.optionalString(fields.invocationId, "invocationId"),
                    target: try fields.requiredString(fields.target, "target"),
                    arguments: try fields.arguments(),
                    streamIds: try fields.streamIds()
                )
            )
        case .streamInvocation:
            return .streamInvocation(
                StreamInvocationMessage(
                    headers: try fields.headers(),
                    invocationId: try fields.requiredString(fields.invocationId, "invocationId"),
                    target: try fields.requiredString(fields.target, "target"),
                    arguments: try fields.arguments(),
                    streamIds: try fields.streamIds()
                )
            )
        case .streamItem:
            guard let item = fields.item else { throw HubProtocolError.missing("item", in: .streamItem) }
            return .streamItem(
                StreamItemMessage(
                    headers: try fields.headers(),
                    invocationId: try fields.requiredString(fields.invocationId, "invocationId"),
                    item: item
                )
            )
        case .completion:
            return .completion(
                CompletionMessage(
                    headers: try fields.headers(),
                    invocationId: try fields.requiredString(fields.invocationId, "invocationId"),
                    outcome: try fields.completionOutcome()
                )
            )
        case .cancelInvocation:
            return .cancelInvocation(
                CancelInvocationMessage(
                    headers: try fields.headers(),
                    invocationId: try fields.requiredString(fields.invocationId, "invocationId")
                )
            )
        case .ping:
            return .ping
        case .close:
            return .close(
                CloseMessage(
                    error: try fields.optionalString(fields.error, "error"),
                    allowReconnect: try fields.allowReconnectFlag()
                )
            )
        case .ack:
            return .ack(AckMessage(sequenceId: try fields.sequenceIdValue(for: .ack)))
        case .sequence:
            return .sequence(SequenceMessage(sequenceId: try fields.sequenceIdValue(for: .sequence)))
        }
    }
}

extension HubProtocolError {
    static func missing(_ field: String, in type: HubMessageType) -> HubProtocolError {
        .invalidMessage("Missing required property '\(field)' in a \(type.displayName) message")
    }

    static let emptyJSONMessage = HubProtocolError.invalidMessage("Empty JSON message: expected a JSON object before the record separator")

    static func notAnObject(_ value: HubValue) -> HubProtocolError {
        .invalidMessage("A JSON hub message must be an object, found \(value.kindName)")
    }

    static func wrongType(_ field: String, expected: String, found value: HubValue) -> HubProtocolError {
        .invalidMessage("Expected '\(field)' to be \(expected), found \(value.kindName)")
    }
}

extension HubMessageType {
    /// The spec's name of the message type (`"Invocation"`, `"StreamItem"`, ...).
    public var displayName: String {
        switch self {
        case .invocation: return "Invocation"
        case .streamItem: return "StreamItem"
        case .completion: return "Completion"
        case .streamInvocation: return "StreamInvocation"
        case .cancelInvocation: return "CancelInvocation"
        case .ping: return "Ping"
        case .close: return "Close"
        case .ack: return "Ack"
        case .sequence: return "Sequence"
        }
    }

    /// The type for a decoded `type` field, or an `.unknownMessageType` error.
    static func decoded(from value: HubValue) throws(HubProtocolError) -> HubMessageType {
        guard case .int(let number) = value else {
            throw HubProtocolError.wrongType("type", expected: "an integer", found: value)
        }
        guard let type = HubMessageType(rawValue: Int(truncatingIfNeeded: number)), Int64(type.rawValue) == number else {
            throw HubProtocolError(code: .unknownMessageType, message: "Unknown message type \(number); expected 1 to 9")
        }
        return type
    }
}
