import Foundation
import HubMesh
import Logging
import Synchronization

/// A connection of an in-process mesh member that records the bytes it receives.
final class RecordingConnection: HubConnection {
    let connectionID: String
    let userID: String?
    let protocolName: String
    let received = Mutex<[[UInt8]]>([])

    init(connectionID: String, userID: String?, protocolName: String) {
        self.connectionID = connectionID
        self.userID = userID
        self.protocolName = protocolName
    }

    func write(_ bytes: [UInt8]) { received.withLock { $0.append(bytes) } }

    var messages: [[UInt8]] { received.withLock { $0 } }

    /// Waits until at least `count` messages arrived (or the timeout passes); returns them.
    func waitFor(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [[UInt8]] {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while messages.count < count && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        return messages
    }
}

/// An in-process mesh member serving hub `chat`, standing in for a hub node: real connections of
/// protocol `json` and `messagepack` receive what the gateway publishes.
struct MeshPeer: Sendable {
    let member: MeshMember
    let manager: MeshHubLifetimeManager

    var endpoint: String { member.info.routerEndpoint }

    /// Runs a peer joined to `join` (or starting a mesh) for the duration of `body`.
    static func with<T: Sendable>(join: [String] = [], _ body: (MeshPeer) async throws -> T) async throws -> T {
        var logger = Logger(label: "test.peer")
        logger.logLevel = .warning
        let configuration = MeshConfiguration(
            memberID: "peer-\(UInt32.random(in: 0...UInt32.max))",
            endpoint: "tcp://127.0.0.1:0",
            join: join,
            heartbeatInterval: .milliseconds(250),
            deadAfter: .milliseconds(2500)
        )
        let member = try MeshMember(configuration: configuration, logger: logger)
        let peer = MeshPeer(member: member, manager: MeshHubLifetimeManager(hub: "chat", member: member, logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await member.run() }
            defer { member.stop() }
            guard await member.waitUntilJoined(timeout: .seconds(15)) else { throw TestFailure("peer did not join \(join)") }
            return try await body(peer)
        }
    }

    /// Connects a recording connection of `protocolName`, optionally for a user and in groups.
    func connect(_ protocolName: String, user: String? = nil, groups: [String] = []) async throws -> RecordingConnection {
        let connection = RecordingConnection(
            connectionID: ConnectionID.make(member: member.id),
            userID: user,
            protocolName: protocolName
        )
        await manager.onConnected(connection)
        for group in groups { try await manager.addToGroup(connectionID: connection.connectionID, group: group) }
        return connection
    }
}
