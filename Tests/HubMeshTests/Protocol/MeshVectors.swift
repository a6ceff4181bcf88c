import Foundation
import HubMesh

/// The messages behind `Tests/vectors/mesh/vectors.json`, one per kind and edge.
enum MeshVectors {
    static let header = MeshHeader(origin: "node-a", epoch: 1_700_000_000_000_000, sequence: 42, messageID: 7)
    static let payloads = Payloads([
        "json": Array("{\"type\":1,\"target\":\"Hi\",\"arguments\":[]}\u{1e}".utf8), "messagepack": [0x06, 0x96, 0x01, 0x80, 0xC0, 0xA2, 0x48, 0x69],
    ])
    static let member = MemberInfo(
        id: "node-b", epoch: 99, role: .node, publishEndpoint: "tcp://127.0.0.1:6011", routerEndpoint: "tcp://127.0.0.1:6010")

    static let messages: [(name: String, message: MeshMessage)] = [
        ("all", MeshMessage(header: header, body: .hub(.all(AllMessage(hub: "chat", payloads: payloads))))),
        (
            "all-excluded",
            MeshMessage(header: header, body: .hub(.all(AllMessage(hub: "chat", excluded: ["node-a.x1", "node-b.y2"], payloads: payloads))))
        ),
        (
            "connection",
            MeshMessage(header: header, body: .hub(.connection(ConnectionMessage(hub: "chat", connectionID: "node-c.abc", payloads: payloads))))
        ),
        ("group", MeshMessage(header: header, body: .hub(.group(GroupMessage(hub: "chat", group: "room1", payloads: payloads))))),
        (
            "group-excluded-unicode",
            MeshMessage(header: header, body: .hub(.group(GroupMessage(hub: "chat", group: "salle-é-🎉", excluded: ["node-a.z"], payloads: payloads))))
        ),
        ("user", MeshMessage(header: header, body: .hub(.user(UserMessage(hub: "chat", userID: "alice", payloads: payloads))))),
        ("user-no-payloads", MeshMessage(header: header, body: .hub(.user(UserMessage(hub: "chat", userID: "bob", payloads: Payloads([:])))))),
        (
            "group-management-add",
            MeshMessage(
                header: MeshHeader(origin: "node-a", epoch: 5, sequence: 0, messageID: 8),
                body: .hub(.groupManagement(GroupManagement(hub: "chat", action: .add, group: "room1", connectionID: "node-c.abc", ackID: 3)))
            )
        ),
        (
            "group-management-remove",
            MeshMessage(
                header: MeshHeader(origin: "node-a", epoch: 5, sequence: 0, messageID: 9),
                body: .hub(.groupManagement(GroupManagement(hub: "chat", action: .remove, group: "room1", connectionID: "node-c.abc", ackID: 4)))
            )
        ),
        (
            "ack-ok",
            MeshMessage(header: MeshHeader(origin: "node-c", epoch: 6, sequence: 0, messageID: 1), body: .hub(.ack(Ack(hub: "chat", ackID: 3))))
        ),
        (
            "ack-refused",
            MeshMessage(
                header: MeshHeader(origin: "node-c", epoch: 6, sequence: 0, messageID: 2),
                body: .hub(.ack(Ack(hub: "chat", ackID: 4, error: HubMeshError(code: .unknownConnection, message: "no connection 'node-c.abc'"))))
            )
        ),
        ("hello", MeshMessage(header: MeshHeader(origin: "node-b", epoch: 99, sequence: 0, messageID: 1), body: .control(.hello(member)))),
        ("welcome", MeshMessage(header: MeshHeader(origin: "node-b", epoch: 99, sequence: 0, messageID: 2), body: .control(.welcome([member])))),
        ("heartbeat-empty", MeshMessage(header: MeshHeader(origin: "node-b", epoch: 99, sequence: 0, messageID: 3), body: .control(.heartbeat([])))),
        (
            "barrier-ack",
            MeshMessage(
                header: MeshHeader(origin: "node-b", epoch: 99, sequence: 1, messageID: 4),
                body: .control(.barrierAck(member: "node-a", token: "5-1")))
        ),
        ("bye", MeshMessage(header: MeshHeader(origin: "node-b", epoch: 99, sequence: 0, messageID: 5), body: .control(.bye))),
        (
            "replay-request",
            MeshMessage(
                header: MeshHeader(origin: "node-c", epoch: 6, sequence: 0, messageID: 3),
                body: .control(.replayRequest(topic: Array("chat\0G\0room1\0".utf8), range: 40...41))
            )
        ),
        (
            "replay-data",
            MeshMessage(
                header: MeshHeader(origin: "node-a", epoch: 5, sequence: 0, messageID: 10),
                body: .control(.replayData([Array("chat\0G\0room1\0".utf8) + [1, 2, 3], [9]]))
            )
        ),
        (
            "replay-gone",
            MeshMessage(
                header: MeshHeader(origin: "node-a", epoch: 5, sequence: 0, messageID: 11),
                body: .control(.replayGone(topic: Array("chat\0G\0room1\0".utf8), range: 1...39))
            )
        ),
    ]

    static var fileURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("vectors/mesh/vectors.json")
    }

    struct Entry: Codable {
        var name: String
        var hex: String
    }

    static func load() throws -> [String: [UInt8]] {
        let entries = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: fileURL))
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.name, hexBytes($0.hex)) })
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    static func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
