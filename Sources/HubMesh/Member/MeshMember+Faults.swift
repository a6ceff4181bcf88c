extension MeshMember {
    /// Fault injection for tests: silently disconnects this member's SUB from `peer`'s PUB, as a
    /// broken pipe or a stuck connection would, without telling the rest of the member. The link
    /// check must notice the silence and reconnect; missed messages are repaired.
    func injectBrokenSubscription(to peer: String) {
        io.injectedLinkCuts.withLock { _ = $0.insert(peer) }
    }
}
