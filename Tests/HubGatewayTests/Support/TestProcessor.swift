import HubMesh
import Logging
import Synchronization

@testable import HubGateway

/// A ``RequestProcessor`` whose mesh is a list: what would have been published, in order.
final class TestProcessor: Sendable {
    final class Log: Sendable {
        let envelopes = Mutex<[HubEnvelope]>([])
    }

    let log = Log()
    let processor: RequestProcessor
    let state = GatewayStateBox()

    init(ready: Bool = true, idempotency: GatewayConfiguration.Idempotency = .init()) {
        let log = self.log
        processor = RequestProcessor(idempotency: idempotency, state: state, logger: Logger(label: "test")) { envelope, _ in
            log.envelopes.withLock { $0.append(envelope) }
        }
        if ready { state.markReady() }
    }

    var published: [HubEnvelope] { log.envelopes.withLock { $0 } }

    /// Decodes, processes and encodes: the reply bytes the gateway would send.
    func answer(_ frame: [UInt8], _ decoder: inout RequestDecoder) -> [UInt8] {
        processor.process(decoder.decode(frame)).bytes
    }
}
