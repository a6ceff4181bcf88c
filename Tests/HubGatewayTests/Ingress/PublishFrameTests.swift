import Testing

@testable import HubMesh

/// The gateway's publishes are encoded before the mesh numbers them (outside the inbox's lock); the
/// numbers are patched in afterwards. The result must be the frame encoded with the numbers.
@Suite("Publish frames")
struct PublishFrameTests {
    @Test func patchingTheNumberingGivesTheFrameEncodedWithIt() throws {
        let payloads = Payloads(entries: [.init(name: "json", bytes: Array("{}\u{1E}".utf8)), .init(name: "messagepack", bytes: [1, 0x90])])
        let bodies: [MeshMessage.Body] = [
            .hub(.group(GroupMessage(hub: "chat", group: "room-é", excluded: ["n1.x"], payloads: payloads))),
            .hub(.all(AllMessage(hub: "h", payloads: payloads))),
            .hub(.connection(ConnectionMessage(hub: "hub", connectionID: "node-7.abc", payloads: payloads))),
            .hub(.user(UserMessage(hub: "hub", userID: "ü", payloads: payloads))),
        ]
        for origin in ["gw", "gateway-with-a-longer-id-ä"] {
            for body in bodies {
                let topic = try MeshCodec.topic(for: body)
                var frame = try MeshCodec.encode(
                    MeshMessage(header: MeshHeader(origin: origin, epoch: 42, sequence: 0, messageID: 0), body: body), topic: topic)
                let sequence: UInt64 = 0x0102_0304_0506_0708
                let messageID: UInt64 = 0xF0E0_D0C0_B0A0_9080
                MeshCodec.patchNumbering(
                    &frame, at: MeshCodec.numberingOffset(topic: topic, origin: origin), sequence: sequence, messageID: messageID)
                let expected = try MeshCodec.encode(
                    MeshMessage(header: MeshHeader(origin: origin, epoch: 42, sequence: sequence, messageID: messageID), body: body), topic: topic)
                #expect(frame == expected)
            }
        }
    }
}
