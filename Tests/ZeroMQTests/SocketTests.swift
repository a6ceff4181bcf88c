import Testing
import ZeroMQ

@Suite("ZeroMQ sockets over tcp://127.0.0.1")
struct SocketTests {
    @Test func pubSubDeliversOnlySubscribedTopicsOverLoopback() throws {
        let context = try Context()
        let publisher = try Socket(context, type: .pub)
        let endpoint = try publisher.bind("tcp://127.0.0.1:*")
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        #expect(!endpoint.hasSuffix(":*"))
        let subscriber = try Socket(context, type: .sub)
        try subscriber.subscribe(Array("room1\0".utf8))
        try subscriber.connect(endpoint)
        try subscriber.setReceiveTimeout(milliseconds: 2000)
        // Slow joiner: publish until the subscription is in place, bounded.
        var first: [UInt8]?
        for _ in 0..<200 where first == nil {
            try publisher.send(Array("room10\0nope".utf8))
            try publisher.send(Array("room1\0hello".utf8))
            first = try subscriber.receiveFrame(dontWait: true)?.bytes
            if first == nil { try Poller.sleep(milliseconds: 10) }
        }
        #expect(first == Array("room1\0hello".utf8))
        // After it arrived, nothing for room10 ever shows up.
        for _ in 0..<50 {
            if let frame = try subscriber.receiveFrame(dontWait: true) {
                #expect(frame.bytes == Array("room1\0hello".utf8))
            }
        }
        publisher.close()
        subscriber.close()
    }

    @Test func dealerRouterMultipartRoundTrip() throws {
        let context = try Context()
        let router = try Socket(context, type: .router)
        try router.setRouterMandatory(true)
        let endpoint = try router.bind("tcp://127.0.0.1:*")
        let dealer = try Socket(context, type: .dealer)
        try dealer.setRoutingID(Array("client-1".utf8))
        try dealer.connect(endpoint)
        try dealer.send(multipart: [Array("a".utf8), [], Array(repeating: 7, count: 100_000)])
        try router.setReceiveTimeout(milliseconds: 2000)
        let frames = try #require(try router.receiveMultipart())
        #expect(frames.count == 4)
        #expect(frames[0] == Array("client-1".utf8))
        #expect(frames[1] == Array("a".utf8))
        #expect(frames[2].isEmpty)
        #expect(frames[3].count == 100_000)
        try router.send(multipart: [frames[0], Array("reply".utf8)])
        try dealer.setReceiveTimeout(milliseconds: 2000)
        #expect(try dealer.receiveFrame()?.bytes == Array("reply".utf8))
    }

    @Test func routerMandatoryReportsUnknownPeerInsteadOfDropping() throws {
        let context = try Context()
        let router = try Socket(context, type: .router)
        try router.setRouterMandatory(true)
        _ = try router.bind("tcp://127.0.0.1:*")
        #expect(throws: ZMQError.self) { try router.send(multipart: [Array("nobody".utf8), Array("x".utf8)], dontWait: true) }
        do {
            try router.send(multipart: [Array("nobody".utf8), Array("x".utf8)], dontWait: true)
        } catch {
            #expect(error.code == .hostUnreachable)
            #expect(error.message.contains("send"))
        }
    }

    @Test func xpubNoDropReportsWouldBlockAtTheHighWaterMark() throws {
        let context = try Context()
        let publisher = try Socket(context, type: .xpub)
        try publisher.setXPubNoDrop(true)
        try publisher.setSendHighWaterMark(10)
        let endpoint = try publisher.bind("tcp://127.0.0.1:*")
        let subscriber = try Socket(context, type: .sub)
        try subscriber.setReceiveHighWaterMark(10)
        try subscriber.subscribe([])
        try subscriber.connect(endpoint)
        try publisher.setReceiveTimeout(milliseconds: 2000)
        _ = try publisher.receiveFrame()  // the subscription: the pipe exists now
        var accepted = 0
        var refused = false
        for _ in 0..<1_000_000 {
            if try publisher.send(Array(repeating: 1, count: 1000), dontWait: true) {
                accepted += 1
            } else {
                refused = true
                break
            }
        }
        #expect(refused, "a subscriber that never reads must make the publisher wait, not drop")
        // Everything accepted is still delivered.
        var received = 0
        try subscriber.setReceiveTimeout(milliseconds: 1000)
        while received < accepted, try subscriber.receiveFrame() != nil { received += 1 }
        #expect(received == accepted)
    }

    @Test func badEndpointsGiveClearErrors() throws {
        let context = try Context()
        let socket = try Socket(context, type: .pub)
        do {
            _ = try socket.bind("bogus://nowhere")
            Issue.record("bind should fail")
        } catch {
            #expect(error.code == .protocolNotSupported)
            #expect(error.message.contains("bogus://nowhere"))
        }
        let taken = try socket.bind("tcp://127.0.0.1:*")
        let other = try Socket(context, type: .pub)
        do {
            _ = try other.bind(taken)
            Issue.record("second bind should fail")
        } catch {
            #expect(error.code == .addressInUse)
        }
    }

    @Test func pollerWakesOnEventFileDescriptor() throws {
        let wake = try WakeUp()
        let poller = Poller()
        poller.add(fileDescriptor: wake.fileDescriptor)
        #expect(try poller.poll(timeoutMilliseconds: 0) == 0)
        wake.signal()
        #expect(try poller.poll(timeoutMilliseconds: 1000) == 1)
        #expect(poller.readyEvents(at: 0).contains(.readable))
        wake.drain()
        #expect(try poller.poll(timeoutMilliseconds: 0) == 0)
    }

    @Test func monitorReportsConnection() throws {
        let context = try Context()
        let router = try Socket(context, type: .router)
        let endpoint = try router.bind("tcp://127.0.0.1:*")
        let dealer = try Socket(context, type: .dealer)
        let monitor = try dealer.monitor(context, endpoint: "inproc://monitor-test", events: [.connected, .handshakeSucceeded])
        try monitor.setReceiveTimeout(milliseconds: 2000)
        try dealer.connect(endpoint)
        let frames = try #require(try monitor.receiveMultipart())
        let event = try #require(MonitorEvent(frames: frames))
        #expect(event.kind == .connected || event.kind == .handshakeSucceeded)
        #expect(event.endpoint == endpoint)
    }

    @Test func curveKeysAreZ85() throws {
        guard Context.has("curve") else { return }
        let pair = try CurveKeyPair.generate()
        #expect(pair.publicKey.utf8.count == 40)
        #expect(pair.secretKey.utf8.count == 40)
        #expect(pair.publicKey != pair.secretKey)
    }
}

extension Poller {
    /// Sleeps on an empty poll (a portable millisecond sleep for tests).
    static func sleep(milliseconds: Int) throws {
        try Poller().poll(timeoutMilliseconds: milliseconds)
    }
}
