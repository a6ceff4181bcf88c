/// The `"messagepack"` hub protocol: each message is a MessagePack array preceded by its VarInt
/// length, sent in binary frames.
///
/// Layouts written (the ones ASP.NET Core writes):
/// - Invocation `[1, Headers, InvocationId|nil, Target, [Arguments], [StreamIds]]`
/// - StreamItem `[2, Headers, InvocationId, Item]`
/// - Completion `[3, Headers, InvocationId, ResultKind, Result?]` (kind 1 error, 2 void, 3 value)
/// - StreamInvocation `[4, Headers, InvocationId, Target, [Arguments], [StreamIds]]`
/// - CancelInvocation `[5, Headers, InvocationId]`, Ping `[6]`, Close `[7, Error|nil, AllowReconnect]`,
///   Ack `[8, SequenceId]`, Sequence `[9, SequenceId]`.
public struct MessagePackHubProtocol: HubProtocolCodec {
    /// Creates the protocol.
    public init() {}

    /// `"messagepack"`.
    public var name: String { "messagepack" }

    /// ``TransferFormat/binary``.
    public var transferFormat: TransferFormat { .binary }

    /// Encodes `message` as a length-prefixed MessagePack array.
    public func encode(_ message: HubMessage) throws(HubProtocolError) -> [UInt8] {
        try VarInt.framed(capacity: 64) { (out) throws(HubProtocolError) in
            Self.write(message, into: &out)
        }
    }

    /// Decodes one MessagePack message payload (without the length prefix).
    public func decodeMessage(_ payload: ArraySlice<UInt8>) throws(HubProtocolError) -> HubMessage {
        try Self.decodePayload(payload)
    }

    /// A ``MessagePackMessageReader``.
    public func makeReader(maxMessageSize: Int) -> any HubMessageReader {
        MessagePackMessageReader(maxMessageSize: maxMessageSize)
    }

    /// `[1, {}, nil, target, arguments, []]` with its length prefix, the arguments transcoded
    /// straight from the JSON array text `argumentsJSON` (integers stay integers, other numbers
    /// become float64).
    public func encodeInvocation(target: String, argumentsJSON: [UInt8]) throws(HubProtocolError) -> [UInt8] {
        try VarInt.framed(capacity: target.utf8.count + argumentsJSON.count + 8) { (out) throws(HubProtocolError) in
            out.append(0x96)
            out.append(0x01)
            out.append(0x80)
            out.append(0xC0)
            MessagePackWriter.writeString(target, into: &out)
            try argumentsJSON.withUnsafeBufferPointer { (json) throws(HubProtocolError) in
                try JSONArrayInput.transcode(json, into: &out)
            }
            out.append(0x90)
        }
    }

    static func write(_ message: HubMessage, into out: inout [UInt8]) {
        switch message {
        case .invocation(let invocation):
            out.append(0x96)
            out.append(0x01)
            writeHeaders(invocation.headers, into: &out)
            if let invocationId = invocation.invocationId {
                MessagePackWriter.writeString(invocationId, into: &out)
            } else {
                MessagePackWriter.writeNil(into: &out)
            }
            writeCall(target: invocation.target, arguments: invocation.arguments, streamIds: invocation.streamIds, into: &out)
        case .streamInvocation(let invocation):
            out.append(0x96)
            out.append(0x04)
            writeHeaders(invocation.headers, into: &out)
            MessagePackWriter.writeString(invocation.invocationId, into: &out)
            writeCall(target: invocation.target, arguments: invocation.arguments, streamIds: invocation.streamIds, into: &out)
        case .streamItem(let item):
            out.append(0x94)
            out.append(0x02)
            writeHeaders(item.headers, into: &out)
            MessagePackWriter.writeString(item.invocationId, into: &out)
            MessagePackWriter.write(item.item, into: &out)
        case .completion(let completion):
            writeCompletion(completion, into: &out)
        case .cancelInvocation(let cancel):
            out.append(0x93)
            out.append(0x05)
            writeHeaders(cancel.headers, into: &out)
            MessagePackWriter.writeString(cancel.invocationId, into: &out)
        case .ping:
            out.append(0x91)
            out.append(0x06)
        case .close(let close):
            out.append(0x93)
            out.append(0x07)
            if let error = close.error {
                MessagePackWriter.writeString(error, into: &out)
            } else {
                MessagePackWriter.writeNil(into: &out)
            }
            MessagePackWriter.writeBool(close.allowReconnect, into: &out)
        case .ack(let ack):
            out.append(0x92)
            out.append(0x08)
            MessagePackWriter.writeInt(ack.sequenceId, into: &out)
        case .sequence(let sequence):
            out.append(0x92)
            out.append(0x09)
            MessagePackWriter.writeInt(sequence.sequenceId, into: &out)
        }
    }

    private static func writeCompletion(_ completion: CompletionMessage, into out: inout [UInt8]) {
        let hasPayload: Bool
        if case .void = completion.outcome { hasPayload = false } else { hasPayload = true }
        out.append(hasPayload ? 0x95 : 0x94)
        out.append(0x03)
        writeHeaders(completion.headers, into: &out)
        MessagePackWriter.writeString(completion.invocationId, into: &out)
        switch completion.outcome {
        case .error(let error):
            out.append(0x01)
            MessagePackWriter.writeString(error, into: &out)
        case .void:
            out.append(0x02)
        case .result(let result):
            out.append(0x03)
            MessagePackWriter.write(result, into: &out)
        }
    }

    private static func writeCall(target: String, arguments: [HubValue], streamIds: [String], into out: inout [UInt8]) {
        MessagePackWriter.writeString(target, into: &out)
        MessagePackWriter.writeArrayHeader(arguments.count, into: &out)
        for argument in arguments {
            MessagePackWriter.write(argument, into: &out)
        }
        MessagePackWriter.writeArrayHeader(streamIds.count, into: &out)
        for streamId in streamIds {
            MessagePackWriter.writeString(streamId, into: &out)
        }
    }

    /// Writes the headers map, keys in sorted order.
    private static func writeHeaders(_ headers: [String: String], into out: inout [UInt8]) {
        MessagePackWriter.writeMapHeader(headers.count, into: &out)
        guard !headers.isEmpty else { return }
        for key in headers.keys.sorted() {
            MessagePackWriter.writeString(key, into: &out)
            MessagePackWriter.writeString(headers[key] ?? "", into: &out)
        }
    }
}
