import ArgumentParser
import CopilotSDK
import CopilotServer
import Foundation
import Logging

/// `copilot-swift server`: the Copilot CLI's JSON-RPC protocol over stdio or TCP.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Serve the Copilot CLI protocol (v3) so the official SDKs can use this runtime.",
        discussion: """
            Python: COPILOT_CLI_PATH=$(which copilot-swift) python app.py
            TCP:    copilot-swift server --port 4321   (prints "CLI server listening on port 4321")
            With COPILOT_CONNECTION_TOKEN set, TCP clients must present that token.
            """)

    @Flag(help: "Serve one client over standard input and output.")
    var stdio = false

    @Option(help: "TCP port to listen on (0 or omitted: a free port, printed on stdout).")
    var port: Int?

    @Option(help: "Address to listen on. Loopback unless told otherwise.")
    var host = "127.0.0.1"

    @Option(name: .customLong("log-level"), help: "none, error, warning, info, debug or all (logs go to stderr).")
    var logLevel = "warning"

    @Option(name: .customLong("state-dir"), help: "Where sessions are kept (default: $COPILOT_SWIFT_HOME/sessions or the per-user state folder).")
    var stateDirectory: String?

    @Flag(name: .customLong("no-store"), help: "Keep sessions in memory only; they end with the server.")
    var noStore = false

    @Flag(help: "Accepted for compatibility with the official launchers.")
    var headless = false

    @Flag(name: .customLong("no-auto-update"), help: "Accepted for compatibility; this runtime never updates itself.")
    var noAutoUpdate = false

    @Flag(name: .customLong("no-auto-login"), help: "Accepted for compatibility; there is no GitHub login.")
    var noAutoLogin = false

    @Option(name: .customLong("auth-token-env"), help: "Accepted for compatibility; GitHub tokens are not used.")
    var authTokenEnv: String?

    @Option(name: .customLong("session-idle-timeout"), help: "Accepted for compatibility.")
    var sessionIdleTimeout: Int?

    func validate() throws {
        if stdio, port != nil { throw ValidationError("--stdio and --port cannot be combined.") }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535.") }
    }

    func run() async throws {
        // Spawned TCP servers' stderr is never read by the SDK, so keep it quiet there.
        let level = Self.level(for: logLevel, tcp: !stdio)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "copilot.server")
        let transport = AsyncHTTPClientTransport()
        let store: FileSessionStore? =
            noStore ? nil : FileSessionStore(directory: stateDirectory.map { URL(fileURLWithPath: $0) } ?? FileSessionStore.defaultDirectory)
        let server = RuntimeServer(
            connectionToken: stdio ? nil : ProcessInfo.processInfo.environment["COPILOT_CONNECTION_TOKEN"],
            providerContext: ProviderContext(transport: transport, logger: logger), store: store, logger: logger)
        do {
            if stdio {
                try await server.serveStandardIO()
            } else {
                try await server.serveTCP(host: host, port: port ?? 0) { bound in
                    FileHandle.standardOutput.write(Data("CLI server listening on port \(bound)\n".utf8))
                }
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            await server.shutdown()
            try? await transport.shutdown()
            throw ExitCode.failure
        }
        await server.shutdown()
        try? await transport.shutdown()
    }

    static func level(for name: String, tcp: Bool) -> Logger.Level {
        let level: Logger.Level =
            switch name.lowercased() {
            case "none": .critical
            case "error": .error
            case "info": .info
            case "debug": .debug
            case "all", "trace": .trace
            default: .warning
            }
        return tcp ? max(level, .warning) : level
    }
}
