// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "HubMesh",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
        .library(name: "HubProtocol", targets: ["HubProtocol"]),
        .library(name: "HubMesh", targets: ["HubMesh"]),
        .library(name: "HubServer", targets: ["HubServer"]),
        .library(name: "HubGateway", targets: ["HubGateway"]),
        .executable(name: "hubmesh-node", targets: ["hubmesh-node"]),
        .executable(name: "hubmesh-gateway", targets: ["hubmesh-gateway"]),
        .executable(name: "hubmesh-member", targets: ["hubmesh-member"]),
        .executable(name: "hubmesh-bench", targets: ["hubmesh-bench"]),
        // Loops for instruction counts under callgrind (each file's header says how to run it).
        .executable(name: "decode-loop", targets: ["decode-loop"]),
        .executable(name: "json-decode-loop", targets: ["json-decode-loop"]),
        .executable(name: "replay-lookup", targets: ["replay-lookup"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.2.0"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .target(
            name: "ZeroMQ",
            dependencies: ["CZeroMQ"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HubProtocol",
            dependencies: [],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HubMesh",
            dependencies: [
                "ZeroMQ",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HubServer",
            dependencies: [
                "HubMesh",
                "HubProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HubGateway",
            dependencies: [
                "HubMesh",
                "HubProtocol",
                "ZeroMQ",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hubmesh-node",
            dependencies: [
                "HubMesh",
                "HubServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hubmesh-gateway",
            dependencies: [
                "HubGateway",
                "HubMesh",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hubmesh-member",
            dependencies: [
                "HubMesh",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "CBenchClock", path: "Benchmarks/Sources/CBenchClock"),
        .target(
            name: "BenchSupport",
            dependencies: ["HubProtocol"],
            path: "Benchmarks/Sources/BenchSupport",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hubmesh-bench",
            dependencies: [
                "BenchSupport",
                "CBenchClock",
                "HubMesh",
                "HubProtocol",
                "ZeroMQ",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/Sources/hubmesh-bench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "decode-loop", dependencies: ["HubGateway", "HubMesh"], path: "Benchmarks/decode-loop", swiftSettings: swiftSettings),
        .executableTarget(
            name: "json-decode-loop", dependencies: ["HubProtocol"], path: "Benchmarks/json-decode-loop", swiftSettings: swiftSettings),
        .executableTarget(
            name: "replay-lookup", dependencies: ["HubMesh"], path: "Benchmarks/replay-lookup", swiftSettings: swiftSettings),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "HubProtocolTests", dependencies: ["HubProtocol"]),
        .testTarget(name: "HubMeshTests", dependencies: ["HubMesh", "ZeroMQ", "hubmesh-member", "hubmesh-gateway"]),
        .testTarget(name: "HubServerTests", dependencies: ["HubServer", "hubmesh-node"], exclude: ["interop"]),
        .testTarget(name: "HubGatewayTests", dependencies: ["HubGateway", "hubmesh-gateway", "HubMesh", "HubProtocol", "ZeroMQ"]),
        .testTarget(name: "BenchTests", dependencies: ["BenchSupport", "HubProtocol", "hubmesh-bench"], path: "Benchmarks/Tests/BenchTests"),
    ]
)
