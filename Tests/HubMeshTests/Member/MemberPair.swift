import Foundation
import Logging
import Synchronization

@testable import HubMesh

/// Two real members in this process over loopback: a publisher, and a receiver joined to it that
/// records the numbers carried by the group messages of hub `chat` it is delivered.
enum MemberPair {
    /// The numbers a receiver was delivered, in delivery order.
    final class Numbers: Sendable {
        let values = Mutex<[Int]>([])

        var all: [Int] { values.withLock { $0 } }

        /// Waits until `count` numbers arrived or `timeout` passed; returns them.
        func wait(for count: Int, timeout: Duration) async throws -> [Int] {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while values.withLock({ $0.count }) < count && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            return all
        }
    }

    /// Runs both members for the duration of `body`, once the receiver joined; numbers are read from
    /// payload `key` of every group message.
    static func run(
        publisher: MeshMember,
        receiver: MeshMember,
        key: String,
        _ body: @escaping @Sendable (Numbers) async throws -> Void
    ) async throws {
        let numbers = record(receiver, key: key)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await publisher.run() }
            tasks.addTask { try await receiver.run() }
            defer {
                publisher.stop()
                receiver.stop()
            }
            guard await receiver.waitUntilJoined(timeout: .seconds(10)) else {
                throw HubMeshError(code: .notRunning, message: "receiver did not join")
            }
            try await body(numbers)
        }
    }

    /// Registers hub `chat` on `receiver`, recording the number in payload `key` of every group
    /// message it is delivered.
    static func record(_ receiver: MeshMember, key: String) -> Numbers {
        let numbers = Numbers()
        receiver.register(
            hub: "chat",
            deliver: { delivery in
                guard case .group(let message) = delivery.envelope, let bytes = message.payloads[key] else { return }
                if let number = Int(String(decoding: bytes, as: UTF8.self)) { numbers.values.withLock { $0.append(number) } }
            },
            groupManagement: { _ in nil }
        )
        return numbers
    }

    /// A member on a free port with fast heartbeats; `configure` adjusts the rest.
    static func member(_ name: String, join: [String] = [], configure: (inout MeshConfiguration) -> Void = { _ in }) throws -> MeshMember {
        var logger = Logger(label: "test.\(name)")
        logger.logLevel = .warning
        var configuration = MeshConfiguration(
            memberID: "\(name)-\(UInt32.random(in: 0...UInt32.max))",
            endpoint: "tcp://127.0.0.1:0",
            join: join,
            heartbeatInterval: .milliseconds(200),
            deadAfter: .milliseconds(1000)
        )
        configure(&configuration)
        return try MeshMember(configuration: configuration, logger: logger)
    }
}
