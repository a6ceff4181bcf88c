import Testing

@testable import HubGateway

/// The string scanner's eight-bytes-at-a-time fast path against the byte-by-byte rules.
@Suite("JSON reader")
struct JSONReaderTests {
    static func needsAttention(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    @Test func everyByteValueAtEveryPositionOfAWord() {
        for filler in [UInt8(ascii: "a"), 0x20, 0x7F, UInt8(ascii: "!"), UInt8(ascii: "]")] {
            #expect(!JSONReader.needsAttention(UInt64(filler) &* 0x0101_0101_0101_0101))
            for position in 0..<8 {
                for value in 0...255 {
                    var word = [UInt8](repeating: filler, count: 8)
                    word[position] = UInt8(value)
                    let loaded = word.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    #expect(JSONReader.needsAttention(loaded) == Self.needsAttention(UInt8(value)), "byte \(value) at \(position)")
                }
            }
        }
    }

    @Test func stringsWithAnEscapeOrNonASCIIAtEveryOffsetScanAndDecode() throws {
        for length in 0..<24 {
            for offset in 0...length {
                for (inserted, decoded) in [(#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), ("é", "é"), (#"\u00e9"#, "é"), ("", "")] {
                    let prefix = String(repeating: "p", count: offset)
                    let suffix = String(repeating: "s", count: length - offset)
                    let bytes = Array(#""\#(prefix)\#(inserted)\#(suffix)" "#.utf8)
                    let text = try bytes.withUnsafeBytes { buffer throws(JSONSyntaxError) -> String in
                        var reader = JSONReader(bytes: buffer)
                        let token = try reader.scanString()
                        #expect(reader.index == bytes.count - 1)
                        return reader.decode(token)
                    }
                    #expect(text == prefix + decoded + suffix)
                }
            }
        }
    }

    @Test func aRawControlCharacterOrAMissingQuoteIsFoundPastTheFastPath() {
        for offset in [0, 7, 8, 15, 16, 30] {
            let prefix = String(repeating: "x", count: offset)
            for bad in [Array(#""\#(prefix)"#.utf8) + [0x01] + Array(#"tail""#.utf8), Array(#""\#(prefix)abcdefghijklmnop"#.utf8)] {
                let failed = bad.withUnsafeBytes { buffer -> Bool in
                    var reader = JSONReader(bytes: buffer)
                    do {
                        _ = try reader.scanString()
                        return false
                    } catch {
                        return true
                    }
                }
                #expect(failed, "\(bad)")
            }
        }
    }
}
