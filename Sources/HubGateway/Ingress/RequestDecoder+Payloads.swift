import HubProtocol

extension RequestDecoder {
    /// Scans a `payloads` object: keys `json` and `messagepack`, values standard base64 of framed
    /// messages. Problems are recorded; only syntax errors throw.
    mutating func readPayloads(_ reader: inout JSONReader, _ next: UInt8, depth: Int) throws(JSONSyntaxError) -> RequestFields.PayloadMap {
        guard next == UInt8(ascii: "{") else {
            try reader.skipValue(depth: depth)
            return .other(JSONReader.typeName(next))
        }
        var json: [UInt8]?
        var messagepack: [UInt8]?
        var problem: String?
        if try reader.open(next, depth: depth + 1) { return .object(json: nil, messagepack: nil, problem: nil) }
        repeat {
            let key = try reader.readKey()
            let byte = try reader.peekToken(expecting: "a base64 string")
            let isJSON = !key.hasEscapes && reader.rawEquals(key, "json") || key.hasEscapes && reader.decode(key) == "json"
            let isMessagePack = !isJSON && (reader.rawEquals(key, "messagepack") || key.hasEscapes && reader.decode(key) == "messagepack")
            guard byte == UInt8(ascii: "\"") else {
                try reader.skipValue(depth: depth + 1)
                if problem == nil { problem = "payload values must be base64 strings, not \(JSONReader.typeName(byte))" }
                continue
            }
            let token = try reader.scanString()
            guard problem == nil else { continue }
            guard isJSON || isMessagePack else {
                problem = "unknown payload protocol \"\(reader.decode(key))\"; v1 knows \"json\" and \"messagepack\""
                continue
            }
            let name = isJSON ? "json" : "messagepack"
            if isJSON ? json != nil : messagepack != nil {
                problem = "payload \"\(name)\" appears twice; send each protocol once"
                continue
            }
            scratch.removeAll(keepingCapacity: true)
            reader.unescape(token, into: &scratch)
            guard let bytes = Base64.decode(scratch) else {
                problem = "payload \"\(name)\" is not standard base64 with padding (RFC 4648 section 4)"
                continue
            }
            if let framing = isJSON ? Self.checkJSONFraming(bytes) : Self.checkMessagePackFraming(bytes) {
                problem = framing
            } else if isJSON {
                json = bytes
            } else {
                messagepack = bytes
            }
        } while try reader.next(closer: UInt8(ascii: "}"))
        return .object(json: json, messagepack: messagepack, problem: problem)
    }

    /// `nil` if `bytes` are non-empty JSON hub messages ending with the record separator.
    static func checkJSONFraming(_ bytes: [UInt8]) -> String? {
        guard let last = bytes.last else { return "payload \"json\" is empty; give the framed messages a client receives" }
        guard last == JSONHubProtocol.recordSeparator else {
            return "payload \"json\" must end with the record separator 0x1E (each SignalR JSON message ends with it)"
        }
        return nil
    }

    /// `nil` if `bytes` are a non-empty sequence of (VarInt length, that many bytes) covering them exactly.
    static func checkMessagePackFraming(_ bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty else { return "payload \"messagepack\" is empty; give the framed messages a client receives" }
        var position = 0
        while position < bytes.count {
            guard let prefix = try? VarInt.read(bytes, at: position) else {
                return "payload \"messagepack\" has a broken VarInt length prefix at byte \(position)"
            }
            guard prefix.value > 0, position + prefix.length + prefix.value <= bytes.count else {
                return "payload \"messagepack\": the length prefix at byte \(position) does not match the bytes that follow; "
                    + "each message is VarInt(length) + that many bytes"
            }
            position += prefix.length + prefix.value
        }
        return nil
    }
}

/// Standard base64 with padding (RFC 4648 section 4), decoding only.
enum Base64 {
    /// The decoded bytes, or `nil` if `text` is not valid padded base64.
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var index = 0
        while index < text.count {
            var chunk: UInt32 = 0
            var padding = 0
            for offset in 0..<4 {
                let byte = text[index + offset]
                if byte == UInt8(ascii: "=") && index + 4 == text.count && offset >= 2 {
                    padding += 1
                    chunk <<= 6
                    continue
                }
                guard padding == 0, let value = sextet(byte) else { return nil }
                chunk = chunk << 6 | UInt32(value)
            }
            out.append(UInt8(chunk >> 16 & 0xFF))
            if padding < 2 { out.append(UInt8(chunk >> 8 & 0xFF)) }
            if padding < 1 { out.append(UInt8(chunk & 0xFF)) }
            index += 4
        }
        return out
    }

    @inline(__always)
    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
