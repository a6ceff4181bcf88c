import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The nio engine of `ws-clients`: `connections` plain SwiftNIO client channels, each upgraded
/// from HTTP/1.1 to WebSocket with NIO's client upgrader, then served by a ``SignalRLoadHandler``.
///
/// Connections are opened `connectConcurrency` at a time (each frees its permit when it has joined
/// or failed). ``run(state:)`` keeps them open until its task is cancelled, then closes them all.
struct NIOLoadClient {
    var url: String
    var connections: Int
    var connectConcurrency: Int
    /// Event-loop threads; every connection is served by one of them.
    var threads: Int
    var session: SignalRLoadSession

    func run(state: LoadState) async throws {
        guard let parsed = URL(string: url), let host = parsed.host else { throw BenchError("bad --url \(url)") }
        let port = parsed.port ?? 80
        let path = parsed.path.isEmpty ? "/" : parsed.path
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let gate = AsyncGate(permits: connectConcurrency)
        let session = self.session
        for index in 0..<connections {
            await gate.acquire()
            let bootstrap = ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let upgraded = try Self.configure(
                            channel, host: host, port: port, path: path,
                            handler: { SignalRLoadHandler(index: index, session: session, state: state, gate: gate) })
                        upgraded.whenComplete { result in
                            switch result {
                            case .success(true): channel.pipeline.fireUserInboundEventTriggered(SignalRLoadHandler.Upgraded())
                            case .success(false): Self.failed(BenchError("WebSocket upgrade refused"), index, state, gate)
                            case .failure(let error): Self.failed(error, index, state, gate)
                            }
                        }
                    }
                }
            bootstrap.connect(host: host, port: port).whenFailure { error in Self.failed(error, index, state, gate) }
        }
        // Serve until the role is done.
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        try? await group.shutdownGracefully()
    }

    /// The HTTP client pipeline with the WebSocket upgrade; the future says whether it upgraded.
    private static func configure(
        _ channel: any Channel, host: String, port: Int, path: String, handler: @escaping @Sendable () -> SignalRLoadHandler
    ) throws -> EventLoopFuture<Bool> {
        let upgrader = NIOTypedWebSocketClientUpgrader<Bool>(maxFrameSize: 1 << 20) { channel, _ in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(handler())
                return true
            }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(port)")
        headers.add(name: "Content-Length", value: "0")
        let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        var configuration = NIOUpgradableHTTPClientPipelineConfiguration(
            upgradeConfiguration: NIOTypedHTTPClientUpgradeConfiguration(
                upgradeRequestHead: request, upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in channel.eventLoop.makeSucceededFuture(false) }))
        configuration.leftOverBytesStrategy = .forwardBytes
        return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: configuration)
    }

    private static func failed(_ error: any Error, _ index: Int, _ state: LoadState, _ gate: AsyncGate) {
        state.failed(error)
        gate.release(index)
    }
}
