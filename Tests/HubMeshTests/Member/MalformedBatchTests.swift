import Synchronization
import Testing
import ZeroMQ

@testable import HubMesh

/// A peer that publishes a malformed batch, over real ZeroMQ sockets on loopback: the receiving
/// member refuses the batch as a whole, counts it, sees the gap it left at the next envelope, and has
/// the missing envelopes replayed, so its connections still get everything in order.
@Suite("A malformed batch from a peer")
struct MalformedBatchTests {
    static let origin = "fake-peer"
    static let topic = Topic.group(hub: "chat", group: "g")

    /// A group message on `topic` carrying `number` in its `json` payload.
    static func frame(_ number: UInt64, origin: String = origin) throws -> [UInt8] {
        try PrefixCacheTests.frame(origin: origin, epoch: 1, sequence: number, PrefixCacheTests.group("g", String(number)))
    }

    static func directed(_ body: MeshMessage.Body, id: UInt64) throws -> [UInt8] {
        try MeshCodec.encode(MeshMessage(header: MeshHeader(origin: origin, epoch: 1, sequence: 0, messageID: id), body: body))
    }

    /// Polls `body` every 5 ms until it returns a value or `timeout` passes.
    static func poll<T>(_ timeout: Duration, _ body: () throws -> T?) async throws -> T? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let value = try body() { return value }
            try await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    @Test func aMalformedBatchIsRefusedWholeAndWhatItHeldIsReplayed() async throws {
        let receiver = try MemberPair.member("sub")
        let received = MemberPair.record(receiver, key: "json")
        // The fake peer: an XPUB others subscribe to, a ROUTER for what is sent to it, a DEALER to the receiver.
        let context = try Context()
        let xpub = try Socket(context, type: .xpub)
        let router = try Socket(context, type: .router)
        let dealer = try Socket(context, type: .dealer)
        defer {
            for socket in [xpub, router, dealer] {
                try? socket.setLinger(milliseconds: 0)
                socket.close()
            }
            context.terminate()
        }
        let publishEndpoint = try xpub.bind("tcp://127.0.0.1:*")
        let routerEndpoint = try router.bind("tcp://127.0.0.1:*")
        try dealer.setRoutingID(Array(Self.origin.utf8))

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await receiver.run() }
            defer { receiver.stop() }
            #expect(await receiver.waitUntilJoined(timeout: .seconds(10)))
            await receiver.subscribe(Self.topic)
            try dealer.connect(receiver.info.routerEndpoint)
            let info = MemberInfo(id: Self.origin, epoch: 1, role: .member, publishEndpoint: publishEndpoint, routerEndpoint: routerEndpoint)
            _ = try dealer.send(try Self.directed(.control(.hello(info)), id: 1))

            // The receiver connects to our XPUB and subscribes to the group.
            let subscribed = try await Self.poll(.seconds(10)) { () throws -> Bool? in
                while let frame = try xpub.receiveFrame(dontWait: true)?.bytes {
                    if frame == [1] + Self.topic.bytes { return true }
                }
                return nil
            }
            #expect(subscribed == true, "the receiver never subscribed to the fake peer's XPUB")

            // 1 alone; 2 and 3 in a batch whose second frame names another origin; then 4 and 5 in a good batch.
            var bad: [UInt8] = []
            try MeshCodec.encodeBatch(
                topic: Self.topic.bytes, origin: Self.origin, epoch: 1, frames: [try Self.frame(2), try Self.frame(3, origin: "someone-else")],
                into: &bad)
            var good: [UInt8] = []
            try MeshCodec.encodeBatch(
                topic: Self.topic.bytes, origin: Self.origin, epoch: 1, frames: [try Self.frame(4), try Self.frame(5)], into: &good)
            for message in [try Self.frame(1), bad, good] { #expect(try xpub.send(message)) }

            // The gap 2...3 is asked for over our ROUTER; we replay the two envelopes through our DEALER.
            let request = try await Self.poll(.seconds(10)) { () throws -> ClosedRange<UInt64>? in
                while let frames = try router.receiveMultipart(dontWait: true) {
                    guard frames.count == 2, case .control(.replayRequest(let topic, let range)) = try MeshCodec.decode(frames[1]).body else {
                        continue
                    }
                    #expect(topic == Self.topic.bytes)
                    return range
                }
                return nil
            }
            #expect(request == 2...3, "the receiver must ask for exactly what the refused batch held")
            _ = try dealer.send(try Self.directed(.control(.replayData([try Self.frame(2), try Self.frame(3)])), id: 2))

            let numbers = try await received.wait(for: 5, timeout: .seconds(10))
            try await Task.sleep(for: .milliseconds(250))  // the counters snapshot is taken every 100 ms
            let counters = receiver.snapshot.counters
            #expect(numbers == [1, 2, 3, 4, 5], "everything, in order, the refused part from the replay")
            #expect(counters.decodeErrors == 1, "the bad batch is one decode error")
            #expect(counters.batchesReceived == 1, "only the good batch counts as received")
            #expect(counters.gapsDetected == 1 && counters.messagesRepaired == 2 && counters.messagesLost == 0)
        }
    }
}
