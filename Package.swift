// swift-tools-version: 6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "CopilotSDK",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CopilotSDK", targets: ["CopilotSDK"]),
        .library(name: "CopilotTesting", targets: ["CopilotTesting"]),
        .library(name: "CopilotPostgres", targets: ["CopilotPostgres"]),
        .executable(name: "copilot-swift", targets: ["CopilotCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // Only the benchmarks: ChildProcess is measured against it (`--only spawn`).
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        // The dependency-free core: JSONValue (parser, decoder), session events, conversation items.
        .target(
            name: "CopilotCore",
            swiftSettings: strictSettings
        ),
        // Wire formats, SSE, HTTP transport: everything that talks to a model provider.
        .target(
            name: "CopilotProviders",
            dependencies: [
                "CopilotCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The agent loop: sessions, events, tools, permissions.
        .target(
            name: "CopilotRuntime",
            dependencies: [
                "CopilotCore", "CopilotProviders", "CopilotProtocol",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // JSON-RPC 2.0 with Content-Length framing: the Copilot CLI protocol's transport layer.
        .target(
            name: "CopilotProtocol",
            dependencies: ["CopilotCore"],
            swiftSettings: strictSettings
        ),
        // MCP servers as tool sources: our stdio and Streamable HTTP transports under the MCP Swift
        // SDK's client.
        .target(
            name: "CopilotMCP",
            dependencies: [
                "CopilotCore", "CopilotRuntime", "CopilotProviders",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // `copilot-swift server`: the runtime behind the Copilot CLI protocol, for the official SDKs.
        .target(
            name: "CopilotServer",
            dependencies: [
                "CopilotCore", "CopilotProtocol", "CopilotRuntime", "CopilotProviders", "CopilotMCP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // A SessionStore in PostgreSQL, for several servers sharing sessions.
        .target(
            name: "CopilotPostgres",
            dependencies: [
                "CopilotCore", "CopilotRuntime",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // The public face: CopilotClient and CopilotSession; re-exports the value types below it.
        .target(
            name: "CopilotSDK",
            dependencies: [
                "CopilotCore", "CopilotRuntime", "CopilotProviders", "CopilotProtocol", "CopilotMCP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // `copilot-swift chat`: the terminal (raw keys, a line editor, streamed Markdown) and the chat
        // itself, on the public API only.
        .target(
            name: "CopilotChat",
            dependencies: ["CopilotSDK"],
            swiftSettings: strictSettings
        ),
        // A scripted OpenAI-compatible provider on loopback, for users' tests and ours.
        .target(
            name: "CopilotTesting",
            dependencies: [
                "CopilotCore", "CopilotProviders",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "CopilotCLI",
            dependencies: [
                "CopilotCore", "CopilotProviders", "CopilotRuntime", "CopilotSDK", "CopilotServer", "CopilotPostgres", "CopilotChat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictSettings
        ),
        // The README's Swift example, built and run by the tests (scripts/check-public-api.sh checks the two match).
        .executableTarget(
            name: "ReadmeExample",
            dependencies: ["CopilotSDK"],
            path: "Examples/ReadmeExample",
            swiftSettings: strictSettings
        ),
        // `CopilotFuzz TARGET …`: libFuzzer targets for every parser a peer feeds (scripts/fuzz.sh);
        // built normally, it replays the seed corpus in Fuzz/Corpus.
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "CopilotFuzz",
            dependencies: ["CopilotCore", "CopilotProtocol", "CopilotProviders", "CopilotRuntime", "CFuzzerDriver"],
            swiftSettings: strictSettings
        ),
        // `copilot-benchmarks`: measured figures beside peers' (run by scripts/bench.sh, never by swift test).
        .executableTarget(
            name: "CopilotBenchmarks",
            dependencies: [
                "CopilotCore", "CopilotProviders", "CopilotRuntime", "CopilotSDK", "CopilotTesting", "CopilotPostgres", "CopilotMCP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CopilotSDKTests",
            dependencies: [
                "CopilotCore", "CopilotSDK", "CopilotTesting", "CopilotProviders", "CopilotRuntime", "CopilotProtocol", "CopilotServer",
                "CopilotPostgres", "CopilotChat", "CopilotMCP",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
