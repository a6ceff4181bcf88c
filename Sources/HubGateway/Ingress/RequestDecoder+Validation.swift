import Glibc
import HubMesh

extension RequestDecoder {
    /// The longest `id` and `key`, in UTF-8 bytes.
    static let maxIDBytes = 128
    /// The longest hub, group, user or connection name: the mesh's limit for topic parts.
    static let maxNameBytes = 1024
    /// Kinds that name internal mesh messages, compared case-insensitively.
    static let forbiddenKinds: Set<String> = ["groupmanagement", "ack", "heartbeat", "membership", "replay"]
    /// The fields of a batch object.
    static let batchObjectFields = RequestFields.mask(.v, .id, .batch)
    /// The fields every batch item may carry.
    static let itemFields = RequestFields.mask(.kind, .hub, .method, .arguments, .payloads, .key)
    /// The fields every single request may carry.
    static let requestFields = itemFields | RequestFields.mask(.v, .id)

    static func targetField(_ kind: IngressRequest.Kind) -> RequestFields.Field? {
        switch kind {
        case .all: return nil
        case .connection: return .connection
        case .group: return .group
        case .user: return .user
        }
    }

    /// Steps 4–9 of section 6 for a top-level object.
    func finish(_ fields: RequestFields) -> DecodedFrame {
        var replyID: String?
        if case .string(let id) = fields.id, Self.isValidID(id) { replyID = id }
        // 4: version
        switch fields.version {
        case .one: break
        case .absent where !options.requiresVersion: break
        case .absent:
            return .refused(replyID, .unsupportedVersion, "missing \"v\"; send \"v\":1 (this gateway speaks ingress protocol version 1)")
        case .other(let value):
            return .refused(replyID, .unsupportedVersion, "unsupported protocol version \(value); send \"v\":1 (the integer 1)")
        }
        // 5: id
        if fields.has(.id) && replyID == nil {
            return .refused(nil, .badRequest, "\"id\" must be a string of 1 to \(Self.maxIDBytes) bytes without NUL characters")
        }
        // 6: batch
        if fields.has(.batch) {
            if let field = fields.firstField(notIn: Self.batchObjectFields)?.name ?? fields.unknown {
                return .refused(replyID, .badRequest, "field \"\(field)\" is not allowed beside \"batch\"; a batch object has only v, id and batch")
            }
            if let field = fields.duplicate {
                return .refused(replyID, .badRequest, "field \"\(field)\" appears twice; send each field once")
            }
            switch fields.batch {
            case .absent, .other:
                return .refused(replyID, .badRequest, "\"batch\" must be a non-empty array of request objects")
            case .array(let items, let count):
                guard count > 0 else { return .refused(replyID, .badRequest, "\"batch\" is empty; send at least one request") }
                guard count <= options.maxBatchItems else {
                    return .refused(replyID, .tooLarge, "batch has \(count) items; the limit is \(options.maxBatchItems): split it")
                }
                return .batch(id: replyID, items)
            }
        }
        return .single(id: replyID, validateItem(fields, isItem: false))
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maxIDBytes && !containsNUL(id)
    }

    /// Whether `text` contains U+0000 (only a `\u0000` escape can put it there).
    static func containsNUL(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { $0.isEmpty ? false : memchr($0.baseAddress!, 0, $0.count) != nil }
    }

    /// Steps 7–9 for a single request or a batch item.
    func validateItem(_ fields: RequestFields, isItem: Bool) -> Result<IngressRequest, IngressError> {
        if isItem, let field = fields.firstField(notIn: ~Self.batchObjectFields) {
            return .failure(.badRequest("batch items may not carry \"\(field.name)\"; put v and id on the batch object only"))
        }
        // 7: kind
        let kind: IngressRequest.Kind
        switch fields.kind {
        case .absent where fields.knownKind != nil:
            kind = fields.knownKind!
        case .absent:
            return .failure(.badRequest("missing \"kind\"; use all, connection, group or user"))
        case .other(let type):
            return .failure(.badRequest("\"kind\" must be a string, not \(type); use all, connection, group or user"))
        case .string(let name):
            guard !name.isEmpty else { return .failure(.badRequest("\"kind\" is empty; use all, connection, group or user")) }
            if let known = IngressRequest.Kind(rawValue: name) {
                kind = known
            } else if Self.forbiddenKinds.contains(name.lowercased()) {
                return .failure(
                    IngressError(
                        code: .forbiddenKind,
                        message: "kind \"\(name)\" is internal to the mesh and cannot be sent through the gateway; "
                            + "connections join groups through their hub"
                    )
                )
            } else {
                return .failure(
                    IngressError(code: .unknownKind, message: "unknown kind \"\(name)\"; use all, connection, group or user (lowercase)")
                )
            }
        }
        // 8: every other field
        let request: IngressRequest
        switch buildRequest(kind, fields, isItem: isItem) {
        case .success(let built): request = built
        case .failure(let error): return .failure(error)
        }
        // 9: declared hubs
        if !options.hubs.isEmpty && !options.hubs.contains(request.hub) {
            return .failure(
                IngressError(
                    code: .unknownHub,
                    message: "hub \"\(request.hub)\" is not served by this gateway; declared hubs: \(options.hubs.sorted().joined(separator: ", "))"
                )
            )
        }
        return .success(request)
    }

    private func buildRequest(_ kind: IngressRequest.Kind, _ fields: RequestFields, isItem: Bool) -> Result<IngressRequest, IngressError> {
        if let unknown = fields.unknown {
            return .failure(.badRequest("unknown field \"\(unknown)\"; fields of kind \(kind.rawValue) are \(Self.allowedFields(kind))"))
        }
        let targetField = Self.targetField(kind)
        var allowed = isItem ? Self.itemFields : Self.requestFields
        if let targetField { allowed |= targetField.bit }
        if kind == .all || kind == .group { allowed |= RequestFields.Field.exclude.bit }
        if let field = fields.firstField(notIn: allowed)?.name {
            let hint =
                field == "exclude" ? "send to the \(kind.rawValue) without it" : "fields of kind \(kind.rawValue) are \(Self.allowedFields(kind))"
            return .failure(.badRequest("kind \"\(kind.rawValue)\" does not allow \"\(field)\"; \(hint)"))
        }
        if let field = fields.duplicate { return .failure(.badRequest("field \"\(field)\" appears twice; send each field once")) }
        let hub: String
        switch Self.name(fields.hub, "hub", limit: Self.maxNameBytes) {
        case .success(let value): hub = value
        case .failure(let error): return .failure(error)
        }
        var target: String?
        if let targetField {
            let text: RequestFields.Text = kind == .group ? fields.group : kind == .user ? fields.user : fields.connection
            switch Self.name(text, targetField.name, limit: Self.maxNameBytes) {
            case .success(let value): target = value
            case .failure(let error): return .failure(error)
            }
            if kind == .connection, let id = target, ConnectionID.owner(of: id) == nil {
                return .failure(
                    .badRequest(
                        "connection id \"\(id)\" does not name its member (\"member.random\"), so it cannot be routed; use the id the hub gave")
                )
            }
        }
        let body: (method: String?, payloads: Payloads)
        switch buildBody(fields) {
        case .success(let built): body = built
        case .failure(let error): return .failure(error)
        }
        var exclude: [String] = []
        switch fields.exclude {
        case .absent: break
        case .other(let type): return .failure(.badRequest("\"exclude\" must be an array of connection ids, not \(type)"))
        case .array(let list, let problem):
            if let problem { return .failure(.badRequest(problem)) }
            exclude = list
        }
        var key: String?
        if fields.has(.key) {
            switch Self.name(fields.key, "key", limit: Self.maxIDBytes) {
            case .success(let value): key = value
            case .failure(let error): return .failure(error)
            }
        }
        return .success(
            IngressRequest(kind: kind, hub: hub, target: target, method: body.method, payloads: body.payloads, exclude: exclude, key: key))
    }

    private func buildBody(_ fields: RequestFields) -> Result<(method: String?, payloads: Payloads), IngressError> {
        let hasCall = fields.has(.method) || fields.has(.arguments)
        if hasCall && fields.has(.payloads) {
            return .failure(.badRequest("give either \"method\" + \"arguments\" or \"payloads\", not both"))
        }
        if hasCall {
            let method: String
            switch Self.name(fields.method, "method", limit: Int.max) {
            case .success(let value): method = value
            case .failure(let error): return .failure(error)
            }
            switch fields.arguments {
            case .absent: return .failure(.badRequest("missing \"arguments\": give the method's arguments as an array, e.g. []"))
            case .other(let type): return .failure(.badRequest("\"arguments\" must be a JSON array, not \(type)"))
            case .array(let problem?): return .failure(.badRequest(problem))
            case .array(nil): return .success((method, InvocationPayloads.make(method: method, transcoder)))
            }
        }
        switch fields.payloads {
        case .absent:
            return .failure(.badRequest("give either \"method\" + \"arguments\" or pre-serialized \"payloads\""))
        case .other(let type):
            return .failure(.badRequest("\"payloads\" must be an object {\"json\":base64,\"messagepack\":base64}, not \(type)"))
        case .object(_, _, let problem?):
            return .failure(.badRequest(problem))
        case .object(let json, let messagepack, nil):
            var entries: [Payloads.Entry] = []
            if let json { entries.append(Payloads.Entry(name: "json", bytes: json)) }
            if let messagepack { entries.append(Payloads.Entry(name: "messagepack", bytes: messagepack)) }
            guard !entries.isEmpty else {
                return .failure(.badRequest("\"payloads\" is empty; give \"json\" and/or \"messagepack\" as base64"))
            }
            return .success((nil, Payloads(entries: entries)))
        }
    }

    /// A name field: present, a string, non-empty, without NUL, at most `limit` bytes.
    static func name(_ text: RequestFields.Text, _ field: String, limit: Int) -> Result<String, IngressError> {
        switch text {
        case .absent: return .failure(.badRequest("missing \"\(field)\""))
        case .other(let type): return .failure(.badRequest("\"\(field)\" must be a string, not \(type)"))
        case .string(let value):
            if value.isEmpty { return .failure(.badRequest("\"\(field)\" is empty; it must be a non-empty string")) }
            if containsNUL(value) {
                return .failure(.badRequest("\"\(field)\" contains a NUL character (U+0000), which names may not contain"))
            }
            if value.utf8.count > limit {
                return .failure(.badRequest("\"\(field)\" is \(value.utf8.count) bytes; the limit is \(limit) bytes of UTF-8"))
            }
            return .success(value)
        }
    }

    static func allowedFields(_ kind: IngressRequest.Kind) -> String {
        switch kind {
        case .all: return "hub, method + arguments or payloads, exclude, key"
        case .connection: return "hub, connection, method + arguments or payloads, key"
        case .group: return "hub, group, method + arguments or payloads, exclude, key"
        case .user: return "hub, user, method + arguments or payloads, key"
        }
    }
}
