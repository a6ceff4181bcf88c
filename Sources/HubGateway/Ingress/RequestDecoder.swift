/// Turns one request frame into a validated request, a batch of validated items, or an error, in
/// the order of the ingress protocol's section 6. Pure: no I/O, no clock.
///
/// One pass over the bytes with a hand-written scanner: the `arguments` array is transcoded to the
/// json and messagepack payloads while it is validated. A decoder keeps scratch buffers between
/// frames, so keep one per thread and reuse it.
///
/// ```swift
/// var decoder = RequestDecoder()
/// let decoded = decoder.decode(Array(#"{"v":1,"kind":"all","hub":"chat","method":"m","arguments":[1]}"#.utf8))
/// ```
public struct RequestDecoder {
    /// What the decoder accepts.
    public struct Options: Sendable {
        /// The largest frame, in bytes (exactly this many is fine). Default 65,536.
        public var maxFrameBytes: Int
        /// The most items in a batch. Default 1000.
        public var maxBatchItems: Int
        /// The declared hubs; empty accepts every hub name. Default empty.
        public var hubs: Set<String>
        /// Whether `v` must be present (`true` on the ROUTER; pipeline mode makes it optional). Default `true`.
        public var requiresVersion: Bool

        /// Creates options; see each property for its default.
        public init(maxFrameBytes: Int = 65_536, maxBatchItems: Int = 1000, hubs: Set<String> = [], requiresVersion: Bool = true) {
            self.maxFrameBytes = maxFrameBytes
            self.maxBatchItems = maxBatchItems
            self.hubs = hubs
            self.requiresVersion = requiresVersion
        }
    }

    /// The options in force.
    public let options: Options
    var transcoder = ArgumentsTranscoder()
    var scratch: [UInt8] = []

    /// Creates a decoder.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Decodes one request frame.
    public mutating func decode(_ frame: [UInt8]) -> DecodedFrame {
        frame.withUnsafeBytes { decode($0) }
    }

    /// Decodes one request frame without copying it.
    public mutating func decode(_ frame: UnsafeRawBufferPointer) -> DecodedFrame {
        guard frame.count <= options.maxFrameBytes else {
            return .refused(
                nil,
                .tooLarge,
                "request frame is \(frame.count) bytes; the limit is \(options.maxFrameBytes): split the message or the batch"
            )
        }
        var reader = JSONReader(bytes: frame)
        var fields = RequestFields()
        do {
            let first = try reader.peekToken(expecting: "a JSON object")
            guard first == UInt8(ascii: "{") else {
                try reader.skipValue(depth: 0)
                try reader.expectEnd()
                return .refused(nil, .badJSON, "request must be a JSON object, not \(JSONReader.typeName(first)); send one JSON object per frame")
            }
            try parseObject(&reader, depth: 1, isItem: false, into: &fields)
            try reader.expectEnd()
        } catch {
            return .refused(
                nil,
                .badJSON,
                "request is not valid JSON (\(error.message) at byte \(error.offset)); send one UTF-8 JSON object per frame"
            )
        }
        return finish(fields)
    }

    /// Scans the object at the reader's position (level `depth`) and records its fields into `fields`
    /// (fresh). Batch items are validated as they are met, while the transcoded arguments are still
    /// in the scratch buffers. Filled in place: returning the large struct cost a copy and a destroy
    /// per request.
    mutating func parseObject(_ reader: inout JSONReader, depth: Int, isItem: Bool, into fields: inout RequestFields) throws(JSONSyntaxError) {
        if try reader.open(UInt8(ascii: "{"), depth: depth) { return }
        repeat {
            let key = try reader.readKey()
            guard let field = reader.field(key) else {
                if fields.unknown == nil { fields.unknown = reader.decode(key) }
                try reader.skipValue(depth: depth)
                continue
            }
            fields.mark(field)
            let next = try reader.peekToken(expecting: "a JSON value")
            switch field {
            case .v: fields.version = try readVersion(&reader, next, depth: depth)
            case .id: fields.id = try readText(&reader, next, depth: depth)
            case .kind:
                if next == UInt8(ascii: "\"") {
                    let token = try reader.scanString()
                    fields.knownKind = reader.kind(token)
                    fields.kind = fields.knownKind == nil ? .string(reader.decode(token)) : .absent
                } else {
                    fields.knownKind = nil
                    fields.kind = try readText(&reader, next, depth: depth)
                }
            case .hub: fields.hub = try readText(&reader, next, depth: depth)
            case .group: fields.group = try readText(&reader, next, depth: depth)
            case .user: fields.user = try readText(&reader, next, depth: depth)
            case .connection: fields.connection = try readText(&reader, next, depth: depth)
            case .method: fields.method = try readText(&reader, next, depth: depth)
            case .key: fields.key = try readText(&reader, next, depth: depth)
            case .arguments:
                if next == UInt8(ascii: "[") {
                    transcoder.reset()
                    try transcoder.transcodeArray(&reader, depth: depth + 1)
                    fields.arguments = .array(problem: transcoder.problem)
                } else {
                    try reader.skipValue(depth: depth)
                    fields.arguments = .other(JSONReader.typeName(next))
                }
            case .payloads: fields.payloads = try readPayloads(&reader, next, depth: depth)
            case .exclude: fields.exclude = try readExclude(&reader, next, depth: depth)
            case .batch:
                if isItem || next != UInt8(ascii: "[") {
                    try reader.skipValue(depth: depth)
                    fields.batch = .other(JSONReader.typeName(next))
                } else {
                    fields.batch = try readBatch(&reader, depth: depth + 1)
                }
            }
        } while try reader.next(closer: UInt8(ascii: "}"))
    }

    private func readVersion(_ reader: inout JSONReader, _ next: UInt8, depth: Int) throws(JSONSyntaxError) -> RequestFields.Version {
        guard next == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) else {
            try reader.skipValue(depth: depth)
            return .other(JSONReader.typeName(next))
        }
        let (range, isInteger) = try reader.scanNumber()
        if isInteger && range.count == 1 && reader.bytes[range.lowerBound] == UInt8(ascii: "1") { return .one }
        return .other(String(decoding: UnsafeRawBufferPointer(rebasing: reader.bytes[range]), as: UTF8.self))
    }

    private func readText(_ reader: inout JSONReader, _ next: UInt8, depth: Int) throws(JSONSyntaxError) -> RequestFields.Text {
        guard next == UInt8(ascii: "\"") else {
            try reader.skipValue(depth: depth)
            return .other(JSONReader.typeName(next))
        }
        return .string(reader.decode(try reader.scanString()))
    }

    private func readExclude(_ reader: inout JSONReader, _ next: UInt8, depth: Int) throws(JSONSyntaxError) -> RequestFields.Exclude {
        guard next == UInt8(ascii: "[") else {
            try reader.skipValue(depth: depth)
            return .other(JSONReader.typeName(next))
        }
        var list: [String] = []
        var problem: String?
        if try reader.open(next, depth: depth + 1) { return .array(list, problem: nil) }
        repeat {
            let byte = try reader.peekToken(expecting: "a connection id")
            if byte == UInt8(ascii: "\"") {
                let id = reader.decode(try reader.scanString())
                if problem == nil {
                    if id.isEmpty {
                        problem = "\"exclude\" holds an empty connection id; list non-empty connection ids"
                    } else if Self.containsNUL(id) {
                        problem = "\"exclude\" holds a connection id with a NUL character (U+0000)"
                    }
                }
                list.append(id)
            } else {
                try reader.skipValue(depth: depth + 1)
                if problem == nil {
                    problem = "\"exclude\" must hold connection id strings, not \(JSONReader.typeName(byte))"
                }
            }
        } while try reader.next(closer: UInt8(ascii: "]"))
        return .array(list, problem: problem)
    }

    private mutating func readBatch(_ reader: inout JSONReader, depth: Int) throws(JSONSyntaxError) -> RequestFields.Batch {
        var items: [Result<IngressRequest, IngressError>] = []
        if try reader.open(UInt8(ascii: "["), depth: depth) { return .array(items: items, count: 0) }
        var count = 0
        repeat {
            count += 1
            let byte = try reader.peekToken(expecting: "a batch item")
            if count > options.maxBatchItems {
                try reader.skipValue(depth: depth)  // too many: the batch fails as a whole; only check the syntax
            } else if byte == UInt8(ascii: "{") {
                var item = RequestFields()
                try parseObject(&reader, depth: depth + 1, isItem: true, into: &item)
                items.append(validateItem(item, isItem: true))
            } else {
                try reader.skipValue(depth: depth)
                items.append(.failure(.badRequest("batch item \(count) is \(JSONReader.typeName(byte)); each item must be a request object")))
            }
        } while try reader.next(closer: UInt8(ascii: "]"))
        return .array(items: items, count: count)
    }
}
