import CopilotRuntime
import CopilotProviders
import CopilotCore
import CopilotChat
import ArgumentParser
import CopilotPostgres
import CopilotSDK
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// `copilot-swift run`: one prompt, one answer, streamed to the terminal.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Send one prompt to a model and print the answer as it streams.",
        discussion: """
            Example, with a local Ollama:
              copilot-swift run --base-url http://localhost:11434/v1 --model llama3.2 "What is 2+2?"
            Or with a provider from the configuration file ($XDG_CONFIG_HOME/copilot-swift/config.toml):
              copilot-swift run --provider ollama "What is 2+2?"
            """)

    enum EventsFormat: String, ExpressibleByArgument {
        case jsonl
    }

    @OptionGroup var provider: ProviderOptions
    @OptionGroup var timeouts: TimeoutOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var agents: AgentOptions

    @Option(help: "Model or deployment name (default: the configuration file provider's model).")
    var model: String?

    @Option(help: "Print every session event as one JSON line (jsonl) instead of the answer text.")
    var events: EventsFormat?

    @Option(
        name: .customLong("json-schema"),
        help: "Answer in JSON that matches the JSON Schema in this file: the schema goes to the provider, the answer is checked (and asked for once more when it does not match), and only the JSON is printed.")
    var jsonSchema: String?

    @Option(name: .customLong("system"), help: "Text appended to the default system prompt.")
    var systemMessage: String?

    @Option(name: .customLong("tool"), help: "Offer a tool backed by a shell command: NAME=COMMAND (repeatable). The command reads the JSON arguments on stdin.")
    var tools: [String] = []

    @Flag(name: .customLong("builtin-tools"), help: "Offer the built-in tools (view, create, edit, glob, grep, bash with read_bash/write_bash/stop_bash/list_bash, web_fetch) in the current directory; each asks before it reads, writes, runs or fetches.")
    var builtInTools = false

    @Option(name: .customLong("mcp-config"), help: "Offer the tools of the MCP servers in this JSON file ({\"mcpServers\": {\"NAME\": {\"command\": …, \"args\": […]}}}); each call asks first.")
    var mcpConfig: String?

    @Flag(name: .shortAndLong, help: "Approve every tool call without asking.")
    var yes = false

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Int = 300

    @Option(name: .customLong("state-dir"), help: "Keep the session in this folder (one folder per session, events.jsonl) so it can be resumed.")
    var stateDirectory: String?

    @Option(help: "Keep the session in PostgreSQL instead: postgres://USER@HOST[:PORT]/DB (password in the URL or $PGPASSWORD).")
    var store: String?

    @Option(name: .customLong("session-id"), help: "Id for a new stored session (default: a new UUID).")
    var sessionID: String?

    @Option(help: "Continue the stored session with this id (needs --state-dir or --store).")
    var resume: String?

    @Option(name: .customLong("log-level"), help: "none, error, warning, notice, info, debug or all (logs go to stderr).")
    var logLevel: LogLevel = .warning

    @Argument(help: "The prompt.")
    var prompt: String

    func validate() throws {
        if resume != nil, sessionID != nil {
            throw ValidationError("--resume continues a stored session and --session-id names a new one: give one of them.")
        }
    }

    func run() async throws {
        bootstrapLogging(level: logLevel)
        let commandTools = try tools.map(CommandTool.init(argument:))
        if resume != nil, stateDirectory == nil, store == nil { throw ValidationError("--resume needs --state-dir or --store.") }
        if stateDirectory != nil, store != nil { throw ValidationError("--state-dir and --store cannot be combined.") }
        let resolved = try provider.resolve()
        let model = try resolved.model(model)
        var config = SessionConfig(
            sessionId: sessionID,
            model: model,
            provider: resolved.provider,
            systemMessage: systemMessage.map { .append($0) },
            tools: commandTools.map(\.tool),
            builtInTools: builtInTools ? BuiltInTool.defaults : [],
            streaming: true,
            workingDirectory: FileManager.default.currentDirectoryPath,
            onPermissionRequest: yes ? .approveAll : TerminalPermission.handler())
        sampling.apply(over: resolved.sampling, to: &config)
        try agents.apply(to: &config)
        if let jsonSchema { config.responseFormat = try Self.responseFormat(jsonSchema) }
        // The configuration file's servers, and --mcp-config's beside them (winning a name clash).
        config.mcpServers = resolved.mcpServers.merging(try mcpConfig.map(MCPConfigFile.load) ?? [:]) { _, flag in flag }

        let postgres: PostgresSessionStore?
        do {
            postgres = try store.map { try PostgresSessionStore(url: $0) }
        } catch {
            throw ValidationError("\(error)")
        }
        let sessionStore: (any SessionStore)? = postgres ?? stateDirectory.map { FileSessionStore(directory: URL(fileURLWithPath: $0)) }
        let client = CopilotClient(options: CopilotClientOptions(httpTimeouts: timeouts.httpTimeouts, sessionStore: sessionStore))
        do {
            try await whileRunning(postgres) {
                try await client.start()
                let session: CopilotSession
                if let resume {
                    session = try await client.resumeSession(resume, config)
                } else {
                    session = try await client.createSession(config)
                }
                // With a schema, only the checked JSON is printed: an answer asked for again never shows.
                let structured = config.responseFormat != nil && events != .jsonl
                let printer = AnswerPrinter(jsonl: events == .jsonl, answers: !structured)
                session.on { event in printer.handle(event) }
                let reply: SessionEvent.AssistantMessage
                do {
                    reply = try await session.sendAndWait(MessageOptions(prompt: prompt), timeout: .seconds(timeout))
                } catch {
                    try? printer.finish()
                    throw error
                }
                try printer.finish()
                if structured { try StandardStreams.out(StructuredAnswer.json(in: reply.content) + "\n") }
                await session.disconnect()
                try await client.stop()
            }
        } catch {
            try? await client.stop()
            if error is StandardStreams.WriteError { throw error }
            StandardStreams.err("error: \(error)\n")
            throw ExitCode.failure
        }
    }
}

extension RunCommand {
    /// `--json-schema FILE`: the JSON Schema in the file, named after it.
    static func responseFormat(_ path: String) throws -> ResponseFormat {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 1024 * 1024 else {
            throw ValidationError("--json-schema: cannot read \(path) (or it is larger than 1 MB).")
        }
        let schema: JSONValue
        do {
            schema = try JSONValue(parsing: data)
        } catch {
            throw ValidationError("--json-schema: \(path) is not JSON.")
        }
        guard schema.objectValue != nil else { throw ValidationError("--json-schema: \(path) must hold a JSON Schema object.") }
        var stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        if stem.hasSuffix(".schema") { stem = String(stem.dropLast(".schema".count)) }
        let name = String(stem.filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }.prefix(64))
        return ResponseFormat(name: name.isEmpty ? "answer" : name, schema: schema)
    }
}

/// Runs `body` while `service` (when there is one) runs beside it in a child task, and stops the
/// service once `body` is done.
func whileRunning<Result: Sendable>(_ service: (any Service)?, _ body: () async throws -> Result) async throws -> Result {
    guard let service else { return try await body() }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await service.run() }
        defer { group.cancelAll() }
        return try await body()
    }
}


/// Writes the answer (or the events) to stdout, and tool activity to stderr.
///
/// On a terminal the answer streams as it arrives; when a model call is retried, what it streamed
/// is void, so a marker on stderr says the answer starts again. Anywhere else (a pipe, a file) only
/// the final answer is written, so stdout holds exactly one answer whatever was retried; the text of
/// messages that call tools goes to stderr with the tool activity.
final class AnswerPrinter: Sendable {
    private let jsonl: Bool
    private let live: Bool
    /// Whether the answer's text is written (not when the caller prints a checked answer itself).
    private let answers: Bool
    private let state = Mutex(State())

    private struct State {
        var streamedMessages: Set<String> = []
        var endsWithNewline = true
        /// The first write to standard output that failed; nothing more is written after it.
        var failure: StandardStreams.WriteError?
    }

    init(jsonl: Bool, answers: Bool = true, live: Bool = isatty(STDOUT_FILENO) == 1) {
        self.jsonl = jsonl
        self.answers = answers
        self.live = live && answers
    }

    func handle(_ event: SessionEvent) {
        if jsonl {
            if let line = try? event.jsonLine() { write(line + "\n") }
            return
        }
        switch event.payload {
        case .assistantMessageDelta(let delta) where live:
            _ = state.withLock { $0.streamedMessages.insert(delta.messageId) }
            write(delta.deltaContent)
        case .sessionWarning(let warning) where warning.warningType == "retry":
            let streamed = state.withLock { !$0.streamedMessages.isEmpty }
            if live, streamed { endLine() }
            writeError("note: \(warning.message)\(live && streamed ? " — the answer starts again" : "")\n")
        case .assistantMessage(let message) where answers:
            let streamed = state.withLock { $0.streamedMessages.contains(message.messageId) }
            if !streamed, !message.content.isEmpty {
                // Off a terminal, stdout holds the answer only: what the model says while it calls
                // tools goes with the tool activity.
                if live || (message.toolRequests ?? []).isEmpty { write(message.content) } else { writeError(message.content + "\n") }
            }
            if !message.content.isEmpty { endLine() }
        case .toolExecutionStart(let start):
            endLine()
            writeError("→ \(start.toolName) \(start.arguments?.jsonString ?? "{}")\n")
        case .toolExecutionComplete(let complete) where !complete.success:
            writeError("✗ \(complete.error?.message ?? "failed")\n")
        default:
            break
        }
    }

    /// Ends the answer's line.
    /// - Throws: ``StandardStreams/WriteError`` when standard output failed at any point.
    func finish() throws {
        if !jsonl, answers { endLine() }
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    private func endLine() {
        let needed = state.withLock { state -> Bool in
            defer { state.endsWithNewline = true }
            return !state.endsWithNewline
        }
        if needed { write("\n") }
    }

    private func write(_ text: String) {
        guard !text.isEmpty else { return }
        let failed = state.withLock { state in
            state.endsWithNewline = text.hasSuffix("\n")
            return state.failure != nil
        }
        guard !failed else { return }
        do {
            try StandardStreams.out(text)
        } catch {
            state.withLock { $0.failure = $0.failure ?? error }
        }
    }

    private func writeError(_ text: String) {
        StandardStreams.err(text)
    }
}

/// Asks on the terminal before a tool runs; denies when there is no terminal to ask.
enum TerminalPermission {
    static func handler() -> PermissionHandler {
        PermissionHandler { request, _ in
            guard isatty(STDIN_FILENO) == 1 else {
                StandardStreams.err("note: no terminal to ask for permission; denied \(request.toolName ?? request.kind.rawValue) (use --yes to approve tool calls)\n")
                return .userNotAvailable
            }
            StandardStreams.err((PermissionText.describe(request) + "[y]es / [n]o / [a]lways: "))
            let answer = await readAnswer()?.lowercased() ?? ""
            switch answer {
            case "y", "yes": return .approveOnce
            case "a", "always": return .approveForSession
            default: return .reject(feedback: "The user declined on the terminal.")
            }
        }
    }

    private static func readAnswer() async -> String? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: readLine()?.trimmingCharacters(in: .whitespaces))
            }
        }
    }
}
