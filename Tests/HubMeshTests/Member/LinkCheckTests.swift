import Foundation
import Logging
import Synchronization
import Testing

@testable import HubMesh

/// The subscription link check, with two real members in this process over loopback.
@Suite("Subscription link check")
struct LinkCheckTests {
    /// A subscriber's link to a publisher's PUB breaks silently (nothing arrives, the peer is still
    /// heard over ROUTER): the subscriber notices within twice `deadAfter`, reconnects, and repairs
    /// what it missed, so the stream arrives complete and in order. Without the check it would
    /// receive nothing more from that publisher.
    @Test func aSilentlyBrokenSubscriptionIsReconnectedAndRepaired() async throws {
        let publisher = try Self.member("pub")
        let receiver = try Self.member("sub", join: [publisher.info.routerEndpoint])
        let received = Mutex<[Int]>([])
        receiver.register(
            hub: "chat",
            deliver: { delivery in
                guard case .group(let message) = delivery.envelope, let bytes = message.payloads["text"] else { return }
                if let number = Int(String(decoding: bytes, as: UTF8.self)) { received.withLock { $0.append(number) } }
            },
            groupManagement: { _ in nil }
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await publisher.run() }
            tasks.addTask { try await receiver.run() }
            defer {
                publisher.stop()
                receiver.stop()
            }
            #expect(await receiver.waitUntilJoined(timeout: .seconds(10)))
            await receiver.subscribe(.group(hub: "chat", group: "g"))

            let total = 3000
            for number in 1...total {
                let payload = Payloads(["text": Array(String(number).utf8)])
                try await publisher.publish(.group(GroupMessage(hub: "chat", group: "g", payloads: payload)))
                if number == 300 { receiver.injectBrokenSubscription(to: publisher.id) }
                try await Task.sleep(for: .milliseconds(1))
            }
            let deadline = ContinuousClock.now.advanced(by: .seconds(20))
            while received.withLock({ $0.count }) < total && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            let numbers = received.withLock { $0 }
            let counters = receiver.snapshot.counters
            print(
                "link check: received \(numbers.count) of \(total); resets=\(counters.linkResets) gaps=\(counters.gapsDetected) repaired=\(counters.messagesRepaired) lost=\(counters.messagesLost)"
            )
            #expect(numbers == Array(1...total), "complete and in order (got \(numbers.count))")
            #expect(counters.linkResets == 1)
            #expect(counters.messagesRepaired > 0, "the messages sent while the link was down come from the replay buffer")
            #expect(counters.messagesLost == 0)
        }
    }

    /// An envelope without payloads would reach nobody (receivers take it for a flush): refused, clearly.
    @Test func publishingAnEnvelopeWithoutPayloadsIsRefused() async throws {
        let member = try Self.member("empty")
        let empty = HubEnvelope.group(GroupMessage(hub: "chat", group: "g", payloads: Payloads([:])))
        let error = await #expect(throws: HubMeshError.self) { try await member.publish(empty) }
        #expect(error?.code == .refused)
        #expect(error?.message.contains("at least one payload") == true, "\(String(describing: error))")
        #expect(throws: HubMeshError.self) { try member.publishBlocking(empty) }
    }

    static func member(_ name: String, join: [String] = []) throws -> MeshMember {
        var logger = Logger(label: "test.\(name)")
        logger.logLevel = .warning
        let configuration = MeshConfiguration(
            memberID: "\(name)-\(UInt32.random(in: 0...UInt32.max))",
            endpoint: "tcp://127.0.0.1:0",
            join: join,
            heartbeatInterval: .milliseconds(200),
            deadAfter: .milliseconds(1000)
        )
        return try MeshMember(configuration: configuration, logger: logger)
    }
}
