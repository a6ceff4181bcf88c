/// What one request object (a single request, a batch object or a batch item) contained, recorded
/// while it was scanned. Validation (``RequestDecoder``) reads it afterwards, in protocol order.
struct RequestFields {
    /// The fields the protocol knows.
    enum Field: UInt16, CaseIterable {
        case v, id, kind, hub, group, user, connection, method, arguments, payloads, exclude, key, batch

        var bit: UInt16 { 1 << rawValue }

        var name: String {
            switch self {
            case .v: return "v"
            case .id: return "id"
            case .kind: return "kind"
            case .hub: return "hub"
            case .group: return "group"
            case .user: return "user"
            case .connection: return "connection"
            case .method: return "method"
            case .arguments: return "arguments"
            case .payloads: return "payloads"
            case .exclude: return "exclude"
            case .key: return "key"
            case .batch: return "batch"
            }
        }
    }

    /// A field that should hold a string.
    enum Text: Equatable {
        case absent
        case string(String)
        /// Present with another JSON type (its name, e.g. "a number").
        case other(String)
    }

    /// The `v` field.
    enum Version: Equatable {
        case absent
        case one
        /// Present but not the integer 1 (its JSON text, or its type).
        case other(String)
    }

    /// The `arguments` field; the transcoded bytes stay in the decoder's ``ArgumentsTranscoder``.
    enum Arguments: Equatable {
        case absent
        case array(problem: String?)
        case other(String)
    }

    /// The `payloads` field, base64 already decoded and framing checked.
    enum PayloadMap: Equatable {
        case absent
        case object(json: [UInt8]?, messagepack: [UInt8]?, problem: String?)
        case other(String)
    }

    /// The `exclude` field.
    enum Exclude: Equatable {
        case absent
        case array([String], problem: String?)
        case other(String)
    }

    /// The `batch` field.
    enum Batch: Equatable {
        case absent
        case array(items: [Result<IngressRequest, IngressError>], count: Int)
        case other(String)
    }

    /// Fields present, one bit per ``Field``.
    var seen: UInt16 = 0
    /// The first field that appeared twice.
    var duplicate: String?
    /// The first field the protocol does not know.
    var unknown: String?

    var version = Version.absent
    var id = Text.absent
    var kind = Text.absent
    /// The kind, when its raw bytes named one of the four kinds (the fast path; `kind` is then absent).
    var knownKind: IngressRequest.Kind?
    var hub = Text.absent
    var group = Text.absent
    var user = Text.absent
    var connection = Text.absent
    var method = Text.absent
    var key = Text.absent
    var arguments = Arguments.absent
    var payloads = PayloadMap.absent
    var exclude = Exclude.absent
    var batch = Batch.absent

    func has(_ field: Field) -> Bool { seen & field.bit != 0 }

    /// Marks `field` present, remembering the first repetition.
    mutating func mark(_ field: Field) {
        if seen & field.bit != 0, duplicate == nil { duplicate = field.name }
        seen |= field.bit
    }

    /// The first field present (in protocol order) that is not in `allowed`.
    func firstField(notIn allowed: UInt16) -> Field? {
        let extra = seen & ~allowed
        return extra == 0 ? nil : Field(rawValue: UInt16(extra.trailingZeroBitCount))
    }

    /// The bit mask of `fields`.
    static func mask(_ fields: Field...) -> UInt16 {
        fields.reduce(0) { $0 | $1.bit }
    }
}

extension JSONReader {
    /// The JSON type starting with `byte`, for messages ("a number").
    static func typeName(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        default: return "a number"
        }
    }

    /// The kind an unescaped string token names exactly, if any.
    func kind(_ token: StringToken) -> IngressRequest.Kind? {
        guard !token.hasEscapes else { return nil }
        switch token.range.count {
        case 3: return rawEquals(token, "all") ? .all : nil
        case 4: return rawEquals(token, "user") ? .user : nil
        case 5: return rawEquals(token, "group") ? .group : nil
        case 10: return rawEquals(token, "connection") ? .connection : nil
        default: return nil
        }
    }

    /// The field a key names, matched on its raw bytes (or decoded when it has escapes).
    func field(_ key: StringToken) -> RequestFields.Field? {
        if key.hasEscapes {
            let name = decode(key)
            return RequestFields.Field.allCases.first { $0.name == name }
        }
        switch key.range.count {
        case 1: return rawEquals(key, "v") ? .v : nil
        case 2: return rawEquals(key, "id") ? .id : nil
        case 3: return rawEquals(key, "hub") ? .hub : rawEquals(key, "key") ? .key : nil
        case 4: return rawEquals(key, "kind") ? .kind : rawEquals(key, "user") ? .user : nil
        case 5: return rawEquals(key, "group") ? .group : rawEquals(key, "batch") ? .batch : nil
        case 6: return rawEquals(key, "method") ? .method : nil
        case 7: return rawEquals(key, "exclude") ? .exclude : nil
        case 8: return rawEquals(key, "payloads") ? .payloads : nil
        case 9: return rawEquals(key, "arguments") ? .arguments : nil
        case 10: return rawEquals(key, "connection") ? .connection : nil
        default: return nil
        }
    }
}
