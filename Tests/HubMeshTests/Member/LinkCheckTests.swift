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
        let publisher = try MemberPair.member("pub")
        let receiver = try MemberPair.member("sub", join: [publisher.info.routerEndpoint])
        try await MemberPair.run(publisher: publisher, receiver: receiver, key: "text") { received in
            await receiver.subscribe(.group(hub: "chat", group: "g"))

            let total = 3000
            for number in 1...total {
                let payload = Payloads(["text": Array(String(number).utf8)])
                try await publisher.publish(.group(GroupMessage(hub: "chat", group: "g", payloads: payload)))
                if number == 300 { receiver.injectBrokenSubscription(to: publisher.id) }
                try await Task.sleep(for: .milliseconds(1))
            }
            let numbers = try await received.wait(for: total, timeout: .seconds(20))
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
        let member = try MemberPair.member("empty")
        let empty = HubEnvelope.group(GroupMessage(hub: "chat", group: "g", payloads: Payloads([:])))
        let error = await #expect(throws: HubMeshError.self) { try await member.publish(empty) }
        #expect(error?.code == .refused)
        #expect(error?.message.contains("at least one payload") == true, "\(String(describing: error))")
        #expect(throws: HubMeshError.self) { try member.publishBlocking(empty) }
    }
}
