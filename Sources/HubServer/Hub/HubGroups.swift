import HubMesh

/// Adds connections to and removes them from groups: SignalR's `IGroupManager`.
///
/// The connection may be on any node of the mesh; the call returns once the owner applied the
/// change, or throws ``HubMeshError`` (`.unknownConnection`, `.unknownMember`, `.memberDead`,
/// `.timeout`, `.invalidName`).
public struct HubGroups: Sendable {
    let lifetime: any HubLifetimeManager

    /// Adds `connectionID` to `group`; group messages reach it once this returns.
    public func add(_ connectionID: String, to group: String) async throws {
        try await lifetime.addToGroup(connectionID: connectionID, group: group)
    }

    /// Removes `connectionID` from `group`.
    public func remove(_ connectionID: String, from group: String) async throws {
        try await lifetime.removeFromGroup(connectionID: connectionID, group: group)
    }
}
