import Foundation
import Synchronization
import Testing

@testable import HubMesh

/// Batching with two real members in this process over loopback: a burst leaves in batches, and
/// arrives complete and in publish order, across topics, exactly as without batching.
@Suite("Batches between real members")
struct BatchingTests {
    /// A library user gets the same refusal as the command lines: the member does not start.
    @Test func aMemberRefusesABatchSizeOrHighWaterMarkItCannotUse() {
        let refused: [(String, (inout MeshConfiguration) -> Void)] = [
            ("maxBatchEnvelopes must be 1 to 65535", { $0.maxBatchEnvelopes = 0 }),
            ("maxBatchEnvelopes must be 1 to 65535", { $0.maxBatchEnvelopes = 65_536 }),
            ("highWaterMark must be at least 1", { $0.highWaterMark = 0 }),
            ("maxBatchBytes must be at least 1", { $0.maxBatchBytes = 0 }),
            ("forgetAfter must be longer than deadAfter", { $0.forgetAfter = $0.deadAfter }),
        ]
        for (message, configure) in refused {
            do {
                _ = try MemberPair.member("bad", configure: configure)
                Issue.record("started although '\(message)'")
            } catch let error as HubMeshError {
                #expect(error.code == .configuration)
                #expect(error.message.contains(message), "\(error.message)")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test(arguments: [64, 1])
    func aBurstOverTwoTopicsArrivesCompleteAndInPublishOrder(maxBatchEnvelopes: Int) async throws {
        let publisher = try MemberPair.member("pub") { $0.maxBatchEnvelopes = maxBatchEnvelopes }
        let receiver = try MemberPair.member("sub", join: [publisher.info.routerEndpoint])
        try await MemberPair.run(publisher: publisher, receiver: receiver, key: "n") { received in
            await receiver.subscribe(.group(hub: "chat", group: "g1"))
            await receiver.subscribe(.group(hub: "chat", group: "g2"))
            #expect(await publisher.waitUntilJoined(timeout: .seconds(10)))
            try await Task.sleep(for: .milliseconds(300))

            // Runs of 7 envelopes per topic, published as fast as the mesh takes them.
            let total = 50_000
            for number in 1...total {
                let group = (number / 7) % 2 == 0 ? "g1" : "g2"
                try await publisher.publish(.group(GroupMessage(hub: "chat", group: group, payloads: Payloads(["n": Array(String(number).utf8)]))))
            }
            let numbers = try await received.wait(for: total, timeout: .seconds(30))
            try await Task.sleep(for: .milliseconds(250))  // the counters snapshot is taken every 100 ms
            let sent = publisher.snapshot.counters
            let got = receiver.snapshot.counters
            print(
                "batching \(maxBatchEnvelopes): received \(numbers.count) of \(total); batches \(sent.batchesPublished) sent, \(got.batchesReceived) received"
            )
            #expect(numbers == Array(1...total), "complete and in order (got \(numbers.count))")
            #expect(sent.published["group"] == total)
            #expect(got.received["group"] == total)
            #expect(got.messagesLost == 0 && got.gapsDetected == 0 && got.decodeErrors == 0)
            if maxBatchEnvelopes > 1 {
                #expect(sent.batchesPublished > 0, "a burst leaves in batches")
                #expect(got.batchesReceived == sent.batchesPublished)
            } else {
                #expect(sent.batchesPublished == 0 && got.batchesReceived == 0)
            }
        }
    }

    /// With `sendImmediately`, publishers on several threads send on their own threads while the I/O
    /// thread sends its control frames and retries: every envelope arrives, each publisher's in its
    /// order, with no gap (the numbering and the order on the wire agree).
    @Test func immediateSendsFromConcurrentPublishersArriveCompleteAndInOrder() async throws {
        let publisher = try MemberPair.member("pub") { $0.sendImmediately = true }
        let receiver = try MemberPair.member("sub", join: [publisher.info.routerEndpoint])
        try await MemberPair.run(publisher: publisher, receiver: receiver, key: "n") { received in
            for group in ["g0", "g1", "g2", "g3"] { await receiver.subscribe(.group(hub: "chat", group: group)) }
            #expect(await publisher.waitUntilJoined(timeout: .seconds(10)))
            try await Task.sleep(for: .milliseconds(300))

            let perPublisher = 10_000
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for task in 0..<4 {
                    tasks.addTask {
                        for index in 1...perPublisher {
                            // Tasks 0 and 1 share a topic, so two threads send on one sequence too.
                            let group = "g\(task < 2 ? 0 : task)"
                            let number = task * 1_000_000 + index
                            try await publisher.publish(
                                .group(GroupMessage(hub: "chat", group: group, payloads: Payloads(["n": Array(String(number).utf8)]))))
                        }
                    }
                }
                try await tasks.waitForAll()
            }
            let numbers = try await received.wait(for: 4 * perPublisher, timeout: .seconds(30))
            try await Task.sleep(for: .milliseconds(250))  // the counters snapshot is taken every 100 ms
            for task in 0..<4 {
                let own = numbers.filter { $0 / 1_000_000 == task }.map { $0 % 1_000_000 }
                #expect(own == Array(1...perPublisher), "publisher \(task): complete and in order (got \(own.count))")
            }
            let got = receiver.snapshot.counters
            #expect(publisher.snapshot.counters.published["group"] == 4 * perPublisher)
            #expect(got.messagesLost == 0 && got.gapsDetected == 0 && got.decodeErrors == 0)
        }
    }

    /// A publisher that sends on its own thread does not wait while another thread holds the publish
    /// lane (here this test, for a second; in a member, the I/O thread or another publisher): the
    /// publish returns at once, and the holder sends the envelope when it lets go.
    @Test func anImmediatePublisherLeavesItsEnvelopeToTheThreadHoldingTheLane() async throws {
        let publisher = try MemberPair.member("pub") { $0.sendImmediately = true }
        let receiver = try MemberPair.member("sub", join: [publisher.info.routerEndpoint])
        try await MemberPair.run(publisher: publisher, receiver: receiver, key: "n") { received in
            await receiver.subscribe(.group(hub: "chat", group: "g1"))
            #expect(await publisher.waitUntilJoined(timeout: .seconds(10)))
            try await Task.sleep(for: .milliseconds(300))

            let inbox = publisher.inbox
            let held = DispatchSemaphore(value: 0)
            let released = Released()
            Thread.detachNewThread {
                inbox.withLane { _ in
                    held.signal()
                    Thread.sleep(forTimeInterval: 1)
                    released.value.withLock { $0 = true }
                }
            }
            held.wait()
            let start = ContinuousClock.now
            try publisher.publishBlocking(.group(GroupMessage(hub: "chat", group: "g1", payloads: Payloads(["n": Array("1".utf8)]))))
            let took = start.duration(to: .now)
            #expect(took < .milliseconds(500), "the publish waited \(took) for the lane")
            let releasedBeforeReturn = released.value.withLock { $0 }
            #expect(!releasedBeforeReturn, "the lane was let go before the publish returned")
            #expect(try await received.wait(for: 1, timeout: .seconds(10)) == [1])
            let releasedBeforeArrival = released.value.withLock { $0 }
            #expect(releasedBeforeArrival, "it left while the lane was held")
        }
    }

    final class Released: Sendable {
        let value = Mutex(false)
    }
}
