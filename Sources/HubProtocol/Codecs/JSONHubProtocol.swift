/// The `"json"` hub protocol: each message is a JSON object terminated by `0x1E`, sent in text frames.
///
/// Encoding writes compact JSON with `type` first and leaves out empty optional fields (`headers`,
/// `invocationId` of non-blocking invocations, `streamIds`, `error`, `allowReconnect: false`),
/// as ASP.NET Core does. Decoding is strict (see ``decodeMessage(_:)``) but ignores unknown
/// properties, as the spec asks.
public struct JSONHubProtocol: HubProtocolCodec {
    /// The record separator that ends every JSON message and the handshake.
    public static let recordSeparator: UInt8 = 0x1E

    /// Creates the protocol.
    public init() {}

    /// `"json"`.
    public var name: String { "json" }

    /// ``TransferFormat/text``.
    public var transferFormat: TransferFormat { .text }

    /// Encodes `message` as JSON followed by `0x1E`.
    public func encode(_ message: HubMessage) throws(HubProtocolError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        try encode(message, into: &out)
        return out
    }

    /// Appends `message` as JSON followed by `0x1E`.
    public func encode(_ message: HubMessage, into out: inout [UInt8]) throws(HubProtocolError) {
        try Self.write(message, into: &out)
        out.append(Self.recordSeparator)
    }

    /// Decodes one JSON message payload (without the `0x1E`).
    public func decodeMessage(_ payload: ArraySlice<UInt8>) throws(HubProtocolError) -> HubMessage {
        try Self.decodePayload(payload)
    }

    /// A ``JSONMessageReader``.
    public func makeReader(maxMessageSize: Int) -> any HubMessageReader {
        JSONMessageReader(maxMessageSize: maxMessageSize)
    }

    /// `{"type":1,"target":"…","arguments":<argumentsJSON>}` + `0x1E`: validates `argumentsJSON`
    /// (exactly one JSON array, strict) and splices it in verbatim, without surrounding whitespace.
    public func encodeInvocation(target: String, argumentsJSON: [UInt8]) throws(HubProtocolError) -> [UInt8] {
        try argumentsJSON.withUnsafeBufferPointer { (json) throws(HubProtocolError) -> [UInt8] in
            let arrayRange = try JSONArrayInput.validate(json)
            var out: [UInt8] = []
            out.reserveCapacity(target.utf8.count + arrayRange.count + 40)
            JSONWriter.appendASCII("{\"type\":1,\"target\":", into: &out)
            JSONWriter.writeString(target, into: &out)
            JSONWriter.appendASCII(",\"arguments\":", into: &out)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: json[arrayRange]))
            out.append(UInt8(ascii: "}"))
            out.append(Self.recordSeparator)
            return out
        }
    }

    static func write(_ message: HubMessage, into out: inout [UInt8]) throws(HubProtocolError) {
        JSONWriter.appendASCII("{\"type\":", into: &out)
        JSONWriter.writeInt(Int64(message.type.rawValue), into: &out)
        switch message {
        case .invocation(let invocation):
            writeHeaders(invocation.headers, into: &out)
            if let invocationId = invocation.invocationId {
                writeStringField("invocationId", invocationId, into: &out)
            }
            try writeCall(target: invocation.target, arguments: invocation.arguments, streamIds: invocation.streamIds, into: &out)
        case .streamInvocation(let invocation):
            writeHeaders(invocation.headers, into: &out)
            writeStringField("invocationId", invocation.invocationId, into: &out)
            try writeCall(target: invocation.target, arguments: invocation.arguments, streamIds: invocation.streamIds, into: &out)
        case .streamItem(let item):
            writeHeaders(item.headers, into: &out)
            writeStringField("invocationId", item.invocationId, into: &out)
            JSONWriter.appendASCII(",\"item\":", into: &out)
            try JSONWriter.write(item.item, into: &out)
        case .completion(let completion):
            writeHeaders(completion.headers, into: &out)
            writeStringField("invocationId", completion.invocationId, into: &out)
            switch completion.outcome {
            case .void:
                break
            case .result(let result):
                JSONWriter.appendASCII(",\"result\":", into: &out)
                try JSONWriter.write(result, into: &out)
            case .error(let error):
                writeStringField("error", error, into: &out)
            }
        case .cancelInvocation(let cancel):
            writeHeaders(cancel.headers, into: &out)
            writeStringField("invocationId", cancel.invocationId, into: &out)
        case .ping:
            break
        case .close(let close):
            if let error = close.error {
                writeStringField("error", error, into: &out)
            }
            if close.allowReconnect {
                JSONWriter.appendASCII(",\"allowReconnect\":true", into: &out)
            }
        case .ack(let ack):
            JSONWriter.appendASCII(",\"sequenceId\":", into: &out)
            JSONWriter.writeInt(ack.sequenceId, into: &out)
        case .sequence(let sequence):
            JSONWriter.appendASCII(",\"sequenceId\":", into: &out)
            JSONWriter.writeInt(sequence.sequenceId, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    private static func writeCall(
        target: String,
        arguments: [HubValue],
        streamIds: [String],
        into out: inout [UInt8]
    ) throws(HubProtocolError) {
        writeStringField("target", target, into: &out)
        JSONWriter.appendASCII(",\"arguments\":[", into: &out)
        for (position, argument) in arguments.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            try JSONWriter.write(argument, into: &out)
        }
        out.append(UInt8(ascii: "]"))
        if !streamIds.isEmpty {
            JSONWriter.appendASCII(",\"streamIds\":[", into: &out)
            for (position, streamId) in streamIds.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.writeString(streamId, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    /// Writes `,"name":"value"`.
    private static func writeStringField(_ name: StaticString, _ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        JSONWriter.appendASCII(name, into: &out)
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
        JSONWriter.writeString(value, into: &out)
    }

    /// Writes `,"headers":{…}` with keys in sorted order, or nothing when there are no headers.
    private static func writeHeaders(_ headers: [String: String], into out: inout [UInt8]) {
        guard !headers.isEmpty else { return }
        JSONWriter.appendASCII(",\"headers\":{", into: &out)
        for (position, key) in headers.keys.sorted().enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.writeString(headers[key] ?? "", into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}
