import HubMesh
import HubProtocol

/// Builds the framed SignalR Invocation (type 1, no invocation id) for every hub protocol, from a
/// method name and the transcoded `arguments` (section 7).
enum InvocationPayloads {
    /// `json`: `{"type":1,"target":<method>,"arguments":<arguments>}` + `0x1E`;
    /// `messagepack`: `VarInt(length)` + `[1, {}, nil, <method>, [<arguments>…], []]`.
    static func make(method: String, _ transcoder: ArgumentsTranscoder) -> Payloads {
        var method = method
        return method.withUTF8 { name in
            let name = UnsafeRawBufferPointer(name)
            return Payloads(entries: [
                Payloads.Entry(name: "json", bytes: json(method: name, arguments: transcoder.json)),
                Payloads.Entry(name: "messagepack", bytes: messagePack(method: name, arguments: transcoder.msgpack)),
            ])
        }
    }

    static func json(method: UnsafeRawBufferPointer, arguments: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(method.count + arguments.count + 40)
        ArgumentsTranscoder.appendASCII(#"{"type":1,"target":"#, into: &out)
        JSONStringWriter.write(method, into: &out)
        ArgumentsTranscoder.appendASCII(#","arguments":"#, into: &out)
        out.append(contentsOf: arguments)
        out.append(UInt8(ascii: "}"))
        out.append(JSONHubProtocol.recordSeparator)
        return out
    }

    static func messagePack(method: UnsafeRawBufferPointer, arguments: [UInt8]) -> [UInt8] {
        let length = 4 + MessagePackOutput.stringHeaderSize(method.count) + method.count + arguments.count + 1
        var out: [UInt8] = []
        out.reserveCapacity(VarInt.encodedLength(of: length) + length)
        VarInt.write(length, into: &out)
        out.append(0x96)  // array of 6
        out.append(0x01)  // type: Invocation
        out.append(0x80)  // headers: {}
        out.append(0xC0)  // invocation id: nil
        MessagePackOutput.writeString(method, into: &out)
        out.append(contentsOf: arguments)
        out.append(0x90)  // stream ids: []
        return out
    }
}
