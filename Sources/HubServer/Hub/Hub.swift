import HubProtocol

/// A hub: named methods that clients invoke, and hooks that run when clients connect and disconnect.
///
/// ```swift
/// var chat = Hub("chat")
/// chat.on("SendMessage") { (context: HubContext, room: String, text: String) in
///     try await context.clients.group(room).send("ReceiveMessage", context.userID ?? "anonymous", text)
/// }
/// chat.on("Add") { (_: HubContext, a: Int, b: Int) in a + b }
/// ```
///
/// Arguments are decoded from the invocation with ``HubValueDecoder``; a result is encoded with
/// ``HubValueEncoder`` and sent back in a `Completion` when the client asked for one. A wrong
/// number of arguments, an argument of the wrong type or an unknown method is answered with a clear
/// error and the connection stays up.
public struct Hub: Sendable {
    /// What runs when a client connects or disconnects.
    public typealias Hook = @Sendable (HubContext) async throws -> Void

    /// The hub's name: the `{hub}` of `/hubs/{hub}`.
    public let name: String
    /// The methods, by name.
    public private(set) var methods: [String: HubMethod] = [:]
    /// Run, in order, after a client's handshake, before its first invocation.
    public private(set) var connectedHooks: [Hook] = []
    /// Run, in order, after a client's connection closed.
    public private(set) var disconnectedHooks: [Hook] = []

    /// Creates a hub without methods.
    public init(_ name: String) {
        self.name = name
    }

    /// Adds or replaces a method.
    public mutating func add(_ method: HubMethod) {
        methods[method.name] = method
    }

    /// Registers a method without a result; its arguments are decoded as the closure's parameter types.
    public mutating func on<each Argument: Decodable & SendableMetatype>(
        _ method: String,
        _ body: @escaping @Sendable (HubContext, repeat each Argument) async throws -> Void
    ) {
        let count = packCount(repeat (each Argument).self)
        add(
            HubMethod(name: method, parameterCount: count) { context, values in
                var reader = ArgumentReader(method: method, values: values)
                let arguments = (repeat try reader.next((each Argument).self))
                try await body(context, repeat each arguments)
                return nil
            }
        )
    }

    /// Registers a method with a result; its arguments are decoded as the closure's parameter types.
    public mutating func on<each Argument: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ method: String,
        _ body: @escaping @Sendable (HubContext, repeat each Argument) async throws -> Result
    ) {
        let count = packCount(repeat (each Argument).self)
        add(
            HubMethod(name: method, parameterCount: count) { context, values in
                var reader = ArgumentReader(method: method, values: values)
                let arguments = (repeat try reader.next((each Argument).self))
                let result = try await body(context, repeat each arguments)
                do throws(HubProtocolError) {
                    return try HubValueEncoder().encode(result)
                } catch {
                    throw HubError(code: .invalidResult, message: "The result of '\(method)' cannot be encoded: \(error.message)")
                }
            }
        )
    }

    /// Adds a hook run after each client's handshake (SignalR's `OnConnectedAsync`).
    public mutating func onConnected(_ hook: @escaping Hook) {
        connectedHooks.append(hook)
    }

    /// Adds a hook run after each client's connection closed (SignalR's `OnDisconnectedAsync`).
    public mutating func onDisconnected(_ hook: @escaping Hook) {
        disconnectedHooks.append(hook)
    }

    /// Adds every method and hook of `other` to this hub (methods of `other` win on a name clash).
    public mutating func merge(_ other: Hub) {
        for method in other.methods.values { add(method) }
        connectedHooks.append(contentsOf: other.connectedHooks)
        disconnectedHooks.append(contentsOf: other.disconnectedHooks)
    }
}
