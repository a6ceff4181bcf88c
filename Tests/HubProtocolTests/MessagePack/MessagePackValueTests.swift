import Testing

@testable import HubProtocol

@Suite("MessagePack values")
struct MessagePackValueTests {
    /// Each value with its smallest encoding, derived by hand from the MessagePack spec.
    static let canonical: [(HubValue, String)] = [
        (nil, "c0"), (false, "c2"), (true, "c3"),
        (0, "00"), (127, "7f"), (128, "cc 80"), (255, "cc ff"), (256, "cd 01 00"), (65_535, "cd ff ff"),
        (65_536, "ce 00 01 00 00"), (4_294_967_295, "ce ff ff ff ff"), (4_294_967_296, "cf 00 00 00 01 00 00 00 00"),
        (.uint(UInt64.max), "cf ff ff ff ff ff ff ff ff"),
        (-1, "ff"), (-32, "e0"), (-33, "d0 df"), (-128, "d0 80"), (-129, "d1 ff 7f"), (-32_768, "d1 80 00"),
        (-32_769, "d2 ff ff 7f ff"), (-2_147_483_648, "d2 80 00 00 00"), (-2_147_483_649, "d3 ff ff ff ff 7f ff ff ff"),
        (.int(Int64.min), "d3 80 00 00 00 00 00 00 00"),
        (1.5, "cb 3f f8 00 00 00 00 00 00"), (-2.0, "cb c0 00 00 00 00 00 00 00"),
        ("", "a0"), ("a", "a1 61"), ("é", "a2 c3 a9"),
        (.binary([]), "c4 00"), (.binary([1, 2]), "c4 02 01 02"),
        ([], "90"), ([1, "a"], "92 01 a1 61"), (.map([]), "80"), (["a": 1], "81 a1 61 01"),
        (.map([.init(key: 1, value: nil)]), "81 01 c0"),
    ]

    @Test("values encode to their smallest format and decode back")
    func canonicalBytes() throws {
        for (value, expected) in Self.canonical {
            #expect(hexString(value.messagePackBytes()) == expected, "\(value)")
            #expect(try HubValue(messagePack: hex(expected)) == value, "\(expected)")
        }
    }

    @Test("length boundaries switch formats")
    func boundaries() throws {
        let string31 = String(repeating: "x", count: 31)
        let string32 = String(repeating: "x", count: 32)
        let string256 = String(repeating: "x", count: 256)
        let string65536 = String(repeating: "x", count: 65_536)
        #expect(HubValue.string(string31).messagePackBytes().prefix(1) == [0xBF])
        #expect(HubValue.string(string32).messagePackBytes().prefix(2) == [0xD9, 0x20])
        #expect(HubValue.string(string256).messagePackBytes().prefix(3) == [0xDA, 0x01, 0x00])
        #expect(HubValue.string(string65536).messagePackBytes().prefix(5) == [0xDB, 0x00, 0x01, 0x00, 0x00])
        #expect(HubValue.binary(Array(repeating: 7, count: 256)).messagePackBytes().prefix(3) == [0xC5, 0x01, 0x00])
        #expect(HubValue.binary(Array(repeating: 7, count: 65_536)).messagePackBytes().prefix(5) == [0xC6, 0x00, 0x01, 0x00, 0x00])
        let array15 = HubValue.array(Array(repeating: 1, count: 15))
        let array16 = HubValue.array(Array(repeating: 1, count: 16))
        let array65536 = HubValue.array(Array(repeating: nil, count: 65_536))
        #expect(array15.messagePackBytes().prefix(1) == [0x9F])
        #expect(array16.messagePackBytes().prefix(3) == [0xDC, 0x00, 0x10])
        #expect(array65536.messagePackBytes().prefix(5) == [0xDD, 0x00, 0x01, 0x00, 0x00])
        let map16 = HubValue.map((0..<16).map { HubValue.Entry(key: .int(Int64($0)), value: nil) })
        #expect(map16.messagePackBytes().prefix(3) == [0xDE, 0x00, 0x10])
        for value in [HubValue.string(string65536), array65536, map16, array16] {
            #expect(try HubValue(messagePack: value.messagePackBytes()) == value)
        }
    }

    @Test("non-canonical formats are read too")
    func widerFormats() throws {
        #expect(try HubValue(messagePack: hex("ca 3f c0 00 00")) == .double(1.5))
        #expect(try HubValue(messagePack: hex("cc 24")) == .int(36))
        #expect(try HubValue(messagePack: hex("cd 00 01")) == .int(1))
        #expect(try HubValue(messagePack: hex("cf 00 00 00 00 00 00 00 05")) == .int(5))
        #expect(try HubValue(messagePack: hex("d0 05")) == .int(5))
        #expect(try HubValue(messagePack: hex("d3 00 00 00 00 00 00 00 05")) == .int(5))
        #expect(try HubValue(messagePack: hex("d9 01 61")) == .string("a"))
        #expect(try HubValue(messagePack: hex("da 00 01 61")) == .string("a"))
        #expect(try HubValue(messagePack: hex("db 00 00 00 01 61")) == .string("a"))
        #expect(try HubValue(messagePack: hex("c5 00 01 ff")) == .binary([0xFF]))
        #expect(try HubValue(messagePack: hex("c6 00 00 00 01 ff")) == .binary([0xFF]))
        #expect(try HubValue(messagePack: hex("dc 00 01 c0")) == [nil])
        #expect(try HubValue(messagePack: hex("dd 00 00 00 01 c0")) == [nil])
        #expect(try HubValue(messagePack: hex("de 00 01 a1 61 c0")) == ["a": nil])
        #expect(try HubValue(messagePack: hex("df 00 00 00 01 a1 61 c0")) == ["a": nil])
    }

    @Test(
        "malformed MessagePack is rejected with .invalidMessagePack",
        arguments: [
            "", "c1", "cd 01", "cf 00 00", "a3 61 62", "d9", "d9 05 61", "92 01", "dc 00", "dc 00 02 01", "81 a1 61",
            "c4 05 01", "c0 c0", "a2 c3 28", "a3 ed a0 80", "db ff ff ff ff 61", "dd ff ff ff ff", "df 7f ff ff ff",
            "de ff ff 01", "c6 ff ff ff ff 00", "cb 3f f8",
        ]
    )
    func malformed(_ bytes: String) {
        let error = capturedError { try HubValue(messagePack: hex(bytes)) }
        #expect(error?.code == .invalidMessagePack, "\(bytes) gave \(String(describing: error))")
    }

    @Test(
        "extension types are rejected with .unsupportedValue",
        arguments: [
            "d4 01 00", "d5 01 00 00", "d6 ff 00 00 00 00", "d7 ff 00 00 00 00 00 00 00 00", "d8 02" + String(repeating: " 00", count: 16),
            "c7 01 05 00", "c8 00 01 05 00", "c9 00 00 00 01 05 00",
        ]
    )
    func extensions(_ bytes: String) {
        let error = capturedError { try HubValue(messagePack: hex(bytes)) }
        #expect(error?.code == .unsupportedValue)
        #expect(error?.message.contains("extension type") == true)
    }

    @Test("the timestamp extension is named in the error")
    func timestamp() {
        let error = capturedError { try HubValue(messagePack: hex("d6 ff 5f 5e 10 00")) }
        #expect(error?.message.contains("timestamp") == true)
    }

    @Test("nesting is limited to 64 levels")
    func depth() throws {
        let ok = Array(repeating: UInt8(0x91), count: 64) + [0xC0]
        #expect(throws: Never.self) { try HubValue(messagePack: ok) }
        let deep = Array(repeating: UInt8(0x91), count: 65) + [0xC0]
        #expect(capturedError { try HubValue(messagePack: deep) }?.code == .nestingTooDeep)
        let deepMaps: [UInt8] = Array([[UInt8]](repeating: [0x81, 0xC0], count: 100_000).joined()) + [0xC0]
        #expect(capturedError { try HubValue(messagePack: deepMaps) }?.code == .nestingTooDeep)
    }
}
