import Testing

@testable import HubProtocol

@Suite("VarInt length prefix")
struct VarIntTests {
    @Test("spec examples decode")
    func specExamples() throws {
        #expect(try VarInt.read(hex("35"), at: 0)?.value == 53)
        #expect(try VarInt.read(hex("80 29"), at: 0)?.value == 5248)
        let largest = try VarInt.read(hex("ff ff ff ff 07"), at: 0)
        #expect(largest?.value == 0x7FFF_FFFF)
        #expect(largest?.length == 5)
    }

    @Test("encoding uses 7 bits per byte, least significant group first")
    func encoding() throws {
        let cases: [(Int, String)] = [
            (0, "00"), (1, "01"), (127, "7f"), (128, "80 01"), (5248, "80 29"), (16_383, "ff 7f"), (16_384, "80 80 01"),
            (2_097_152, "80 80 80 01"), (268_435_456, "80 80 80 80 01"), (0x7FFF_FFFF, "ff ff ff ff 07"),
        ]
        for (value, expected) in cases {
            var out: [UInt8] = []
            VarInt.write(value, into: &out)
            #expect(hexString(out) == expected)
            #expect(VarInt.encodedLength(of: value) == out.count)
            #expect(try VarInt.read(out, at: 0)?.value == value)
        }
    }

    @Test("incomplete prefixes ask for more data")
    func incomplete() throws {
        #expect(try VarInt.read([UInt8](), at: 0) == nil)
        #expect(try VarInt.read(hex("80"), at: 0) == nil)
        #expect(try VarInt.read(hex("ff ff ff ff"), at: 0) == nil)
        #expect(try VarInt.read(hex("05 80"), at: 1) == nil)
    }

    @Test("prefixes beyond 5 bytes or 2 GB are rejected", arguments: ["ff ff ff ff 08", "ff ff ff ff ff", "80 80 80 80 80 01"])
    func invalid(_ bytes: String) {
        #expect(capturedError { try VarInt.read(hex(bytes), at: 0) }?.code == .invalidLengthPrefix)
    }

    @Test("framing puts the shortest prefix in front of the body")
    func framing() throws {
        for size in [0, 1, 127, 128, 16_383, 16_384, 70_000] {
            let framed = try VarInt.framed(capacity: 0) { (out) throws(HubProtocolError) in
                out.append(contentsOf: repeatElement(0xAB, count: size))
            }
            let prefix = try #require(try VarInt.read(framed, at: 0))
            #expect(prefix.value == size)
            #expect(prefix.length == VarInt.encodedLength(of: size))
            #expect(framed.count == prefix.length + size)
        }
    }
}
