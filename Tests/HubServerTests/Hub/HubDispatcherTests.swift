import HubMesh
import HubProtocol
import Testing

@testable import HubServer

@Suite("Hub dispatch: typed arguments, results and errors")
struct HubDispatcherTests {
    struct Point: Codable, Hashable, Sendable {
        var x: Int
        var y: Int
    }

    static func makeHub() -> Hub {
        var hub = Hub("math")
        hub.on("Add") { (_: HubContext, a: Int, b: Int) in a + b }
        hub.on("Greet") { (_: HubContext, name: String, excited: Bool?) in "Hello, \(name)" + (excited == true ? "!" : ".") }
        hub.on("Move") { (_: HubContext, point: Point, by: Int) in Point(x: point.x + by, y: point.y + by) }
        hub.on("Nothing") { (_: HubContext) in }
        hub.on("Refuse") { (_: HubContext) -> Int in throw HubError(code: .forbidden, message: "not today") }
        hub.on("Break") { (_: HubContext) -> Int in throw TestHub.InternalFailure() }
        return hub
    }

    @Test func typedArgumentsAndResult() async {
        let fixture = HubFixture(Self.makeHub())
        #expect(await fixture.call("Add", [2, 40]) == .result(42))
        #expect(await fixture.call("Greet", ["Ada", true]) == .result("Hello, Ada!"))
        #expect(await fixture.call("Greet", ["Ada", nil]) == .result("Hello, Ada."))
        #expect(await fixture.call("Move", [["x": 1, "y": 2], 10]) == .result(["x": 11, "y": 12]))
    }

    @Test func voidMethodCompletesWithoutResult() async {
        let fixture = HubFixture(Self.makeHub())
        #expect(await fixture.call("Nothing", []) == .void)
    }

    @Test func unknownMethodIsAClearError() async {
        let fixture = HubFixture(Self.makeHub())
        #expect(await fixture.call("Subtract", [1, 2])?.errorMessage == "Unknown hub method 'Subtract'")
    }

    @Test func wrongArgumentCountIsAClearError() async throws {
        let fixture = HubFixture(Self.makeHub())
        let message = try #require(await fixture.call("Add", [1])?.errorMessage)
        #expect(message.contains("'Add'"))
        #expect(message.contains("takes 2 argument(s) but the invocation provides 1"))
        let tooMany = try #require(await fixture.call("Add", [1, 2, 3])?.errorMessage)
        #expect(tooMany.contains("provides 3"))
    }

    @Test func wrongArgumentTypeNamesTheArgument() async throws {
        let fixture = HubFixture(Self.makeHub())
        let message = try #require(await fixture.call("Add", [1, "two"])?.errorMessage)
        #expect(message.contains("argument 2 cannot be converted to Int"))
        let nested = try #require(await fixture.call("Move", [["x": 1], 3])?.errorMessage)
        #expect(nested.contains("argument 1 cannot be converted to Point"))
    }

    @Test func hubErrorsReachTheClientOtherErrorsDoNot() async throws {
        let fixture = HubFixture(Self.makeHub())
        #expect(await fixture.call("Refuse", [])?.errorMessage == "not today")
        let hidden = try #require(await fixture.call("Break", [])?.errorMessage)
        #expect(hidden == "Failed to invoke 'Break' due to an error on the server.")
        let detailed = HubFixture(Self.makeHub(), detailedErrors: true)
        let shown = try #require(await detailed.call("Break", [])?.errorMessage)
        #expect(shown.contains("must not see"))
    }

    @Test func nonBlockingInvocationGetsNoReplyEvenOnError() async {
        let fixture = HubFixture(Self.makeHub())
        let reply = await fixture.dispatcher.handle(
            .invocation(InvocationMessage(target: "Add", arguments: ["x"])),
            context: fixture.context("local.a")
        )
        #expect(reply == nil)
    }

    @Test func streamingAndUploadStreamsAreRefusedClearly() async throws {
        let fixture = HubFixture(Self.makeHub())
        let stream = await fixture.dispatcher.handle(
            .streamInvocation(StreamInvocationMessage(invocationId: "7", target: "Add", arguments: [1, 2])),
            context: fixture.context("local.a")
        )
        guard case .completion(let completion) = stream else {
            Issue.record("expected a completion, got \(String(describing: stream))")
            return
        }
        #expect(completion.invocationId == "7")
        #expect(completion.outcome.errorMessage?.contains("Streaming hub methods are not supported") == true)
        let upload = await fixture.dispatcher.handle(
            .invocation(InvocationMessage(invocationId: "8", target: "Add", arguments: [1, 2], streamIds: ["s"])),
            context: fixture.context("local.a")
        )
        guard case .completion(let uploadCompletion) = upload else {
            Issue.record("expected a completion")
            return
        }
        #expect(uploadCompletion.outcome.errorMessage?.contains("client-to-server streams") == true)
    }

    @Test func registeringTwiceReplacesAndMergeCombines() {
        var hub = Hub("h")
        hub.on("A") { (_: HubContext) in 1 }
        hub.on("A") { (_: HubContext, x: Int) in x }
        #expect(hub.methods["A"]?.parameterCount == 1)
        var other = Hub("h")
        other.on("B") { (_: HubContext) in }
        other.onConnected { _ in }
        hub.merge(other)
        #expect(Set(hub.methods.keys) == ["A", "B"])
        #expect(hub.connectedHooks.count == 1)
    }
}
