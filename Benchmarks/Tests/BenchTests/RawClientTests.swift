import Foundation
import Glibc
import HubProtocol
import Testing

@testable import hubmesh_bench

/// The plain-socket side of the harness: the fan-out floor's frames are as large as a node's, and
/// the `posix` load client reads WebSocket frames however the bytes arrive.
@Suite("Raw TCP and posix load clients")
struct RawClientTests {
    /// The floor writes frames of the size a node writes per delivery of the fan-out message.
    @Test func theFloorsFramesAreAsLargeAsANodesWebSocketFrames() throws {
        let argument = String(repeating: "x", count: BenchPayload.size)
        let message = try JSONHubProtocol().encode(.invocation(InvocationMessage(target: "m", arguments: [.string(argument)])))
        // A server frame with a payload of 126 to 65,535 bytes: 2 header bytes and a 16-bit length.
        #expect(message.count > 125)
        #expect(TCPFanOut.frameSize == message.count + 4)
    }

    /// An unmasked server frame, `payload` behind the header its length needs.
    static func serverFrame(_ payload: [UInt8], opcode: UInt8 = 0x1) -> [UInt8] {
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(127)
            frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        return frame + payload
    }

    /// The frames `parseFrames` finds at the start of `bytes`, and how many bytes they took.
    static func parse(_ bytes: [UInt8]) throws -> (frames: [(UInt8, [UInt8])], used: Int) {
        var frames: [(UInt8, [UInt8])] = []
        let used = try bytes.withUnsafeBytes { raw in try PosixLoadClient.parseFrames(raw) { frames.append(($0, Array($1))) } }
        return (frames, used)
    }

    @Test(arguments: [5, 125, 126, 145, 65_535, 65_536])
    func aFrameIsParsedOnlyOnceWholeWhereverTheBytesAreCut(size: Int) throws {
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let stream = Self.serverFrame(payload) + Self.serverFrame([1, 2, 3], opcode: 0x9)
        let first = stream.count - 5
        for cut in Set([0, 1, 2, 3, 4, 9, 10, first - 1, first, first + 1]) where cut <= stream.count {
            let (frames, used) = try Self.parse(Array(stream[..<cut]))
            if cut < first {
                #expect(frames.isEmpty && used == 0, "cut at \(cut)")
            } else {
                #expect(frames.count == 1 && used == first, "cut at \(cut)")
            }
        }
        let (frames, used) = try Self.parse(stream)
        #expect(used == stream.count)
        #expect(frames.map(\.0) == [0x1, 0x9])
        #expect(frames.first?.1 == payload)
        #expect(frames.last?.1 == [1, 2, 3])
    }

    /// What `writeFrame` writes (masked, as a client must) comes back unmasked through `parseFrames`.
    @Test(arguments: [0, 40, 200, 70_000])
    func aWrittenClientFrameParsesBackToItsPayload(size: Int) throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { pair.forEach { close($0) } }
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ 7) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let sender = pair[0]
        let writer = Thread { try? PosixLoadClient.writeFrame(sender, opcode: 0x1, payload: payload) }
        writer.start()
        while try bytes.count < size + 6 || Self.parse(bytes).frames.isEmpty {
            let n = chunk.withUnsafeMutableBytes { read(pair[1], $0.baseAddress!, $0.count) }
            try #require(n > 0)
            bytes += chunk[..<n]
        }
        #expect(bytes[1] & 0x80 != 0, "client frames are masked")
        let (frames, used) = try Self.parse(bytes)
        #expect(used == bytes.count)
        #expect(frames.count == 1 && frames.first?.0 == 0x1 && frames.first?.1 == payload)
    }
}
