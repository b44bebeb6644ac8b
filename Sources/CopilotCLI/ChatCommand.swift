import ArgumentParser
import CopilotChat
import CopilotProviders
import CopilotRuntime
import CopilotSDK
import Foundation

/// `copilot-swift chat`: a conversation in the terminal.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk with a model in the terminal: streamed answers, tools you approve, sessions you come back to.",
        discussion: """
            Example, with a provider from the configuration file ($XDG_CONFIG_HOME/copilot-swift/config.toml):
              copilot-swift chat --provider ollama
            or with flags only:
              copilot-swift chat --base-url http://localhost:11434/v1 --model llama3.2
            Sessions are kept in the state folder (copilot-swift sessions list); /help inside lists the commands.
            """)

    @OptionGroup var provider: ProviderOptions
    @OptionGroup var timeouts: TimeoutOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var agents: AgentOptions

    @Option(help: "Model or deployment name (default: the configuration file provider's model).")
    var model: String?

    @Option(name: .customLong("system"), help: "Text appended to the default system prompt.")
    var systemMessage: String?

    @Flag(name: .customLong("no-tools"), help: "Offer the model no tools (by default it has the built-in tools, confined to this directory).")
    var noTools = false

    @Option(name: .customLong("mcp-config"), help: "Offer the tools of the MCP servers in this JSON file ({\"mcpServers\": {…}}); each call asks first.")
    var mcpConfig: String?

    @Flag(name: .shortAndLong, help: "Approve every tool call without asking.")
    var yes = false

    @Option(help: "Continue the stored session with this id.")
    var resume: String?

    @Option(name: .customLong("state-dir"), help: "Where sessions and the input history are kept (default: $COPILOT_SWIFT_HOME or the per-user state folder).")
    var stateDirectory: String?

    @Option(name: .customLong("log-level"), help: "none, error, warning, notice, info, debug or all (logs go to stderr).")
    var logLevel: LogLevel = .error

    func run() async throws {
        bootstrapLogging(level: logLevel)
        let terminal = Terminal()
        guard terminal.isInteractive else {
            StandardStreams.err("error: chat needs a terminal; for one prompt from a script use `copilot-swift run`.\n")
            throw ExitCode.failure
        }
        let resolved = try provider.resolve()
        let model = try resolved.model(model)
        let sessions = stateDirectory.map { URL(fileURLWithPath: $0).appendingPathComponent("sessions", isDirectory: true) }
            ?? FileSessionStore.defaultDirectory
        var config = SessionConfig(
            model: model, provider: resolved.provider, systemMessage: systemMessage.map { .append($0) },
            builtInTools: noTools ? [] : BuiltInTool.defaults, streaming: true, workingDirectory: FileManager.default.currentDirectoryPath)
        sampling.apply(over: resolved.sampling, to: &config)
        try agents.apply(to: &config)
        // The configuration file's servers, and --mcp-config's beside them (winning a name clash).
        config.mcpServers = resolved.mcpServers.merging(try mcpConfig.map(MCPConfigFile.load) ?? [:]) { _, flag in flag }
        let client = CopilotClient(options: CopilotClientOptions(httpTimeouts: timeouts.httpTimeouts, sessionStore: FileSessionStore(directory: sessions)))
        let providerConfig = resolved.provider
        let setup = ChatSetup(
            client: client, config: config, resume: resume, approveAll: yes,
            historyFile: sessions.deletingLastPathComponent().appendingPathComponent("chat-history").path,
            listModels: { try await client.listModels(provider: providerConfig) })
        do {
            try await ChatApp(setup, terminal: terminal).run()
        } catch {
            terminal.restore()
            try? await client.stop()
            StandardStreams.err("error: \(error)\n")
            throw ExitCode.failure
        }
    }
}
