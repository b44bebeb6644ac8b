import CopilotCore
import CopilotProviders
public import CopilotRuntime

/// A conversation with an agent: send prompts, receive events, abort, disconnect.
///
/// Created by ``CopilotClient/createSession(_:)``. Events arrive through ``on(_:)`` callbacks or the
/// ``events`` sequence, in the same order for both.
public final class CopilotSession: Sendable {
    /// The session's id.
    public let sessionId: String
    private let backend: any SessionBackend
    private let broadcaster: EventBroadcaster
    private let clock: any Clock<Duration>
    private let onDisconnect: @Sendable (String) -> Void

    /// The session's host when it runs in this process.
    var host: SessionHost? { backend as? SessionHost }

    init(
        id: String, backend: any SessionBackend, broadcaster: EventBroadcaster, clock: any Clock<Duration>,
        onDisconnect: @escaping @Sendable (String) -> Void
    ) {
        self.sessionId = id
        self.backend = backend
        self.broadcaster = broadcaster
        self.clock = clock
        self.onDisconnect = onDisconnect
    }

    /// Calls `handler` for every event, synchronously and in order. Keep it quick; hand heavy work elsewhere.
    @discardableResult
    public func on(_ handler: @escaping @Sendable (SessionEvent) -> Void) -> EventSubscription {
        let id = broadcaster.addHandler(handler)
        return EventSubscription { [broadcaster] in broadcaster.remove(id) }
    }

    /// Calls `handler` with the typed data of every event of one kind:
    /// `session.on(.assistantMessage) { message in print(message.content) }`.
    @discardableResult
    public func on<Data>(_ kind: SessionEventKind<Data>, _ handler: @escaping @Sendable (Data) -> Void) -> EventSubscription {
        on { event in
            if let data = kind.data(of: event) { handler(data) }
        }
    }

    /// Every event from the moment you read this property until the session disconnects.
    ///
    /// ```swift
    /// for await event in session.events { print(event.type) }
    /// ```
    public var events: AsyncStream<SessionEvent> { broadcaster.subscribe() }

    /// Sends a prompt and returns its message id at once; the answer arrives as events, ending with
    /// `session.idle`. A message sent while the session is busy waits for the current one to finish.
    @discardableResult
    public func send(_ options: MessageOptions) async throws -> String {
        try await backend.send(options)
    }

    /// Sends a prompt; see ``send(_:)-(MessageOptions)``.
    @discardableResult
    public func send(_ prompt: String) async throws -> String {
        try await send(MessageOptions(prompt: prompt))
    }

    /// Sends a prompt and waits for the session to become idle, returning the final `assistant.message`.
    ///
    /// - Parameters:
    ///   - options: the prompt, its attachments and how it is delivered.
    ///   - timeout: how long to wait, on ``CopilotClientOptions/clock``. On timeout the session
    ///     keeps working; call ``abort()`` to stop it.
    /// - Throws: `CopilotError` — `sessionError` with the provider's message when the turn failed,
    ///   `aborted` when it was aborted, `timeout`, or `sessionClosed`.
    public func sendAndWait(_ options: MessageOptions, timeout: Duration = .seconds(60)) async throws -> SessionEvent.AssistantMessage {
        let (_, completion) = try await broadcaster.sendAndWait(timeout: timeout, clock: clock) { try await send(options) }
        if let failure = completion.failure { throw CopilotError(code: .sessionError, message: failure.message) }
        if completion.aborted { throw CopilotError(code: .aborted, message: "The session was aborted before the answer was complete.") }
        guard let answer = completion.answer, case .assistantMessage(let message) = answer.payload else {
            throw CopilotError(code: .sessionError, message: "The session became idle without an assistant message.")
        }
        return message
    }

    /// Sends a prompt and waits; see ``sendAndWait(_:timeout:)``.
    public func sendAndWait(_ prompt: String, timeout: Duration = .seconds(60)) async throws -> SessionEvent.AssistantMessage {
        try await sendAndWait(MessageOptions(prompt: prompt), timeout: timeout)
    }

    /// Every persisted event of the session so far, in order: what a store keeps and what a
    /// resumed session is rebuilt from (the official SDKs' `getMessages`). Ephemeral events, such
    /// as streaming deltas, are not included.
    public func messages() async throws -> [SessionEvent] {
        try await backend.messages()
    }

    /// Uses `model` (and `reasoningEffort`) from the next model call; emits `session.model_change`.
    public func setModel(_ model: String, reasoningEffort: String? = nil) async throws {
        try await backend.setModel(model, reasoningEffort: reasoningEffort)
    }

    /// The agent mode: `interactive` (the default), `plan` or `autopilot`.
    public func mode() async throws -> String { try await backend.mode() }

    /// Changes the agent mode; emits `session.mode_changed`.
    public func setMode(_ mode: String) async throws { try await backend.setMode(mode) }

    /// The session's name, once one was given.
    public func name() async throws -> String? { try await backend.name() }

    /// Names the session; emits `session.title_changed`.
    public func setName(_ name: String) async throws { try await backend.setName(name) }

    /// Summarises the older part of the conversation now, as happens by itself when it nears the
    /// context window: the model is asked for a summary, which takes the place of those messages.
    /// Emits `session.compaction_start` and `session.compaction_complete`.
    public func compact() async throws -> Compaction { try await backend.compact() }

    /// The session's MCP servers: each one's status (`connected`, `pending`, `failed`,
    /// `needs-auth`, `stopped`, `disabled`) and, while connected, its tools.
    public func mcpServers() async throws -> [MCPServerStatus] { try await backend.mcpServers() }

    /// The session's skills (`SessionConfig.skillDirectories`, and with
    /// `SessionConfig.enableConfigDiscovery` the project's), enabled or not. The folders are read
    /// on first use and by ``reloadSkills()``.
    public func skills() async throws -> [Skill] { try await backend.skills() }

    /// Lets the model load the skill `name` (`enabled`), or stops it from doing so.
    ///
    /// - Throws: `CopilotError` `invalidInput` (in process) or the runtime's error when the
    ///   session has no skill of that name.
    public func setSkill(_ name: String, enabled: Bool) async throws { try await backend.setSkill(name, enabled: enabled) }

    /// Reads the skill folders again (a skill added or changed on disk shows from now on); returns
    /// what was wrong with them.
    @discardableResult
    public func reloadSkills() async throws -> SkillDiagnostics { try await backend.reloadSkills() }

    /// The skills the model loaded so far, oldest first.
    public func invokedSkills() async throws -> [InvokedSkill] { try await backend.invokedSkills() }

    /// The plugins the session loaded (`SessionConfig.pluginDirectories`; through a runtime also
    /// its `--plugin-dir` folders and the trusted ones a client set).
    public func plugins() async throws -> [PluginInfo] { try await backend.plugins() }

    /// The session's custom agents (`SessionConfig.customAgents`).
    public func agents() async throws -> [AgentInfo] { try await backend.agents() }

    /// The custom agent running as the main agent; `nil` for the default agent.
    public func currentAgent() async throws -> AgentInfo? { try await backend.currentAgent() }

    /// Runs the custom agent `name` as the main agent from the next model call: its prompt and
    /// preloaded skills join the system prompt, only its tools are offered, its model answers.
    /// Emits `subagent.selected`.
    ///
    /// - Throws: `CopilotError` `invalidInput` (in process) or the runtime's error when the
    ///   session has no custom agent of that name.
    @discardableResult
    public func selectAgent(_ name: String) async throws -> AgentInfo { try await backend.selectAgent(name) }

    /// Runs the default agent again; emits `subagent.deselected`.
    public func deselectAgent() async throws { try await backend.deselectAgent() }

    /// The sub-agents the session started (with the `task` tool, or ``startAgentTask(type:prompt:description:name:model:)``), in order.
    public func agentTasks() async throws -> [AgentTaskInfo] { try await backend.agentTasks() }

    /// Starts the agent `type` (a built-in or custom agent) in the background on `prompt`; returns
    /// its agent id. When it finishes, the main agent is told and answers.
    ///
    /// - Throws: `CopilotError` `invalidInput` (in process) or the runtime's error for an
    ///   unknown agent type or a model that cannot be used.
    @discardableResult
    public func startAgentTask(type: String, prompt: String, description: String? = nil, name: String? = nil, model: String? = nil) async throws -> String {
        try await backend.startAgentTask(type: type, prompt: prompt, description: description, name: name, model: model)
    }

    /// Starts fleet mode: the main agent is asked to split the work (`prompt`) across sub-agents
    /// running in parallel in the background, and to combine their results. Returns once the
    /// message is queued; the work shows as events.
    public func startFleet(prompt: String? = nil) async throws { try await backend.startFleet(prompt) }

    /// Cancels the running sub-agent `id`; `false` when none of that id runs.
    @discardableResult
    public func cancelAgentTask(_ id: String) async throws -> Bool { try await backend.cancelAgentTask(id) }

    /// Forgets the sub-agent `id` (cancelling it, if it still runs), so ``agentTasks()`` no longer
    /// lists it and the main agent is not told about it; `false` when there is none of that id.
    @discardableResult
    public func removeAgentTask(_ id: String) async throws -> Bool { try await backend.removeAgentTask(id) }

    /// Returns once every background sub-agent has finished.
    public func waitForAgentTasks() async throws { try await backend.waitForAgentTasks() }

    // MARK: Model and reports

    /// The model the next call goes to, and its reasoning effort.
    public func currentModel() async throws -> ModelSelection { try await backend.currentModel() }

    /// Sends `effort` (`low`, `medium`, `high`, …) as the reasoning effort from the next model call,
    /// keeping the model.
    ///
    /// - Throws: `CopilotError` `invalidInput` for an empty effort.
    public func setReasoningEffort(_ effort: String) async throws { try await backend.setReasoningEffort(effort) }

    /// Calls, tokens and time the session spent, by model.
    public func usage() async throws -> SessionUsage { try await backend.usage() }

    /// About how many tokens the next model request takes: system prompt, tools, conversation.
    public func contextTokens() async throws -> ContextTokens { try await backend.contextTokens() }

    /// The session's metadata with its mode, model, working directory and folder now.
    public func snapshot() async throws -> SessionSnapshot { try await backend.snapshot() }

    /// Whether a message is being answered.
    public func isProcessing() async throws -> Bool { try await backend.isProcessing() }

    /// The messages waiting for the agent: those sent while it was busy, and unread steering messages.
    public func pendingMessages() async throws -> PendingMessages { try await backend.pendingMessages() }

    /// The tools the model is offered now (built-in, the app's, MCP servers', the selected agent's view).
    public func tools() async throws -> [ToolMetadata] { try await backend.tools() }

    /// The instruction files in the system prompt (`SessionConfig.instructionDirectories`, and
    /// with `SessionConfig.enableConfigDiscovery` the project's).
    public func instructionSources() async throws -> [InstructionSource] { try await backend.instructionSources() }

    /// What a handoff to another agent starts from: the conversation's last answer (`""` before the first).
    public func summarizeForHandoff() async throws -> String { try await backend.summarizeForHandoff() }

    /// Moves the session's tools to `directory`, an existing absolute directory.
    ///
    /// - Throws: `CopilotError` `invalidInput` when it is not one.
    public func setWorkingDirectory(_ directory: String) async throws { try await backend.setWorkingDirectory(directory) }

    // MARK: Event log

    /// A page of the session's persisted event log: what ``messages()`` returns, read in pages
    /// from a cursor, optionally only some event types, and optionally waiting for the next event.
    ///
    /// ```swift
    /// var page = try await session.readEventLog(after: try await session.eventLogTail(), wait: .seconds(10))
    /// // page.events: what was persisted in those ten seconds (returned at the first one)
    /// page = try await session.readEventLog(after: page.cursor, types: ["assistant.message"])
    /// ```
    ///
    /// - Parameters:
    ///   - cursor: where to start: a page's `cursor` or ``eventLogTail()``; `nil`
    ///     for the log's start (forward) or end (backward).
    ///   - direction: later events (oldest first) or earlier ones (newest first).
    ///   - types: the event types to return (`assistant.message`, …); `nil` for all.
    ///   - limit: the most events a page holds (1…1000).
    ///   - wait: reading forward, how long to wait for a matching event when there is none yet (at most 30 seconds).
    public func readEventLog(
        after cursor: String? = nil, direction: EventLogDirection = .forward, types: Set<String>? = nil, limit: Int = 200,
        wait: Duration = .zero
    ) async throws -> EventLogPage {
        try await backend.readEventLog(after: cursor, direction: direction, types: types, limit: limit, wait: wait)
    }

    /// The cursor after the last persisted event: reading forward from it returns only what comes next.
    public func eventLogTail() async throws -> String { try await backend.eventLogTail() }

    /// Writes `message` to the session's log, as a `session.info`, `session.warning` or
    /// `session.error` event every listener sees and a store keeps; returns the event's id.
    @discardableResult
    public func log(_ message: String, level: SessionLogLevel = .info) async throws -> String { try await backend.log(message, level: level) }

    // MARK: Plan and workspace files

    /// The session's plan (kept in its folder, the snapshot's `workspacePath`), or `nil` when there is none.
    public func plan() async throws -> String? { try await backend.readPlan() }

    /// Writes the plan; emits `session.plan_changed`.
    public func updatePlan(_ content: String) async throws { try await backend.updatePlan(content) }

    /// Deletes the plan; emits `session.plan_changed` when there was one.
    public func deletePlan() async throws { try await backend.deletePlan() }

    /// The files kept with the session (in its folder's `files/`), as relative paths, sorted.
    public func workspaceFiles() async throws -> [String] { try await backend.workspaceFiles() }

    /// The text of workspace file `path`, a relative path.
    ///
    /// - Throws: `CopilotError` `invalidInput` when the path leaves the files folder or there is no such file.
    public func readWorkspaceFile(_ path: String) async throws -> String { try await backend.readWorkspaceFile(path) }

    /// Writes workspace file `path` (a relative path; its folders are made); emits `session.workspace_file_changed`.
    ///
    /// - Throws: `CopilotError` `invalidInput` when the path leaves the files folder.
    public func writeWorkspaceFile(_ path: String, content: String) async throws { try await backend.writeWorkspaceFile(path, content: content) }

    // MARK: Permissions

    /// Approves every permission request without asking the handler (`true`), or asks again (`false`).
    public func setApproveAll(_ enabled: Bool) async throws { try await backend.setApproveAll(enabled) }

    /// Forgets the approvals the handler gave for the rest of the session (`approvedForSession`).
    public func resetSessionApprovals() async throws { try await backend.resetSessionApprovals() }

    // MARK: MCP servers and commands

    /// Starts the session's MCP server `name` (stopped, or failed), or stops and starts it (`restart`).
    ///
    /// - Throws: `CopilotError` when the session has no server of that name or it cannot start.
    public func startMCPServer(_ name: String, restart: Bool = false) async throws { try await backend.startMCPServer(name, restart: restart) }

    /// Stops the session's MCP server `name`; its tools are no longer offered.
    public func stopMCPServer(_ name: String) async throws { try await backend.stopMCPServer(name) }

    /// Enables MCP server `name` (it starts) or disables it (it stops and stays stopped until enabled).
    public func setMCPServer(_ name: String, enabled: Bool) async throws { try await backend.setMCPServer(name, enabled: enabled) }

    /// Stops the session's MCP servers and starts them again from its config.
    public func reloadMCPServers() async throws { try await backend.reloadMCPServers() }

    /// Starts a shell command for the app in the session's working directory or `directory`, in
    /// the background; returns its id. No permission is asked: the app, not the model, runs it.
    /// It joins the session's commands, so the model's `read_bash` and `list_bash` tools see it, and
    /// it ends with the session (or ``killShellCommand(_:)``).
    ///
    /// - Throws: `CopilotError` when it cannot start (16 commands already run, or the session is closed).
    public func runShellCommand(_ command: String, in directory: String? = nil) async throws -> String {
        try await backend.runShellCommand(command, in: directory)
    }

    /// Stops a command ``runShellCommand(_:in:)`` started; `false` when it is not running.
    @discardableResult
    public func killShellCommand(_ processId: String) async throws -> Bool { try await backend.killShellCommand(processId) }

    /// Asks the user to fill a form: `requestedSchema` is a JSON Schema object of flat properties
    /// (strings, numbers, booleans, enums). Answered by `SessionConfig.onElicitationRequest` (in
    /// process) or by a client connected to the runtime that answers forms; emits
    /// `elicitation.requested` and `elicitation.completed`.
    ///
    /// - Throws: `ElicitationUnavailable` (in process) or the runtime's error when nobody answers forms.
    public func elicit(message: String, requestedSchema: JSONValue? = nil) async throws -> ElicitationResult {
        try await backend.elicit(message: message, requestedSchema: requestedSchema)
    }

    /// Stops the current message: the model stream and any running tools are cancelled, then `abort`
    /// and `session.idle` are emitted. The session stays usable.
    public func abort() async {
        await backend.abort()
    }

    /// Ends the session: aborts any work, ends ``events`` streams and drops handlers.
    public func disconnect() async {
        await backend.close()
        broadcaster.finish()
        onDisconnect(sessionId)
    }
}

/// A registration made with `CopilotSession.on`; call ``cancel()`` to stop receiving events.
public struct EventSubscription: Sendable {
    private let cancelAction: @Sendable () -> Void

    init(cancel: @escaping @Sendable () -> Void) { cancelAction = cancel }

    /// Unregisters the handler. Calling it twice is harmless.
    public func cancel() { cancelAction() }
}

/// What ``CopilotSession/compact()`` did.
public struct Compaction: Sendable, Hashable {
    /// Conversation entries the summary replaced.
    public var messagesRemoved: Int
    /// About how many tokens fewer the next request takes.
    public var tokensRemoved: Int
    /// The summary, when one was made (nothing was old enough otherwise).
    public var summary: String?

    public init(messagesRemoved: Int, tokensRemoved: Int, summary: String?) {
        self.messagesRemoved = messagesRemoved
        self.tokensRemoved = tokensRemoved
        self.summary = summary
    }
}
