/// The example chat hub: rooms are groups, and they span every node of the mesh.
///
/// - `JoinRoom(room)`: joins the room; its members receive `ReceiveMessage("system", "<who> joined <room>")`.
/// - `LeaveRoom(room)`: leaves the room; the remaining members receive `"<who> left <room>"`.
/// - `SendMessage(room, user, message)`: the room's members receive `ReceiveMessage(user, message)`.
///
/// `<who>` is the caller's user id, or its connection id when anonymous.
public enum ChatHub {
    /// The chat hub, named `name`.
    public static func make(name: String = "chat") -> Hub {
        var hub = Hub(name)
        hub.on("JoinRoom") { (context: HubContext, room: String) in
            try await context.groups.add(context.connectionID, to: room)
            try await context.clients.group(room).send("ReceiveMessage", "system", "\(who(context)) joined \(room)")
        }
        hub.on("LeaveRoom") { (context: HubContext, room: String) in
            try await context.groups.remove(context.connectionID, from: room)
            try await context.clients.group(room).send("ReceiveMessage", "system", "\(who(context)) left \(room)")
        }
        hub.on("SendMessage") { (context: HubContext, room: String, user: String, message: String) in
            try await context.clients.group(room).send("ReceiveMessage", user, message)
        }
        return hub
    }

    static func who(_ context: HubContext) -> String {
        context.userID ?? context.connectionID
    }
}
