import ArgumentParser
import Foundation
import HubMesh
import Logging
import Synchronization

/// The hub and group every mesh workload uses; the topic is `bench\0G\0g1\0`.
enum MeshBench {
    static let hub = "bench"
    static let group = "g1"

    /// `HUBMESH_BENCH_IO_BATCH=1`: every mesh member the harness starts (the hop's and the ingest's
    /// members, the gateways and the nodes) runs its I/O thread under `SCHED_BATCH`
    /// (``MeshConfiguration/ioThreadBatchScheduling``, off by default), to compare the two in one hour.
    static var ioBatchScheduling: Bool { ProcessInfo.processInfo.environment["HUBMESH_BENCH_IO_BATCH"] == "1" }

    /// The command-line flags that ask a `hubmesh-node` or `hubmesh-gateway` for the same.
    static var executableFlags: [String] { ioBatchScheduling ? ["--mesh-io-batch-scheduling"] : [] }

    /// A member of the hop (publisher or subscriber), with the I/O thread's scheduling asked for.
    static func configuration(id: String, join: [String]) -> MeshConfiguration {
        var configuration = MeshConfiguration(memberID: id, role: .member, endpoint: "tcp://127.0.0.1:0", join: join)
        configuration.ioThreadBatchScheduling = ioBatchScheduling
        return configuration
    }

    static func envelope(_ payload: [UInt8]) -> HubEnvelope {
        .group(GroupMessage(hub: hub, group: group, payloads: Payloads(entries: [.init(name: "json", bytes: payload)])))
    }

    /// Bytes of one mesh frame carrying a 100-byte payload from a member with this id: what the raw
    /// libzmq row sends, so both rows move frames of the same size.
    static func frameSize(origin: String) -> Int {
        let message = MeshMessage(
            header: MeshHeader(origin: origin, epoch: 1, sequence: 1, messageID: 1),
            body: .hub(envelope([UInt8](repeating: 0, count: BenchPayload.size))))
        return (try? MeshCodec.encode(message).count) ?? 0
    }

    static var topicBytes: [UInt8] { Topic.group(hub: hub, group: group).bytes }
}

/// `mesh-pub`: a member that publishes `count` envelopes (paced at `rate`/s, or as fast as the
/// mesh accepts them) after `go`, then reports and stays up until `quit`.
struct MeshPublisherRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mesh-pub", abstract: "(role) mesh publisher", shouldDisplay: false)

    @Option var id = "bench-pub"
    @Option var count = 1_000_000
    @Option var rate = 0
    @Option var join: [String] = []
    @Flag var sendImmediately = false

    func run() async throws {
        var configuration = MeshBench.configuration(id: id, join: join)
        configuration.sendImmediately = sendImmediately
        let member = try MeshMember(configuration: configuration, logger: Logger(label: "bench"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await member.run() }
            guard await member.waitUntilJoined() else { throw BenchError("publisher did not join") }
            RoleIO.say("ready \(member.info.routerEndpoint)")
            await RoleIO.wait(for: "go")
            let count = self.count
            let rate = self.rate
            let result = await RoleIO.onThread("bench-publish") { () -> SenderResult in
                var payload: [UInt8] = []
                var pacer = Pacer(ratePerSecond: rate)
                let start = monotonicNanos()
                for index in 0..<count {
                    BenchPayload.make(sendTime: pacer.due(index), sequence: UInt64(index + 1), into: &payload)
                    do {
                        try member.publishBlocking(MeshBench.envelope(payload))
                    } catch {
                        return SenderResult(sent: index, startNanos: start, endNanos: monotonicNanos(), extra: ["error": 1])
                    }
                }
                return SenderResult(sent: count, startNanos: start, endNanos: monotonicNanos(), extra: pacer.report)
            }
            RoleIO.say("sent", result)
            await RoleIO.wait(for: "quit")
            member.stop()
            try await group.waitForAll()
        }
    }
}

/// `mesh-sub`: a member that joins the publisher, subscribes the bench group (barrier included),
/// says `ready`, and reports once `count` envelopes arrived or `timeout` seconds passed.
struct MeshSubscriberRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mesh-sub", abstract: "(role) mesh subscriber", shouldDisplay: false)

    @Option var id = "bench-sub"
    @Option var join: [String] = []
    @Option var count = 1_000_000
    @Option var warmup = 0
    @Flag var latency = false
    @Flag(help: "Only count (the payloads are not the bench's own, e.g. they came through the gateway).")
    var plain = false
    @Option var timeout: Double = 60

    func run() async throws {
        let member = try MeshMember(
            configuration: MeshBench.configuration(id: id, join: join),
            logger: Logger(label: "bench"))
        let recorder = LatencyRecorder(warmup: warmup, recordLatency: latency && !plain, parsePayload: !plain)
        let done = Atomic<Bool>(false)
        let expected = count
        member.register(
            hub: MeshBench.hub,
            deliver: { delivery in
                guard case .group(let message) = delivery.envelope, let bytes = message.payloads["json"] else { return }
                bytes.withUnsafeBytes { recorder.receive($0) }
                if recorder.received == expected { done.store(true, ordering: .releasing) }
            },
            groupManagement: { _ in nil })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await member.run() }
            guard await member.waitUntilJoined() else { throw BenchError("subscriber did not join") }
            await member.subscribe(.group(hub: MeshBench.hub, group: MeshBench.group))
            RoleIO.say("ready")
            let deadline = ContinuousClock.now.advanced(by: .seconds(timeout))
            while !done.load(ordering: .acquiring) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            // Let the I/O thread publish its last snapshot before reading the counters.
            try await Task.sleep(for: .milliseconds(150))
            let counters = member.snapshot.counters
            RoleIO.say(
                "result",
                recorder.result(expected: expected, extra: ["gaps": Double(counters.gapsDetected), "lost": Double(counters.messagesLost)]))
            member.stop()
            try await group.waitForAll()
        }
    }
}
