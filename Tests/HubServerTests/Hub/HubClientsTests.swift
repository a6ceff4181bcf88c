import HubMesh
import HubProtocol
import Testing

@testable import HubServer

@Suite("Hub sends go through the lifetime manager, once per protocol")
struct HubClientsTests {
    static func makeHub() -> Hub {
        var hub = Hub("chat")
        hub.on("ToAll") { (context: HubContext, text: String) in try await context.clients.all.send("Got", text) }
        hub.on("ToOthers") { (context: HubContext, text: String) in try await context.clients.others.send("Got", text) }
        hub.on("ToCaller") { (context: HubContext, text: String) in try await context.clients.caller.send("Got", text, 1) }
        hub.on("ToGroup") { (context: HubContext, group: String) in try await context.clients.group(group).send("Got", group) }
        hub.on("ToOthersInGroup") { (context: HubContext, group: String) in
            try await context.clients.othersInGroup(group).send("Got", group)
        }
        hub.on("ToUser") { (context: HubContext, user: String) in try await context.clients.user(user).send("Got", user) }
        hub.on("ToClient") { (context: HubContext, id: String) in try await context.clients.client(id).send("Got", id) }
        hub.on("Join") { (context: HubContext, group: String) in try await context.groups.add(context.connectionID, to: group) }
        hub.on("Leave") { (context: HubContext, group: String) in try await context.groups.remove(context.connectionID, from: group) }
        hub.on("JoinOther") { (context: HubContext, id: String, group: String) in try await context.groups.add(id, to: group) }
        return hub
    }

    static func targets(_ connection: RecordingConnection) -> [String] {
        connection.invocations.map { invocation in
            "\(invocation.target)(\(invocation.arguments.map { $0.stringValue ?? "\($0)" }.joined(separator: ",")))"
        }
    }

    @Test func allOthersAndCallerEachProtocol() async {
        let fixture = HubFixture(Self.makeHub())
        let a = await fixture.connect("local.a")
        let b = await fixture.connect("local.b", protocolName: "messagepack")
        #expect(await fixture.call("ToAll", ["hi"], as: "local.a") == .void)
        #expect(await fixture.call("ToOthers", ["psst"], as: "local.a") == .void)
        #expect(await fixture.call("ToCaller", ["me"], as: "local.b") == .void)
        #expect(Self.targets(a) == ["Got(hi)"])
        #expect(Self.targets(b) == ["Got(hi)", "Got(psst)", "Got(me,int(1))"])
    }

    @Test func groupsUsersAndConnections() async {
        let fixture = HubFixture(Self.makeHub())
        let a = await fixture.connect("local.a", user: "ann")
        let b = await fixture.connect("local.b", user: "bob")
        let b2 = await fixture.connect("local.b2", user: "bob")
        #expect(await fixture.call("Join", ["room"], as: "local.a") == .void)
        #expect(await fixture.call("Join", ["room"], as: "local.b") == .void)
        #expect(await fixture.call("ToGroup", ["room"], as: "local.b2") == .void)
        #expect(await fixture.call("ToOthersInGroup", ["room"], as: "local.a") == .void)
        #expect(await fixture.call("Leave", ["room"], as: "local.b") == .void)
        #expect(await fixture.call("ToGroup", ["room"], as: "local.a") == .void)
        #expect(await fixture.call("ToUser", ["bob"], as: "local.a") == .void)
        #expect(await fixture.call("ToClient", ["local.a"], as: "local.b") == .void)
        #expect(Self.targets(a) == ["Got(room)", "Got(room)", "Got(local.a)"])
        #expect(Self.targets(b) == ["Got(room)", "Got(room)", "Got(bob)"])
        #expect(Self.targets(b2) == ["Got(bob)"])
    }

    @Test func groupChangeForUnknownConnectionIsAClearError() async throws {
        let fixture = HubFixture(Self.makeHub())
        _ = await fixture.connect("local.a")
        let message = try #require(await fixture.call("JoinOther", ["local.nobody", "room"], as: "local.a")?.errorMessage)
        #expect(message.contains("Failed to invoke 'JoinOther'"))
        #expect(message.contains("local.nobody"))
    }

    @Test func serverSideClientsReachConnections() async throws {
        var hub = Hub("push")
        hub.on("Noop") { (_: HubContext) in }
        let server = try await HubServer(configuration: .init(port: 0), hubs: [hub], backplane: .local(nodeID: "n1"))
        #expect(server.clients(of: "missing") == nil)
        #expect(server.hubNames == ["push"])
        let clients = try #require(server.clients(of: "push"))
        try await clients.all.send("Tick", 1)
    }
}
