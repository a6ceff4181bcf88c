import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Pipeline mode (protocol section 10): NDJSON requests on an input descriptor, exactly one reply
/// line per input line, in order, on an output descriptor; published through a ``Gateway``.
///
/// It reads only once the gateway is ready, and returns at end of input after every reply is
/// written — put it after the gateway in a `ServiceGroup` with `successTerminationBehavior:
/// .gracefullyShutdownGroup`. `v` is optional in this mode; a blank line gets `bad_json`.
public struct Pipeline: Service {
    let gateway: Gateway
    let input: Int32
    let output: Int32

    /// Runs until end of input (or a graceful shutdown).
    /// - Throws: ``GatewayError`` `.notJoined` if the gateway does not join within its `joinTimeout`,
    ///   `.io` if the input cannot be read or the output written.
    public func run() async throws {
        guard await gateway.waitUntilReady(timeout: gateway.configuration.joinTimeout) else {
            if gateway.state.current == .stopping { return }
            throw GatewayError(
                code: .notJoined,
                message: "the gateway did not join the mesh through \(gateway.configuration.mesh.join) within \(gateway.configuration.joinTimeout); "
                    + "check the --join endpoints"
            )
        }
        let reader = PipelineReader(gateway: gateway, input: input, output: output)
        await withGracefulShutdownHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let thread = Thread {
                    reader.run()
                    continuation.resume()
                }
                thread.name = "hubmesh-pipeline"
                thread.start()
            }
        } onGracefulShutdown: {
            reader.stop()
        }
        if let error = reader.failure { throw error }
    }
}

/// The pipeline thread: reads chunks, splits lines, publishes, writes replies.
final class PipelineReader: @unchecked Sendable {
    private let gateway: Gateway
    private let input: Int32
    private let output: Int32
    private let stopRequested = Atomic<Bool>(false)
    private let failureBox = Mutex<GatewayError?>(nil)

    init(gateway: Gateway, input: Int32, output: Int32) {
        self.gateway = gateway
        self.input = input
        self.output = output
    }

    var failure: GatewayError? { failureBox.withLock { $0 } }

    func stop() { stopRequested.store(true, ordering: .releasing) }

    func run() {
        let limits = gateway.configuration.limits
        var decoder = RequestDecoder(options: gateway.configuration.decoderOptions(pipeline: true))
        var splitter = LineSplitter(maxLineBytes: limits.maxFrameBytes)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let processor = gateway.processor
        let handle = { (line: LineSplitter.Line) in
            processor.metrics.stdinLines.increment()
            let reply = processor.process(Self.decode(line, &decoder))
            reply.encode(into: &out)
            out.append(UInt8(ascii: "\n"))
        }
        while !stopRequested.load(ordering: .acquiring) {
            var poll = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            let ready = Glibc.poll(&poll, 1, 100)
            if ready == 0 || (ready < 0 && errno == EINTR) { continue }
            let count = chunk.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                fail("cannot read the input: errno \(errno)")
                break
            }
            if count == 0 {
                splitter.finish(handle)
                _ = write(&out)
                break
            }
            chunk.withUnsafeBytes { splitter.feed(UnsafeRawBufferPointer(rebasing: $0[0..<count]), handle) }
            guard write(&out) else { break }
        }
    }

    static func decode(_ line: LineSplitter.Line, _ decoder: inout RequestDecoder) -> DecodedFrame {
        switch line {
        case .tooLong(let length):
            return .refused(
                nil,
                .tooLarge,
                "line is \(length) bytes; the limit is \(decoder.options.maxFrameBytes): split the message or the batch"
            )
        case .text(let bytes):
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                return .refused(nil, .badJSON, "blank line: each line must hold one JSON request object")
            }
            return decoder.decode(bytes)
        }
    }

    /// Writes and empties `out`; `false` if the output is gone.
    private func write(_ out: inout [UInt8]) -> Bool {
        defer { out.removeAll(keepingCapacity: out.capacity <= 1 << 20) }
        var written = 0
        while written < out.count {
            let count = out.withUnsafeBytes { Glibc.write(output, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                fail("cannot write the replies: errno \(errno)")
                return false
            }
            written += count
        }
        return true
    }

    private func fail(_ message: String) {
        gateway.logger.error("pipeline stopped", metadata: ["hubmesh.gateway.error": "\(message)"])
        failureBox.withLock { $0 = GatewayError(code: .io, message: message) }
    }
}
