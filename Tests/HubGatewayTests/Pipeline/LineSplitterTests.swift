import Testing

@testable import HubGateway

@Suite("Pipeline line splitting")
struct LineSplitterTests {
    /// Splits `input` fed in chunks of `chunk` bytes; too-long lines come back as `<too long N>`.
    static func lines(_ input: String, chunk: Int = 3, max: Int = 10) -> [String] {
        var splitter = LineSplitter(maxLineBytes: max)
        var lines: [String] = []
        let collect = { (line: LineSplitter.Line) in
            switch line {
            case .text(let bytes): lines.append(String(decoding: bytes, as: UTF8.self))
            case .tooLong(let length): lines.append("<too long \(length)>")
            }
        }
        let bytes = Array(input.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(start + chunk, bytes.count)
            bytes[start..<end].withUnsafeBytes { splitter.feed($0, collect) }
            start = end
        }
        splitter.finish(collect)
        return lines
    }

    @Test(arguments: [1, 2, 3, 7, 100])
    func splitsOnNewlinesAcrossChunks(chunk: Int) {
        #expect(Self.lines("a\nbb\r\n\n  \nlast", chunk: chunk) == ["a", "bb", "", "  ", "last"])
    }

    @Test func theLastNewlineEndsTheInput() {
        #expect(Self.lines("a\nb\n") == ["a", "b"])
        #expect(Self.lines("") == [])
        #expect(Self.lines("\n") == [""])
    }

    @Test(arguments: [1, 4, 64])
    func longLinesAreReportedAndSkipped(chunk: Int) {
        #expect(Self.lines("0123456789\n0123456789x\nok\n0123456789\r\n", chunk: chunk) == ["0123456789", "<too long 11>", "ok", "0123456789"])
        #expect(Self.lines("ok\n" + String(repeating: "y", count: 50), chunk: chunk) == ["ok", "<too long 50>"])
    }

    @Test func aBlankLineIsBadJSON() {
        var decoder = RequestDecoder(options: .init(requiresVersion: false))
        let frame = PipelineReader.decode(.text(UnsafeRawBufferPointer(start: nil, count: 0)), &decoder)
        guard case .single(nil, .failure(let error)) = frame else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.code == .badJSON && error.message.contains("blank line"))
    }
}
