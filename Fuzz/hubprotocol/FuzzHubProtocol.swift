// libFuzzer entry for the SignalR protocol parsers: JSON and MessagePack hub protocols, their values,
// and the handshake. The first input byte picks the parser; the rest is the input. Built by
// scripts/fuzz.sh together with Sources/HubProtocol (one module), with -sanitize=fuzzer,address.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 5 {
    case 0:
        roundTrip(JSONHubProtocol(), input)
        jsonFieldsAgree(input)
    case 1: roundTrip(MessagePackHubProtocol(), input)
    case 2: _ = try? HubValue(json: input)
    case 3: _ = try? HubValue(messagePack: input)
    default: handshake(input)
    }
    return 0
}

/// Decodes framed messages; whatever decodes must encode and decode again to the same messages.
func roundTrip(_ codec: some HubProtocolCodec, _ input: [UInt8]) {
    do {
        let messages = try codec.decodeMessages(input, maxMessageSize: 1 << 16)
        for message in messages {
            let bytes: [UInt8]
            do {
                bytes = try codec.encode(message)
            } catch {
                // Documented: JSON numbers beyond a double parse as ±infinity (as in JavaScript) and
                // cannot be written back as JSON. Found by this fuzzer; the input is a seed now.
                if error.code == .unsupportedValue { continue }
                fatalError("\(codec.name): a decoded message does not encode (\(error)): \(message)")
            }
            guard let again = try? codec.decodeMessages(bytes, maxMessageSize: 1 << 20) else {
                fatalError("\(codec.name): re-encoded bytes do not decode: \(message)")
            }
            precondition(again.count == 1, "\(codec.name): re-encoding produced \(again.count) messages")
        }
    } catch {
        precondition(!error.message.isEmpty, "an error without a message")
    }
}

/// A JSON payload decodes (or fails) the same way straight into its fields as through a full
/// `HubValue` of the document (the path the decoder took before it scanned fields directly).
func jsonFieldsAgree(_ input: [UInt8]) {
    func outcome(_ decode: () throws(HubProtocolError) -> HubMessage) -> Result<HubMessage, HubProtocolError> {
        do throws(HubProtocolError) { return .success(try decode()) } catch { return .failure(error) }
    }
    let direct = outcome { () throws(HubProtocolError) in try JSONHubProtocol.decodePayload(input[...]) }
    let plain = outcome { () throws(HubProtocolError) in try JSONHubProtocol.decodePayloadThroughValue(input) }
    precondition(direct == plain, "JSON field scan disagrees: \(direct) vs \(plain)")
}

/// Feeds the handshake in two reads split at a point taken from the input.
func handshake(_ input: [UInt8]) {
    var reader = HandshakeReader(maxSize: 4096)
    let split = input.isEmpty ? 0 : Int(input[0]) % input.count
    do {
        if case .needMoreData = try reader.read(input[..<split]) {
            _ = try reader.read(input[split...])
        }
    } catch {
        precondition(!error.message.isEmpty, "an error without a message")
    }
}
