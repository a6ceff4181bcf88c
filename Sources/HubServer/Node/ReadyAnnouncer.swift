import HubMesh
import Logging
import ServiceLifecycle

/// Reports the `ready` line once the HTTP server listens and the mesh join is done.
struct ReadyAnnouncer: Service {
    let member: MeshMember
    let listening: AsyncStream<HubServer.Listening>
    let hubs: [String]
    let logger: Logger
    let output: @Sendable (String) -> Void

    func run() async throws {
        var iterator = listening.makeAsyncIterator()
        guard let address = await iterator.next() else { return }
        let joined = await member.waitUntilJoined(timeout: .seconds(15))
        if !joined { logger.warning("the mesh join did not complete within 15 s; serving anyway") }
        guard !Task.isCancelled else { return }
        output(
            "ready node=\(member.id) http=http://\(address.host):\(address.port) mesh=\(member.info.routerEndpoint) "
                + "hubs=\(hubs.sorted().joined(separator: ",")) joined=\(joined)"
        )
    }
}
