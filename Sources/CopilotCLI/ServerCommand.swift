import CopilotChat
import CopilotRuntime
import CopilotProviders
import ArgumentParser
import CopilotPostgres
import CopilotSDK
import CopilotServer
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

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

    @OptionGroup var timeouts: TimeoutOptions

    @OptionGroup(title: "The provider of sessions that name none (a client's own provider always wins)")
    var provider: ProviderOptions

    @Option(
        name: .customLong("max-connections"),
        help: "TCP clients served at once (default 1024). When all are taken, a new client replaces the one idle longest (no session, no request), or is closed when none is.")
    var maxConnections = 1024

    @Option(
        name: .customLong("connection-idle-timeout"),
        help: "Seconds a TCP client with no session and no request may stay silent before it is closed (default 900; 0: never).")
    var connectionIdleTimeout: Double = 900

    @Option(parsing: .unconditional, help: "TCP port to listen on (0 or omitted: a free port, printed on stdout).")
    var port: Int?

    @Option(help: "Address to listen on. Loopback unless told otherwise; any other address needs COPILOT_CONNECTION_TOKEN.")
    var host = "127.0.0.1"

    @Flag(
        name: .customLong("allow-unauthenticated-remote"),
        help: "Listen on a non-loopback --host without COPILOT_CONNECTION_TOKEN: anyone who reaches the port can run sessions here.")
    var allowUnauthenticatedRemote = false

    @Option(
        name: .customLong("log-level"),
        help: "none, error, warning, info, debug or all (logs go to stderr; a TCP server spawned by an SDK, with --headless, logs warnings at most, as no one reads its stderr).")
    var logLevel: LogLevel = .warning

    @Option(name: .customLong("state-dir"), help: "Where sessions are kept (default: $COPILOT_SWIFT_HOME/sessions or the per-user state folder).")
    var stateDirectory: String?

    @Flag(name: .customLong("no-store"), help: "Keep sessions in memory only; they end with the server.")
    var noStore = false

    @Option(
        help: ArgumentHelp(
            "Keep sessions in PostgreSQL, shared by every server given the same URL: postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=...].",
            discussion: "Defaults to $COPILOT_SWIFT_STORE. The password may come from $PGPASSWORD instead, which keeps it out of process lists."))
    var store: String?

    @Option(name: .customLong("store-lease"), help: "Seconds a PostgreSQL session stays owned by this server without renewal (default 30).")
    var storeLease: Double = 30

    @Option(help: "The model of sessions that name none (over the --provider entry's model).")
    var model: String?

    @OptionGroup(title: "Flags the official SDKs and the Copilot CLI's users pass")
    var launcher: LauncherOptions

    /// `--store`, else `$COPILOT_SWIFT_STORE`.
    var storeURL: String? {
        store ?? ProcessInfo.processInfo.environment["COPILOT_SWIFT_STORE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func validate() throws {
        if store != nil, noStore || stateDirectory != nil {
            throw ValidationError("--store cannot be combined with --no-store or --state-dir.")
        }
        if !(0.3...86_400).contains(storeLease) { throw ValidationError("--store-lease must be between 0.3 and 86400 seconds.") }
        if stdio, port != nil { throw ValidationError("--stdio and --port cannot be combined.") }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535.") }
        if !(1...100_000).contains(maxConnections) { throw ValidationError("--max-connections must be between 1 and 100000.") }
        if connectionIdleTimeout != 0, !(0.1...604_800).contains(connectionIdleTimeout) {
            throw ValidationError("--connection-idle-timeout must be 0 (never) or between 0.1 and 604800 seconds.")
        }
        if !stdio, !Self.isLoopback(host), connectionToken == nil, !allowUnauthenticatedRemote {
            throw ValidationError(
                "Listening on \(host) without a connection token would let anyone who reaches the port run sessions on this machine. Set COPILOT_CONNECTION_TOKEN (clients present it in `connect`), or pass --allow-unauthenticated-remote.")
        }
    }

    /// COPILOT_CONNECTION_TOKEN, which TCP clients must present; never used over stdio.
    var connectionToken: String? {
        ProcessInfo.processInfo.environment["COPILOT_CONNECTION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether `host` only accepts connections from this machine.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return bare == "localhost" || bare == "::1" || bare.split(separator: ".").first == "127" && bare.split(separator: ".").count == 4
    }

    func run() async throws {
        // What a flag, a variable or a file can get wrong is checked before anything starts, so a
        // mistake is one line and an exit status, never a half-started server.
        var fallback: RuntimeServer.Fallback?
        if provider.providerName != nil || provider.baseURL != nil {
            let resolved = try provider.resolve()
            fallback = .init(
                provider: resolved.provider, model: model ?? resolved.model, temperature: resolved.sampling.temperature,
                maxOutputTokens: resolved.sampling.maxTokens)
        } else if model != nil {
            throw ValidationError("--model names the model of the default provider: give --base-url or --provider too.")
        }
        if stdio, let problem = RuntimeServer.standardIOProblem() { throw ValidationError("--stdio: \(problem)") }
        // An SDK that spawns a TCP server (with --headless) pipes its stderr and never reads it: past
        // warnings, the pipe could fill and stall the server. Started by hand, the level is as asked.
        bootstrapLogging(level: LogLevel(level: launcher.headless && !stdio ? max(logLevel.level, .warning) : logLevel.level))
        let logger = Logger(label: "copilot.server")
        for line in launcher.ignored { logger.warning("\(line)") }
        let postgres: PostgresSessionStore?
        let store: (any SessionStore)?
        if let url = noStore ? nil : storeURL {
            do {
                postgres = try PostgresSessionStore(url: url, options: .init(leaseDuration: .milliseconds(Int(storeLease * 1000))), logger: logger)
            } catch {
                StandardStreams.err("error: \(error)\n")
                throw ExitCode.validationFailure
            }
            store = postgres
        } else {
            postgres = nil
            store = noStore ? nil : FileSessionStore(directory: stateDirectory.map { URL(fileURLWithPath: $0) } ?? FileSessionStore.defaultDirectory)
        }
        if !stdio, !Self.isLoopback(host), connectionToken == nil {
            logger.warning(
                "listening on a non-loopback address without a connection token: anyone who reaches the port can run sessions here",
                metadata: ["host": "\(host)"])
        }
        // The process-wide pool, which needs no shutdown: nothing can drop it unshut on a failure path.
        let transport = AsyncHTTPClientTransport.shared(timeouts: timeouts.httpTimeouts)
        let server = RuntimeServer(
            connectionToken: stdio ? nil : connectionToken,
            providerContext: ProviderContext(transport: transport, logger: logger), store: store, fallback: fallback,
            options: .init(
                permissionRules: launcher.permissionRules, excludedTools: launcher.excludedTools, remoteSessionsRequested: launcher.remote,
                relayIdleTimeout: timeouts.httpTimeouts.idle, pluginDirectories: launcher.pluginDirectories),
            logger: logger)
        let serving = RuntimeServerService(
            server: server,
            transport: stdio
                ? .standardIO
                : .tcp(
                    host: host, port: port ?? 0, maxConnections: maxConnections,
                    idleTimeout: connectionIdleTimeout == 0 ? nil : .milliseconds(Int(connectionIdleTimeout * 1000))
                ) { bound in
                    // The SDKs read the port from this line; without it they cannot connect, so say why.
                    do {
                        try StandardStreams.out("CLI server listening on port \(bound)\n")
                    } catch {
                        logger.error("could not announce the port (\(bound)): \(error)")
                    }
                })
        // SIGTERM and SIGINT shut the group down gracefully, the server first: it stops serving and
        // closes its sessions, so their logs are complete and another server may take them over at
        // once; then the store stops. The server ending by itself (standard input closed) does the same.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let postgres { services.append(.init(service: postgres)) }
        services.append(.init(service: serving, successTerminationBehavior: .gracefullyShutdownGroup))
        if launcher.headless, !stdio {
            // Spawned by an SDK over TCP: end with the SDK's process.
            services.append(.init(service: ParentWatch(logger: logger), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        var failure: (any Error)?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        if let failure {
            StandardStreams.err("error: \(failure)\n")
            throw ExitCode.failure
        }
    }
}
