import HubProtocol

/// A hub for tests and demos only (`hubmesh-node --test-hub`), named `test`: echo, arithmetic,
/// errors, and sends to users, groups and connections anywhere in the mesh. Never enable it in
/// production: any client can message any user.
public enum TestHub {
    /// What `WhoAmI` returns.
    public struct Identity: Codable, Sendable, Hashable {
        /// The caller's connection id.
        public var connectionId: String
        /// The caller's user id, if authenticated.
        public var userId: String?
        /// The hub.
        public var hub: String
    }

    /// The test hub, named `name`.
    public static func make(name: String = "test") -> Hub {
        var hub = Hub(name)
        hub.on("Echo") { (_: HubContext, text: String) in text }
        hub.on("Add") { (_: HubContext, a: Int, b: Int) in a + b }
        hub.on("WhoAmI") { (context: HubContext) in
            Identity(connectionId: context.connectionID, userId: context.userID, hub: context.hub)
        }
        hub.on("Fail") { (_: HubContext, message: String) -> Int in
            throw HubError(code: .methodFailed, message: message)
        }
        hub.on("Crash") { (_: HubContext) -> Int in
            throw InternalFailure()
        }
        hub.on("SendToUser") { (context: HubContext, user: String, text: String) in
            try await context.clients.user(user).send("ReceiveUser", text)
        }
        hub.on("SendToCaller") { (context: HubContext, text: String) in
            try await context.clients.caller.send("ReceiveCaller", text)
        }
        hub.on("SendToOthers") { (context: HubContext, text: String) in
            try await context.clients.others.send("ReceiveOthers", text)
        }
        hub.on("SendToAll") { (context: HubContext, text: String) in
            try await context.clients.all.send("ReceiveAll", text)
        }
        hub.on("SendToConnection") { (context: HubContext, connectionID: String, text: String) in
            try await context.clients.client(connectionID).send("ReceiveConnection", text)
        }
        hub.on("SendToGroup") { (context: HubContext, group: String, text: String) in
            try await context.clients.group(group).send("ReceiveGroup", group, text)
        }
        hub.on("AddToGroup") { (context: HubContext, connectionID: String, group: String) in
            try await context.groups.add(connectionID, to: group)
        }
        hub.on("Repeat") { (context: HubContext, count: Int, size: Int) in
            let text = String(repeating: "x", count: max(0, min(size, 1 << 20)))
            for index in 0..<max(0, min(count, 100_000)) {
                try await context.clients.caller.send("ReceiveRepeat", index, text)
            }
        }
        return hub
    }

    /// An error that is not a ``HubError``: its details stay on the server.
    struct InternalFailure: Error, CustomStringConvertible {
        var description: String { "an internal failure that the client must not see" }
    }
}
