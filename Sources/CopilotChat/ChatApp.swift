public import CopilotSDK
import Foundation

/// What `copilot-swift chat` is given: how to make and resume sessions, and how to look things up.
public struct ChatSetup: Sendable {
    public var client: CopilotClient
    /// The config of a new session (its permission handler is the chat's own).
    public var config: SessionConfig
    /// Continue this stored session instead of starting one.
    public var resume: String?
    /// Approve every tool call without asking (`--yes`).
    public var approveAll: Bool
    /// Where typed lines are remembered between chats; nil keeps none.
    public var historyFile: String?
    /// The models the provider serves, for `/model`.
    public var listModels: @Sendable () async throws -> [ModelInfo]

    public init(
        client: CopilotClient, config: SessionConfig, resume: String? = nil, approveAll: Bool = false, historyFile: String? = nil,
        listModels: @escaping @Sendable () async throws -> [ModelInfo]
    ) {
        self.client = client
        self.config = config
        self.resume = resume
        self.approveAll = approveAll
        self.historyFile = historyFile
        self.listModels = listModels
    }
}

/// An interactive conversation in the terminal: a prompt with a line editor, answers streamed with
/// light Markdown, tool calls approved as they come, and slash commands.
///
/// Keys are read all the time, also while a turn runs: Enter then queues a message, Tab steers the
/// running turn with it, Ctrl-C stops the turn. Ctrl-C twice at an empty prompt, Ctrl-D, or `/exit` ends the chat.
public actor ChatApp {
    private let setup: ChatSetup
    private let terminal: Terminal
    private var screen: Screen
    private var editor: LineEditor
    private var session: CopilotSession?
    private var config: SessionConfig
    private var events: Task<Void, Never>?

    private var running = false
    private var markdown: MarkdownStream
    /// A question waiting for one key (a permission).
    private var question: (text: String, answer: CheckedContinuation<Character, Never>)?
    /// Approved for the rest of the session, by kind and tool.
    private var alwaysApproved: Set<String> = []
    private var interruptArmed = false
    private var finished = false
    private var reasoning = ""
    private var showReasoning = false
    private var usage = Usage()
    /// Tool calls whose `→` line is shown (by the permission question or their start event, whichever comes first).
    private var shownToolCalls: Set<String> = []

    struct Usage {
        var contextTokens: Int?
        var contextLimit: Int?
        var inputTokens = 0
        var outputTokens = 0
        var cacheReadTokens = 0
        var cacheWriteTokens = 0
        var calls = 0

        /// What the prompt cache did, when the provider said: read tokens are billed at a fraction
        /// of the input price (a tenth with Anthropic, at most half with OpenAI).
        var cacheText: String? {
            guard cacheReadTokens + cacheWriteTokens > 0 else { return nil }
            return "\(cacheReadTokens) read from the prompt cache (billed at a fraction of the input price), \(cacheWriteTokens) written to it"
        }
    }

    public init(_ setup: ChatSetup, terminal: Terminal = Terminal()) {
        self.setup = setup
        self.terminal = terminal
        screen = Screen(terminal: terminal)
        config = setup.config
        markdown = MarkdownStream(rendered: terminal.rendered, colors: terminal.styled)
        editor = LineEditor(history: ChatHistory.load(setup.historyFile))
    }

    /// Runs the chat until the person leaves.
    public func run() async throws {
        try await setup.client.start()
        try await open(resuming: setup.resume)
        terminal.enterRawMode()
        defer { terminal.restore() }
        screen.print(terminal.paint("copilot-swift chat — \(config.model ?? "") · /help for commands, Ctrl-D to leave", Style.dim) + "\n")
        drawPrompt()
        var decoder = KeyDecoder()
        for await bytes in terminal.bytes() {
            for key in decoder.feed(bytes) {
                await handle(key)
                if finished { break }
            }
            if finished { break }
        }
        screen.clearInput()
        await leave()
    }

    // MARK: - Sessions

    /// Starts a session (or resumes `id`), with this chat's permission handler.
    private func open(resuming id: String?) async throws {
        var config = config
        config.onPermissionRequest = permissionHandler()
        config.streaming = true
        let session = if let id { try await setup.client.resumeSession(id, config) } else { try await setup.client.createSession(config) }
        await attach(session)
        if id != nil { showHistory(try await session.messages()) }
    }

    private func attach(_ session: CopilotSession) async {
        events?.cancel()
        self.session = session
        alwaysApproved = []
        usage = Usage()
        let stream = session.events
        events = Task { [weak self] in
            for await event in stream { await self?.show(event) }
        }
    }

    private func leave() async {
        events?.cancel()
        await session?.disconnect()
        ChatHistory.save(editor.history, to: setup.historyFile)
        try? await setup.client.stop()
    }

    private func permissionHandler() -> PermissionHandler {
        if setup.approveAll { return .approveAll }
        return PermissionHandler { [weak self] request, _ in
            guard let self else { return .userNotAvailable }
            return await self.ask(request)
        }
    }

    /// Asks the person about `request`: y (once), n, a (always, for this session).
    private func ask(_ request: PermissionRequest) async -> PermissionDecision {
        let key = "\(request.kind.rawValue):\(request.toolName ?? "")"
        if alwaysApproved.contains(key) { return .approveForSession }
        if let id = request.toolCallId, let name = request.toolName { showToolStart(id: id, name: name, arguments: request.args) }
        screen.print(PermissionText.describe(request, terminal: terminal, workingDirectory: config.workingDirectory))
        let answer = await withCheckedContinuation { continuation in
            question = ("Allow? [y]es, [n]o, [a]lways for this session: ", continuation)
            drawPrompt()
        }
        switch answer {
        case "y":
            screen.print(terminal.paint("  approved\n", Style.green))
            return .approveOnce
        case "a":
            alwaysApproved.insert(key)
            screen.print(terminal.paint("  approved for this session\n", Style.green))
            return .approveForSession
        default:
            screen.print(terminal.paint("  denied\n", Style.red))
            return .reject(feedback: "The user declined in the chat.")
        }
    }

    // MARK: - Keys

    private func handle(_ key: Key) async {
        if let pending = question {
            let answer: Character?
            switch key {
            case .character(let character) where "yna".contains(character.lowercased()): answer = Character(character.lowercased())
            case .control("c"), .escape: answer = "n"
            default: answer = nil
            }
            if let answer {
                question = nil
                screen.clearInput()
                pending.answer.resume(returning: answer)
                drawPrompt()
            }
            return
        }
        if key == .control("i"), running {
            // Tab: the typed text steers the running turn.
            let text = editor.string
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
            editor.set("")
            screen.clearInput()
            screen.print(terminal.paint("↳ steering: \(text)\n", Style.dim))
            await send(text, mode: .immediate)
            drawPrompt()
            return
        }
        switch editor.handle(key) {
        case .edited:
            interruptArmed = false
            drawPrompt()
        case .submit(let text):
            interruptArmed = false
            screen.clearInput()
            screen.print(terminal.paint(promptSymbol, Style.bold) + text.replacingOccurrences(of: "\n", with: "\n  ") + "\n")
            await submit(text)
            drawPrompt()
        case .interrupt:
            await interrupt()
        case .endOfInput:
            finished = true
        case .ignored:
            break
        }
    }

    private func interrupt() async {
        if running {
            screen.clearInput()
            screen.print(terminal.paint("\n(stopping the answer)\n", Style.yellow))
            await session?.abort()
            return
        }
        if !editor.string.isEmpty {
            editor.set("")
            drawPrompt()
            return
        }
        if interruptArmed {
            finished = true
            return
        }
        interruptArmed = true
        screen.clearInput()
        screen.print(terminal.paint("(Ctrl-C again or Ctrl-D to leave)\n", Style.dim))
        drawPrompt()
    }

    private func submit(_ text: String) async {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return }
        if trimmed.hasPrefix("/") {
            await command(trimmed)
            return
        }
        if running { screen.print(terminal.paint("  (queued: sent when this answer ends)\n", Style.dim)) }
        await send(text, mode: .enqueue)
    }

    private func send(_ text: String, mode: MessageOptions.DeliveryMode) async {
        guard let session else { return }
        do {
            running = true
            reasoning = ""
            _ = try await session.send(MessageOptions(prompt: text, mode: mode))
        } catch {
            running = false
            report(error)
        }
    }

    // MARK: - Events

    private func show(_ event: SessionEvent) {
        // A sub-agent's work shows indented under the task call that started it; its text is for its parent.
        if event.agentId != nil {
            showSubAgent(event)
            return
        }
        switch event.payload {
        case .subagentStarted(let started):
            endAnswerLine()
            screen.print(terminal.paint("  ↳ \(started.agentDisplayName) started\(started.model.map { " (\($0))" } ?? "")\n", Style.dim))
        case .subagentCompleted(let completed):
            endAnswerLine()
            screen.print(terminal.paint("  ✓ \(completed.agentDisplayName) finished\n", Style.dim))
        case .subagentFailed(let failed):
            endAnswerLine()
            screen.print(terminal.paint("  ✗ \(failed.agentDisplayName): \(oneLine(failed.error, limit: terminal.width - 8))\n", Style.red))
        case .assistantReasoningDelta(let delta):
            reasoning += delta.deltaContent
            if showReasoning {
                screen.print(terminal.paint(delta.deltaContent, Style.dim))
            } else {
                screen.status = terminal.paint("thinking… \(reasoning.split(whereSeparator: \.isWhitespace).count) words", Style.dim)
                drawPrompt()
            }
        case .assistantMessageDelta(let delta):
            if screen.status != nil {
                screen.status = nil
                screen.clearInput()
            }
            screen.print(markdown.feed(delta.deltaContent))
            drawPrompt()
        case .assistantMessage(let message):
            screen.print(markdown.finish())
            if !message.content.isEmpty, !screen.atLineStart { screen.print("\n") }
        case .toolExecutionStart(let start):
            showToolStart(id: start.toolCallId, name: start.toolName, arguments: start.arguments)
        case .toolExecutionComplete(let complete) where !complete.success:
            screen.print(terminal.paint("✗ \(oneLine(complete.error?.message ?? "failed", limit: terminal.width - 4))\n", Style.red))
        case .assistantUsage(let used):
            usage.calls += 1
            usage.inputTokens += used.inputTokens ?? 0
            usage.outputTokens += used.outputTokens ?? 0
            usage.cacheReadTokens += used.cacheReadTokens ?? 0
            usage.cacheWriteTokens += used.cacheWriteTokens ?? 0
        case .sessionUsageInfo(let info):
            usage.contextTokens = info.currentTokens
            usage.contextLimit = info.tokenLimit
        case .sessionError(let error):
            endAnswerLine()
            screen.print(terminal.paint("error: \(oneLine(error.message, limit: 2000))\n", Style.red))
        case .sessionWarning(let warning) where warning.warningType == "retry":
            endAnswerLine()
            screen.print(terminal.paint("note: \(warning.message)\n", Style.yellow))
        case .abort:
            endAnswerLine()
        case .sessionIdle:
            endAnswerLine()
            running = false
            screen.status = nil
            if !reasoning.isEmpty, !showReasoning {
                screen.print(terminal.paint("▸ reasoned in \(reasoning.split(whereSeparator: \.isWhitespace).count) words (/reasoning shows it)\n", Style.dim))
            }
            screen.print(terminal.paint(statusLine + "\n", Style.dim))
        default:
            return
        }
        drawPrompt()
    }

    /// A sub-agent's tool calls and failures, indented.
    private func showSubAgent(_ event: SessionEvent) {
        switch event.payload {
        case .toolExecutionStart(let start):
            guard shownToolCalls.insert(start.toolCallId).inserted else { return }
            endAnswerLine()
            let shown = " " + oneLine(start.arguments?.jsonString ?? "", limit: max(20, terminal.width - start.toolName.count - 10))
            screen.print(terminal.paint("    → \(start.toolName)\(shown)\n", Style.dim))
        case .toolExecutionComplete(let complete) where !complete.success:
            screen.print(terminal.paint("    ✗ \(oneLine(complete.error?.message ?? "failed", limit: terminal.width - 6))\n", Style.red))
        default:
            return
        }
        drawPrompt()
    }

    /// `→ name arguments`, once per tool call.
    private func showToolStart(id: String, name: String, arguments: JSONValue?) {
        guard shownToolCalls.insert(id).inserted else { return }
        endAnswerLine()
        let shown = arguments.map { " " + oneLine($0.jsonString, limit: max(20, terminal.width - name.count - 6)) } ?? ""
        screen.print(terminal.paint("→ \(name)\(shown)\n", Style.dim))
    }

    /// Ends a streamed answer's line, with its styles.
    private func endAnswerLine() {
        screen.print(markdown.finish())
        if !screen.atLineStart { screen.print("\n") }
    }

    /// Model, context used of the window, and the working directory.
    private var statusLine: String {
        var parts = [config.model ?? "?"]
        if let tokens = usage.contextTokens {
            parts.append("\(Self.compact(tokens))" + (usage.contextLimit.map { " / \(Self.compact($0))" } ?? "") + " tokens")
        }
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        var directory = config.workingDirectory ?? FileManager.default.currentDirectoryPath
        if directory.hasPrefix(home) { directory = "~" + directory.dropFirst(home.count) }
        parts.append(directory)
        return parts.joined(separator: " · ")
    }

    private var promptSymbol: String { "› " }

    private func drawPrompt() {
        guard !finished else { return }
        if let question {
            screen.drawInput(prompt: terminal.paint(question.text, Style.bold), promptWidth: question.text.count, editor: LineEditor())
        } else if running, editor.text.isEmpty {
            screen.drawInput(prompt: nil, promptWidth: 0, editor: editor)
        } else {
            let symbol = running ? "+ " : promptSymbol
            screen.drawInput(prompt: terminal.paint(symbol, Style.bold), promptWidth: symbol.count, editor: editor)
        }
    }

    private func report(_ error: any Error) {
        endAnswerLine()
        screen.print(terminal.paint("error: \(oneLine(String(describing: error), limit: 2000))\n", Style.red))
    }

    private func showHistory(_ events: [SessionEvent]) {
        var shown = 0
        for event in events {
            switch event.payload {
            case .userMessage(let message):
                screen.print(terminal.paint(promptSymbol, Style.bold) + message.content + "\n")
                shown += 1
            case .assistantMessage(let message) where !message.content.isEmpty:
                var stream = MarkdownStream(rendered: terminal.rendered, colors: terminal.styled)
                screen.print(stream.feed(message.content) + stream.finish())
                if !screen.atLineStart { screen.print("\n") }
            default:
                break
            }
        }
        screen.print(terminal.paint("(resumed \(session?.sessionId ?? ""): \(shown) earlier messages)\n", Style.dim))
    }

    // MARK: - Slash commands

    static let help = """
        /help              this list
        /model [NAME]      the models the provider serves, or switch to NAME
        /sessions          stored sessions
        /resume ID         continue a stored session with its history
        /new               start a new session
        /clear             clear the screen
        /compact           summarise the conversation so far to free context
        /usage             tokens used in this session
        /tools             the tools the model may call
        /mcp               the MCP servers: status and tools
        /agent [NAME]      the custom agents (--agent FILE), or run NAME as the main agent (default: the usual one)
        /system TEXT       add TEXT to the system prompt (a new session keeps the conversation)
        /reasoning [on|off] show the last reasoning, or stream it dimmed from now on
        /exit              leave (also Ctrl-D)
        Keys: Enter sends · Alt-Enter, Ctrl-J or a trailing \\ adds a line · ↑/↓ history
              while an answer streams: Enter queues a message, Tab steers the answer with it, Ctrl-C stops it
        """

    private func command(_ line: String) async {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        let name = parts[0]
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        do {
            switch name {
            case "/help":
                screen.print(Self.help + "\n")
            case "/exit", "/quit":
                finished = true
            case "/model":
                try await model(argument)
            case "/sessions":
                let sessions = try await setup.client.listSessions()
                screen.print(sessions.isEmpty ? "(no stored sessions)\n" : sessions.prefix(20).map { metadata in
                    let mark = metadata.sessionId == session?.sessionId ? "*" : " "
                    return "\(mark) \(metadata.sessionId)  \(metadata.model ?? "-")  \(oneLine(metadata.summary ?? "", limit: 50))"
                }.joined(separator: "\n") + "\n")
            case "/resume":
                guard !argument.isEmpty else { throw ChatError("/resume needs a session id (see /sessions).") }
                guard !running else { throw ChatError("Wait for the answer to finish (or Ctrl-C) before resuming another session.") }
                await session?.disconnect()
                try await open(resuming: argument)
            case "/new":
                guard !running else { throw ChatError("Wait for the answer to finish (or Ctrl-C) first.") }
                await session?.disconnect()
                try await open(resuming: nil)
                screen.print(terminal.paint("(new session \(session?.sessionId ?? ""))\n", Style.dim))
            case "/clear":
                screen.clearScreen()
            case "/usage":
                let counted = usage.inputTokens + usage.outputTokens > 0
                    ? "\(usage.inputTokens) tokens in, \(usage.outputTokens) out" : "the provider reported no token counts"
                screen.print(
                    "\(usage.calls) model calls · \(counted)" + (usage.cacheText.map { " · \($0)" } ?? "")
                        + (usage.contextTokens.map { " · context about \($0)" + (usage.contextLimit.map { " of \($0)" } ?? "") } ?? "") + "\n")
            case "/tools":
                let builtIn = config.builtInTools.map(\.rawValue).sorted()
                let own = config.tools.map(\.name)
                screen.print((builtIn + own).isEmpty ? "(no tools)\n" : (builtIn + own).joined(separator: ", ") + "\n")
            case "/agent":
                try await agent(argument)
            case "/mcp":
                guard let session else { throw ChatError("No session yet.") }
                screen.print(Self.mcpText(try await session.mcpServers()))
            case "/system":
                guard !argument.isEmpty else { throw ChatError("/system needs the text to add.") }
                guard !running, let id = session?.sessionId else { throw ChatError("Wait for the answer to finish first.") }
                config.systemMessage = .append(argument)
                await session?.disconnect()
                try await open(resuming: id)
            case "/compact":
                guard !running, let session else { throw ChatError("Wait for the answer to finish first.") }
                screen.print(terminal.paint("(summarising the conversation…)\n", Style.dim))
                let done = try await session.compact()
                screen.print(terminal.paint(
                    done.summary == nil ? "(nothing old enough to summarise)\n"
                        : "(\(done.messagesRemoved) messages summarised, about \(done.tokensRemoved) tokens freed)\n", Style.dim))
            case "/reasoning":
                switch argument {
                case "on": showReasoning = true
                case "off": showReasoning = false
                default: screen.print(reasoning.isEmpty ? "(no reasoning in the last answer)\n" : terminal.paint(reasoning, Style.dim) + "\n")
                }
            default:
                throw ChatError("Unknown command \(name); /help lists them.")
            }
        } catch {
            report(error)
        }
    }

    /// `/agent`: lists the custom agents; `/agent NAME` runs one as the main agent, `/agent default` the default agent.
    private func agent(_ name: String) async throws {
        guard let session else { throw ChatError("No session yet.") }
        switch name {
        case "":
            let agents = try await session.agents()
            let current = try await session.currentAgent()?.name
            screen.print(agents.isEmpty ? "(no custom agents: start the chat with --agent FILE)\n" : agents.map { agent in
                (agent.name == current ? "* " : "  ") + agent.name + (agent.description.isEmpty ? "" : "  \(oneLine(agent.description, limit: 60))")
            }.joined(separator: "\n") + "\n")
        case "default":
            try await session.deselectAgent()
            screen.print(terminal.paint("(the default agent answers)\n", Style.dim))
        default:
            let agent = try await session.selectAgent(name)
            screen.print(terminal.paint("(\(agent.displayName) answers from now on; /agent default goes back)\n", Style.dim))
        }
    }

    private func model(_ name: String) async throws {
        if name.isEmpty {
            let models = try await setup.listModels()
            screen.print(models.isEmpty ? "(the provider lists no models)\n" : models.map { model in
                (model.id == config.model ? "* " : "  ") + model.id + (model.name != model.id ? "  \(model.name)" : "")
            }.joined(separator: "\n") + "\n")
            return
        }
        try await session?.setModel(name)
        config.model = name
        screen.print(terminal.paint("(model: \(name))\n", Style.dim))
    }

    /// `/mcp`: one line per server (name, status, what went wrong), then its tools.
    package static func mcpText(_ servers: [MCPServerStatus]) -> String {
        guard !servers.isEmpty else { return "(no MCP servers: --mcp-config FILE, or [mcp_servers.NAME] in the configuration file)\n" }
        return servers.map { server in
            var line = "\(server.name)  \(server.status)"
            if let error = server.error { line += "  \(oneLine(error, limit: 100))" }
            if !server.tools.isEmpty { line += "\n    " + server.tools.joined(separator: ", ") }
            return line
        }.joined(separator: "\n") + "\n"
    }

    static func compact(_ tokens: Int) -> String {
        tokens >= 10_000 ? "\(tokens / 1000)k" : tokens >= 1000 ? String(format: "%.1fk", Double(tokens) / 1000) : "\(tokens)"
    }
}

/// A message for the person, in one line.
struct ChatError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
