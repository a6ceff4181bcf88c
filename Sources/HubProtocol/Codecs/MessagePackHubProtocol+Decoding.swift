extension MessagePackHubProtocol {
    /// Decodes one MessagePack message payload (without the length prefix).
    ///
    /// The payload must be exactly one array whose first item is the integer message type, with
    /// the items of that type (see ``MessagePackHubProtocol``); extra trailing items are ignored,
    /// `StreamIds` of invocations and `AllowReconnect` of Close are optional.
    static func decodePayload(_ payload: ArraySlice<UInt8>) throws(HubProtocolError) -> HubMessage {
        guard !payload.isEmpty else {
            throw HubProtocolError.invalidMessage("Empty MessagePack message: expected an array")
        }
        let value = try payload.withUnsafeBufferPointer { (buffer) throws(HubProtocolError) -> HubValue in
            var reader = MessagePackReader(bytes: buffer)
            let value = try reader.readValue()
            guard reader.remaining == 0 else {
                throw HubProtocolError.invalidMessagePack("Unexpected \(reader.remaining) bytes after the message array", at: reader.index)
            }
            return value
        }
        guard case .array(let items) = value, let first = items.first else {
            throw HubProtocolError.invalidMessage("A MessagePack hub message must be a non-empty array, found \(value.kindName)")
        }
        let type = try HubMessageType.decoded(from: first)
        let fields = MessagePackFields(items: items, type: type)
        switch type {
        case .invocation, .streamInvocation:
            try fields.requireCount(5)
            let headers = try fields.headers(at: 1)
            let target = try fields.string(at: 3, "target")
            let arguments = try fields.array(at: 4, "arguments")
            let streamIds = items.count > 5 ? try JSONMessageFields.decodeStreamIds(items[5]) : []
            if type == .invocation {
                let invocationId = try fields.optionalString(at: 2, "invocationId")
                return .invocation(
                    InvocationMessage(headers: headers, invocationId: invocationId, target: target, arguments: arguments, streamIds: streamIds)
                )
            }
            let invocationId = try fields.string(at: 2, "invocationId")
            return .streamInvocation(
                StreamInvocationMessage(headers: headers, invocationId: invocationId, target: target, arguments: arguments, streamIds: streamIds)
            )
        case .streamItem:
            try fields.requireCount(4)
            return .streamItem(
                StreamItemMessage(headers: try fields.headers(at: 1), invocationId: try fields.string(at: 2, "invocationId"), item: items[3])
            )
        case .completion:
            try fields.requireCount(4)
            return .completion(
                CompletionMessage(
                    headers: try fields.headers(at: 1),
                    invocationId: try fields.string(at: 2, "invocationId"),
                    outcome: try fields.completionOutcome()
                )
            )
        case .cancelInvocation:
            try fields.requireCount(3)
            return .cancelInvocation(
                CancelInvocationMessage(headers: try fields.headers(at: 1), invocationId: try fields.string(at: 2, "invocationId"))
            )
        case .ping:
            return .ping
        case .close:
            try fields.requireCount(2)
            let error = try fields.optionalString(at: 1, "error")
            var allowReconnect = false
            if items.count > 2 {
                guard case .bool(let flag) = items[2] else {
                    throw HubProtocolError.wrongType("allowReconnect", expected: "a boolean", found: items[2])
                }
                allowReconnect = flag
            }
            return .close(CloseMessage(error: error, allowReconnect: allowReconnect))
        case .ack:
            try fields.requireCount(2)
            return .ack(AckMessage(sequenceId: try JSONMessageFields.decodeSequenceId(items[1])))
        case .sequence:
            try fields.requireCount(2)
            return .sequence(SequenceMessage(sequenceId: try JSONMessageFields.decodeSequenceId(items[1])))
        }
    }
}

/// Positional access to the items of a MessagePack hub message array.
private struct MessagePackFields {
    let items: [HubValue]
    let type: HubMessageType

    func requireCount(_ minimum: Int) throws(HubProtocolError) {
        guard items.count >= minimum else {
            throw HubProtocolError.invalidMessage(
                "A MessagePack \(type.displayName) message needs at least \(minimum) items, found \(items.count)"
            )
        }
    }

    func headers(at position: Int) throws(HubProtocolError) -> [String: String] {
        try JSONMessageFields.decodeHeaders(items[position])
    }

    func string(at position: Int, _ name: String) throws(HubProtocolError) -> String {
        guard case .string(let text) = items[position] else {
            throw HubProtocolError.wrongType(name, expected: "a string", found: items[position])
        }
        return text
    }

    func optionalString(at position: Int, _ name: String) throws(HubProtocolError) -> String? {
        if items[position].isNull { return nil }
        return try string(at: position, name)
    }

    func array(at position: Int, _ name: String) throws(HubProtocolError) -> [HubValue] {
        guard case .array(let elements) = items[position] else {
            throw HubProtocolError.wrongType(name, expected: "an array", found: items[position])
        }
        return elements
    }

    /// `ResultKind` at 3 and the optional `Result` at 4.
    func completionOutcome() throws(HubProtocolError) -> CompletionMessage.Outcome {
        guard case .int(let kind) = items[3] else {
            throw HubProtocolError.wrongType("resultKind", expected: "an integer", found: items[3])
        }
        switch kind {
        case 1:
            try requireCount(5)
            return .error(try string(at: 4, "error"))
        case 2:
            return .void
        case 3:
            try requireCount(5)
            return .result(items[4])
        default:
            throw HubProtocolError.invalidMessage("Invalid Completion result kind \(kind); expected 1 (error), 2 (void) or 3 (result)")
        }
    }
}
