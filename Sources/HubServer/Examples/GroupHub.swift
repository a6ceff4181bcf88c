/// Who may join which group through the `JoinGroup` hub method.
public enum GroupPermission: String, Sendable, Hashable, CaseIterable {
    /// Any client may join any group.
    case open
    /// A client may join only the groups listed in its token's `groups` claim.
    case claim
}

/// The hub methods every `hubmesh-node` hub has: `JoinGroup(name)` and `LeaveGroup(name)`.
///
/// Everything else reaches clients from services, through the gateway and the mesh.
public enum GroupHub {
    /// A hub named `name` with `JoinGroup` and `LeaveGroup`.
    public static func make(name: String, permission: GroupPermission = .open) -> Hub {
        var hub = Hub(name)
        hub.on("JoinGroup") { (context: HubContext, group: String) in
            try check(permission, context: context, group: group)
            try await context.groups.add(context.connectionID, to: group)
        }
        hub.on("LeaveGroup") { (context: HubContext, group: String) in
            try await context.groups.remove(context.connectionID, from: group)
        }
        return hub
    }

    /// Throws ``HubError`` `.forbidden` when `permission` does not let the caller join `group`.
    public static func check(_ permission: GroupPermission, context: HubContext, group: String) throws(HubError) {
        switch permission {
        case .open:
            return
        case .claim:
            guard let user = context.user else {
                throw HubError(code: .forbidden, message: "Joining groups requires a token with a 'groups' claim")
            }
            guard user.strings(of: "groups").contains(group) else {
                throw HubError(code: .forbidden, message: "The token's 'groups' claim does not list the group '\(group)'")
            }
        }
    }
}
