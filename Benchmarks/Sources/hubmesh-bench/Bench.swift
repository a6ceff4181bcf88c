import ArgumentParser

/// `hubmesh-bench`: the benchmark harness. `run` is the orchestrator that `Benchmarks/run.sh`
/// calls; the other subcommands are roles it starts as separate processes.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubmesh-bench",
        abstract: "HubMesh benchmark harness (use Benchmarks/run.sh, which builds and starts the peers).",
        subcommands: [
            RunCommand.self,
            MeshPublisherRole.self, MeshSubscriberRole.self,
            ZeroMQPublisherRole.self, ZeroMQSubscriberRole.self,
            RedisPublisherRole.self, RedisSubscriberRole.self,
            NATSPublisherRole.self, NATSSubscriberRole.self,
            GatewayPublisherRole.self, WebSocketLoadRole.self,
            TCPFanOutServerRole.self, TCPFanOutClientsRole.self,
        ],
        defaultSubcommand: RunCommand.self
    )
}
