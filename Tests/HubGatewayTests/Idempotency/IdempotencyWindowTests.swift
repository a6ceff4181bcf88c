import Testing

@testable import HubGateway

@Suite("Idempotency window")
struct IdempotencyWindowTests {
    let t0 = ContinuousClock.now

    typealias Window = IdempotencyWindow<ContinuousClock.Instant>

    @Test func aCommittedKeyIsADuplicateWithinTheWindow() {
        var window = Window(ttl: .seconds(300), capacity: 10)
        let first = window.reserve("k", now: t0)
        window.commit("k", now: t0)
        let second = window.reserve("k", now: t0 + .seconds(299))
        #expect(first == .reserved && second == .duplicate)
        #expect(window.count == 1)
    }

    @Test func aKeyIsForgottenAfterTheTTL() {
        var window = Window(ttl: .seconds(300), capacity: 10)
        _ = window.reserve("k", now: t0)
        window.commit("k", now: t0)
        #expect(!window.contains("k", now: t0 + .seconds(300)))
        let again = window.reserve("k", now: t0 + .seconds(300))
        #expect(again == .reserved)
    }

    @Test func theOldestKeysAreForgottenPastTheCapacity() {
        var window = Window(ttl: .seconds(300), capacity: 3)
        for (index, key) in ["a", "b", "c", "d"].enumerated() {
            let reservation = window.reserve(key, now: t0 + .seconds(index))
            #expect(reservation == .reserved)
            window.commit(key, now: t0 + .seconds(index))
        }
        #expect(window.count == 3)
        #expect(!window.contains("a", now: t0 + .seconds(5)))
        #expect(window.contains("b", now: t0 + .seconds(5)) && window.contains("d", now: t0 + .seconds(5)))
    }

    @Test func aReleasedReservationRecordsNothing() {
        var window = Window()
        let first = window.reserve("k", now: t0)
        let inFlight = window.reserve("k", now: t0)
        #expect(first == .reserved && inFlight == .duplicate, "in flight: at most one is delivered")
        window.release("k")
        let retry = window.reserve("k", now: t0)
        #expect(retry == .reserved)
        #expect(window.count == 0)
    }

    @Test func aReCommittedKeyOutlivesItsStaleEntry() {
        var window = Window(ttl: .seconds(10), capacity: 100)
        _ = window.reserve("k", now: t0)
        window.commit("k", now: t0)
        let again = window.reserve("k", now: t0 + .seconds(11))
        #expect(again == .reserved)
        window.commit("k", now: t0 + .seconds(11))
        #expect(window.contains("k", now: t0 + .seconds(20)))
        #expect(!window.contains("k", now: t0 + .seconds(21)))
    }

    @Test func manyKeysStayBoundedInMemory() {
        var window = Window(ttl: .seconds(1), capacity: 1000)
        for index in 0..<50_000 {
            let now = t0 + .milliseconds(index)
            _ = window.reserve("key-\(index)", now: now)
            window.commit("key-\(index)", now: now)
        }
        #expect(window.count <= 1000)
    }

    @Test func theProcessorAnswersDuplicateAndDeliversOnce() {
        let test = TestProcessor()
        var decoder = RequestDecoder()
        let frame = Array(#"{"v":1,"id":"1","kind":"all","hub":"chat","method":"m","arguments":[],"key":"once"}"#.utf8)
        #expect(String(decoding: test.answer(frame, &decoder), as: UTF8.self) == #"{"id":"1","ok":true}"#)
        #expect(String(decoding: test.answer(frame, &decoder), as: UTF8.self) == #"{"id":"1","ok":true,"duplicate":true}"#)
        #expect(test.published.count == 1)
    }

    @Test func aRequestRefusedAsUnavailableCanBeRetriedWithItsKey() {
        let test = TestProcessor(ready: false)
        var decoder = RequestDecoder()
        let frame = Array(#"{"v":1,"id":"1","kind":"all","hub":"chat","method":"m","arguments":[],"key":"retry"}"#.utf8)
        #expect(IngressCase.parse(test.answer(frame, &decoder))?["code"] as? String == "unavailable")
        test.state.markReady()
        #expect(String(decoding: test.answer(frame, &decoder), as: UTF8.self) == #"{"id":"1","ok":true}"#)
        #expect(test.published.count == 1)
    }
}
