/// What happened to one request or batch item.
public enum ItemOutcome: Sendable, Equatable {
    /// Accepted into the mesh.
    case accepted
    /// Its idempotency key was accepted before; not delivered again.
    case duplicate
    /// Refused; nothing was delivered.
    case rejected(IngressError)

    /// Whether the reply says `ok:true`.
    public var isOK: Bool {
        if case .rejected = self { return false }
        return true
    }
}

/// The gateway's answer to one request frame (section 4).
public struct Reply: Sendable, Equatable {
    /// A single outcome, or one per batch item.
    public enum Body: Sendable, Equatable {
        case single(ItemOutcome)
        case batch([ItemOutcome])
    }

    /// The request's `id`, or `nil` (sent as `null`).
    public var id: String?
    /// What happened.
    public var body: Body

    /// Creates a reply.
    public init(id: String?, body: Body) {
        self.id = id
        self.body = body
    }

    /// Whether the reply says `ok:true` (for a batch: every item is ok).
    public var isOK: Bool {
        switch body {
        case .single(let outcome): return outcome.isOK
        case .batch(let outcomes): return outcomes.allSatisfy(\.isOK)
        }
    }

    /// The canonical JSON bytes: compact, fields in the order `id`, `ok`, `duplicate`, `code`, `message`, `results`.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// Appends the canonical JSON bytes to `out`.
    public func encode(into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 32)
        ArgumentsTranscoder.appendASCII(#"{"id":"#, into: &out)
        if let id {
            JSONStringWriter.write(id, into: &out)
        } else {
            ArgumentsTranscoder.appendASCII("null", into: &out)
        }
        out.append(UInt8(ascii: ","))
        switch body {
        case .single(let outcome):
            Self.writeFields(outcome, into: &out)
        case .batch(let outcomes):
            ArgumentsTranscoder.appendASCII(outcomes.allSatisfy(\.isOK) ? #""ok":true"# : #""ok":false"#, into: &out)
            ArgumentsTranscoder.appendASCII(#","results":["#, into: &out)
            for (index, outcome) in outcomes.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "{"))
                Self.writeFields(outcome, into: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `"ok":…` and the fields that go with it, without braces.
    static func writeFields(_ outcome: ItemOutcome, into out: inout [UInt8]) {
        switch outcome {
        case .accepted:
            ArgumentsTranscoder.appendASCII(#""ok":true"#, into: &out)
        case .duplicate:
            ArgumentsTranscoder.appendASCII(#""ok":true,"duplicate":true"#, into: &out)
        case .rejected(let error):
            ArgumentsTranscoder.appendASCII(#""ok":false,"code":"#, into: &out)
            JSONStringWriter.write(error.code.rawValue, into: &out)
            ArgumentsTranscoder.appendASCII(#","message":"#, into: &out)
            JSONStringWriter.write(error.message, into: &out)
        }
    }
}
