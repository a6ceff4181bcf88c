import Foundation
import HubMesh
import Testing

/// Malformed frames recorded by the fuzzer (`scripts/fuzz.sh`), kept in `Tests/vectors/malformed/mesh/`:
/// each must be rejected with the recorded error code and a message, never decoded, never a crash.
@Suite("Recorded corpus of malformed mesh frames")
struct MalformedCorpusTests {
    static var folder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("vectors/malformed/mesh")
    }

    @Test func everyRecordedFrameGetsItsRecordedError() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".bin") }.sorted()
        #expect(files.count >= 50)
        let expectedURL = Self.folder.appendingPathComponent("expected.json")
        var observed: [String: String] = [:]
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent(file)))
            do {
                let message = try MeshCodec.decode(bytes)
                observed[file] = "decoded"
                // A fuzzer input may be valid; then it must round-trip.
                #expect(try MeshCodec.decode(MeshCodec.encode(message)) == message, "\(file)")
            } catch {
                #expect(!error.message.isEmpty, "\(file): error without a message")
                observed[file] = "\(error.code)"
            }
        }
        if ProcessInfo.processInfo.environment["HUBMESH_WRITE_VECTORS"] == "1" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(observed).write(to: expectedURL)
        }
        let expected = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: expectedURL))
        #expect(observed == expected)
        #expect(observed.values.filter { $0 != "decoded" }.count >= 40, "the corpus is meant to hold rejected frames")
    }
}
