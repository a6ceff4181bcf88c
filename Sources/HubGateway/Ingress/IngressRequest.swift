import HubMesh

/// A validated request: everything the gateway needs to publish one envelope.
public struct IngressRequest: Sendable, Equatable {
    /// The four kinds a service may publish.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Every connection of the hub (minus `exclude`).
        case all
        /// One connection.
        case connection
        /// The members of a group (minus `exclude`).
        case group
        /// Every connection of a user.
        case user
    }

    /// The kind.
    public var kind: Kind
    /// The hub name.
    public var hub: String
    /// The connection id, group name or user id; `nil` for ``Kind/all``.
    public var target: String?
    /// The hub method, when the request gave `method` + `arguments`; `nil` for pre-serialized payloads.
    public var method: String?
    /// The framed invocation bytes per protocol (`json`, `messagepack`).
    public var payloads: Payloads
    /// Connection ids that must not receive the message (kinds `all` and `group` only).
    public var exclude: [String]
    /// The idempotency key, if any.
    public var key: String?

    /// Creates a request.
    public init(
        kind: Kind,
        hub: String,
        target: String? = nil,
        method: String? = nil,
        payloads: Payloads,
        exclude: [String] = [],
        key: String? = nil
    ) {
        self.kind = kind
        self.hub = hub
        self.target = target
        self.method = method
        self.payloads = payloads
        self.exclude = exclude
        self.key = key
    }

    /// The mesh envelope that carries the request.
    public var envelope: HubEnvelope {
        switch kind {
        case .all: return .all(AllMessage(hub: hub, excluded: exclude, payloads: payloads))
        case .connection: return .connection(ConnectionMessage(hub: hub, connectionID: target ?? "", payloads: payloads))
        case .group: return .group(GroupMessage(hub: hub, group: target ?? "", excluded: exclude, payloads: payloads))
        case .user: return .user(UserMessage(hub: hub, userID: target ?? "", payloads: payloads))
        }
    }
}

/// A decoded request frame: one request or a batch, each item validated or refused.
public enum DecodedFrame: Sendable, Equatable {
    /// A single request (or a frame refused as a whole): the reply's `id` and the outcome.
    case single(id: String?, Result<IngressRequest, IngressError>)
    /// A batch the gateway will process item by item.
    case batch(id: String?, [Result<IngressRequest, IngressError>])

    /// The reply's `id`.
    public var id: String? {
        switch self {
        case .single(let id, _), .batch(let id, _): return id
        }
    }

    /// A frame refused as a whole.
    static func refused(_ id: String?, _ code: IngressError.Code, _ message: String) -> DecodedFrame {
        .single(id: id, .failure(IngressError(code: code, message: message)))
    }
}
