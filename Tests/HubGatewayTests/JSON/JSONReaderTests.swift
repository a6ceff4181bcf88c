import Testing

@testable import HubGateway

/// The string scanner's eight-bytes-at-a-time fast path (`PlainASCII`, tested word by word in
/// HubProtocolTests) against the byte-by-byte rules.
@Suite("JSON reader")
struct JSONReaderTests {
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
