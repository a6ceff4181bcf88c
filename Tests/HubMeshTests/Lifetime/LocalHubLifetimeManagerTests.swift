import HubMesh
import Synchronization
import Testing

/// A connection that records what it receives.
final class RecordingConnection: HubConnection {
    let connectionID: String
    let userID: String?
    let protocolName: String
    let received = Mutex<[String]>([])

    init(_ id: String, user: String? = nil, protocol name: String = "json") {
        connectionID = id
        userID = user
        protocolName = name
    }

    func write(_ bytes: [UInt8]) { received.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
    var messages: [String] { received.withLock { $0 } }
}

@Suite("Local hub lifetime manager")
struct LocalHubLifetimeManagerTests {
    static func payload(_ text: String) -> Payloads {
        Payloads(["json": Array("json:\(text)".utf8), "messagepack": Array("mp:\(text)".utf8)])
    }

    @Test func everySendReachesExactlyItsRecipientsInTheirProtocol() async throws {
        let manager = LocalHubLifetimeManager(hub: "chat")
        let a = RecordingConnection("n.a", user: "alice")
        let b = RecordingConnection("n.b", user: "bob", protocol: "messagepack")
        let c = RecordingConnection("n.c", user: "alice")
        for connection in [a, b, c] { await manager.onConnected(connection) }
        try await manager.addToGroup(connectionID: "n.a", group: "room")
        try await manager.addToGroup(connectionID: "n.b", group: "room")

        try await manager.sendAll(Self.payload("all"), excluding: ["n.c"])
        try await manager.sendGroup("room", Self.payload("group"), excluding: ["n.a"])
        try await manager.sendUser("alice", Self.payload("user"))
        try await manager.sendConnection("n.b", Self.payload("conn"))
        try await manager.sendConnection("n.nobody", Self.payload("ignored"))
        try await manager.sendGroups(["room", "empty"], Self.payload("groups"))

        #expect(a.messages == ["json:all", "json:user", "json:groups"])
        #expect(b.messages == ["mp:all", "mp:group", "mp:conn", "mp:groups"])
        #expect(c.messages == ["json:user"])
    }

    @Test func groupsFollowAddRemoveAndDisconnect() async throws {
        let manager = LocalHubLifetimeManager(hub: "chat")
        let a = RecordingConnection("n.a")
        await manager.onConnected(a)
        try await manager.addToGroup(connectionID: "n.a", group: "room")
        try await manager.removeFromGroup(connectionID: "n.a", group: "room")
        try await manager.sendGroup("room", Self.payload("after-remove"))
        try await manager.addToGroup(connectionID: "n.a", group: "room")
        await manager.onDisconnected("n.a")
        try await manager.sendGroup("room", Self.payload("after-disconnect"))
        #expect(a.messages.isEmpty)
        #expect(manager.local.groupCount == 0)
        await #expect(throws: HubMeshError.self) { try await manager.addToGroup(connectionID: "n.a", group: "room") }
    }

    @Test func groupSendsBetweenChangesReachTheGroupAsItIsThen() async throws {
        let manager = LocalHubLifetimeManager(hub: "chat")
        let (a, b, c) = (RecordingConnection("n.a"), RecordingConnection("n.b"), RecordingConnection("n.c"))
        for connection in [a, b, c] { await manager.onConnected(connection) }
        try await manager.addToGroup(connectionID: "n.a", group: "room")
        try await manager.addToGroup(connectionID: "n.b", group: "room")
        try await manager.sendGroup("room", Self.payload("1"))
        try await manager.sendGroup("room", Self.payload("2"), excluding: ["n.a"])
        try await manager.removeFromGroup(connectionID: "n.b", group: "room")
        try await manager.sendGroup("room", Self.payload("3"))
        try await manager.addToGroup(connectionID: "n.c", group: "room")
        try await manager.sendGroup("room", Self.payload("4"))
        await manager.onDisconnected("n.a")
        try await manager.sendGroup("room", Self.payload("5"))
        await manager.onDisconnected("n.c")
        try await manager.sendGroup("room", Self.payload("6"))
        try await manager.addToGroup(connectionID: "n.b", group: "room")
        try await manager.sendGroup("room", Self.payload("7"))
        #expect(a.messages == ["json:1", "json:3", "json:4"])
        #expect(b.messages == ["json:1", "json:2", "json:7"])
        #expect(c.messages == ["json:4", "json:5"])
        #expect(manager.local.groupCount == 1)
    }

    @Test func aConnectionAddedAgainUnderItsIdGetsItsGroupsMessages() async throws {
        let manager = LocalHubLifetimeManager(hub: "chat")
        let (first, second) = (RecordingConnection("n.a"), RecordingConnection("n.a"))
        await manager.onConnected(first)
        try await manager.addToGroup(connectionID: "n.a", group: "room")
        try await manager.sendGroup("room", Self.payload("1"))
        await manager.onConnected(second)
        try await manager.sendGroup("room", Self.payload("2"))
        #expect(first.messages == ["json:1"])
        #expect(second.messages == ["json:2"])
    }

    @Test func aMissingProtocolPayloadIsSkippedNotMisdelivered() async throws {
        let manager = LocalHubLifetimeManager(hub: "chat")
        let json = RecordingConnection("n.j")
        let other = RecordingConnection("n.o", protocol: "messagepack")
        await manager.onConnected(json)
        await manager.onConnected(other)
        try await manager.sendAll(Payloads(["json": Array("only-json".utf8)]))
        #expect(json.messages == ["only-json"])
        #expect(other.messages.isEmpty)
    }
}
