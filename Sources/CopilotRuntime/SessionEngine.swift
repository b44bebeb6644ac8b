package import CopilotCore
package import CopilotProviders
package import Foundation
package import Logging

/// Runs one session's agent loop in-process and reports everything it does as ``SessionEvent``s.
///
/// Each `send` becomes one interaction: `user.message`, then model calls ("turns") until the model
/// answers without tool calls. Tool calls of one turn run in parallel, each after asking the
/// permission handler. Messages sent while busy wait in a queue. Whatever happens — success, a
/// provider error, an abort, the turn limit — the interaction ends with `session.idle`.
package actor SessionEngine {
    /// The session's id.
    package nonisolated let sessionId: String
    /// The wire model name; ``switchModel(to:reasoningEffort:)`` changes it.
    package private(set) var model: String

    /// Where model calls go; ``switchModel(to:reasoningEffort:capabilities:provider:)`` may change it.
    private(set) var provider: any ModelProvider
    var providerType: String?
    /// How the config changes the default prompt; resolved once, when the first model call needs it.
    private let systemMessage: SystemMessage?
    private var resolvedPrompt: String?
    private let instructionDirectories: [String]
    /// The instruction files in the system prompt (read with it).
    package private(set) var instructionSources: [InstructionFiles.Source] = []
    /// The plugins the session loaded (``SessionConfig/pluginDirectories``).
    package nonisolated let plugins: [PluginInfo]
    /// What the plugins have that is not loaded, said once the session starts.
    let pluginWarnings: [String]
    /// Context the `sessionStart` hook gave, for the model before the first prompt.
    private var startContext: [String] = []
    /// The system prompt as sent (once ``resolveSystemPrompt()`` has run).
    var systemPrompt: String { resolvedPrompt ?? "" }
    /// The file the store writes this session's events to, if any (hooks report it).
    package private(set) var transcriptPath: String?
    /// Whether the `sessionEnd` hook ran since the session last worked on a message.
    private var endReported = false
    /// Where the tools come from: which ones a model call offers, and who runs a call.
    var registry: ToolRegistry
    /// The session's agents and sub-agents (see `SessionEngine+Agents.swift`).
    var roster: AgentRoster
    /// Tools the default agent is not offered (sub-agents are).
    let defaultAgentExcludedTools: Set<String>
    /// How providers are made, for a custom agent's model under another provider (`nil` for an
    /// engine given its provider ready-made).
    let providerContext: ProviderContext?
    /// The session's provider settings (for listing its models).
    private(set) var providerConfig: ProviderConfig?
    /// The session's skills (see `Skills.swift`).
    package nonisolated let skills: SkillCatalog
    /// The MCP servers the session was configured with (disabled ones too), how to start them, and
    /// which are disabled (see `SessionEngine+MCP.swift`).
    var mcp: MCPHost
    let streaming: Bool
    let permissionHandler: PermissionHandler?
    let permissionRules: PermissionRules
    package internal(set) var reasoningEffort: String?
    let hooks: SessionHooks?
    /// Answers forms (``SessionConfig/onElicitationRequest``).
    let elicitationHandler: ElicitationHandler?
    /// Gets OAuth tokens for remote MCP servers (``SessionConfig/onMcpAuthRequest``).
    let mcpAuthHandler: MCPAuthHandler?
    let maxOutputTokens: Int?
    /// Documents go to the model with citations enabled (``SessionConfig/enableCitations``).
    let citations: Bool
    let temperature: Double?
    let maxTurns: Int
    package internal(set) var workingDirectory: String?
    /// The commands the shell tools started; they and what they started end when the session closes.
    let shells: ShellSessions
    /// Fetches URLs for `web_fetch` (the providers' transport); `nil` leaves `web_fetch` out.
    let transport: (any HTTPTransport)?
    private let sink: @Sendable (SessionEvent) -> Void
    let logger: Logger
    /// Measures hook and shell timeouts (a test clock makes them instant).
    let clock: any Clock<Duration>

    /// The main agent's loop state (see `SessionEngine+Loop.swift`).
    let main: AgentConversation
    /// The running sub-agents' loop states, by agent id.
    var subAgentConversations: [String: AgentConversation] = [:]
    /// The main agent's conversation.
    var history: [ConversationItem] {
        get { main.history }
        set { main.history = newValue }
    }
    private var lastPersistedID: UUID?
    var queue: [QueuedMessage] = []
    private var worker: Task<Void, Never>?
    private var current: Task<Void, Never>?
    /// The id of the message being answered, while one is.
    private(set) var currentMessageID: String?
    /// What clients set on the session and the runtime counts (see `SessionEngine+State.swift`).
    var sessionState = SessionState()
    var approvedForSession: Set<String> = []
    private(set) var isClosed = false

    struct QueuedMessage {
        var id: String
        var prompt: String
        var attachments: [Attachment] = []
        var agentMode: String?
        var requestHeaders: [String: String] = [:]
        var responseFormat: ResponseFormat?
        /// `system` for a notification the runtime sends its main agent (a background agent finished).
        var source: String?
    }

    /// The headers of the message being answered (its `requestHeaders` and the client's name).
    var callHeaders: [String: String] = [:]
    /// The schema the main agent's answer to the message being answered must match.
    var callResponseFormat: ResponseFormat?
    /// The session's own (``SessionConfig/responseFormat``).
    let defaultResponseFormat: ResponseFormat?
    /// The `User-Agent` of model calls: this runtime, and the client's name when it gave one.
    let userAgent: String
    /// The model name on the wire when the provider names one (`wireModel`).
    private(set) var wireModel: String?

    /// Messages sent with `mode: .immediate` while busy, joining before the next model call.
    var steering: [QueuedMessage] = []
    private(set) var modelCapabilities: ModelCapabilities?
    var budget: ConversationBudget?
    let maxOutputTokensSetting: Int?

    /// Where the outcome of one tool call leaves the conversation.
    struct ToolOutcome {
        var callID: String
        var textForModel: String
        var endsInteraction: Bool
        /// Images a tool read for the model (`view` of an image), sent after the results.
        var images: [MediaContent] = []
        var imagePath: String?
        /// The arguments a `preToolUse` hook ran the call with instead of the model's (JSON text).
        var modifiedArguments: String?
        /// Text for the model as a message after the turn's results (a skill's instructions).
        var followUp: String?
    }

    /// The producer name reported in `session.start`.
    package static let producer = "copilot-swift"
    /// This library's version, reported in `session.start`.
    package static let version = "0.1.0"

    /// Creates an engine. Events go to `sink`, in order, on the engine's executor; `clock` measures
    /// hook and shell timeouts.
    ///
    /// - Throws: ``CopilotError`` `invalidConfiguration` when there is no provider at all (this
    ///   runtime is BYOK-only). A provider without a model is accepted, as the official runtime does;
    ///   a message sent before a model is chosen ends in ``modelRequired``.
    package init(
        sessionId: String, config: SessionConfig, provider: any ModelProvider, transport: (any HTTPTransport)? = nil,
        clock: any Clock<Duration> = ContinuousClock(), providerContext: ProviderContext? = nil, logger: Logger = Logger(label: "copilot.session"),
        sink: @escaping @Sendable (SessionEvent) -> Void
    ) throws {
        let (_, model) = try Self.validate(config)
        let (config, plugins) = try config.resolvingPlugins()
        self.plugins = plugins.map { PluginInfo(name: $0.name, version: $0.version) }
        pluginWarnings = plugins.filter { !$0.ignored.isEmpty }.map { plugin in
            "Plugin \(plugin.name): \(plugin.ignored.joined(separator: ", ")) not loaded (this runtime runs the app's hooks, not hook commands, and has no LSP client)."
        }
        let filter = ToolFilter(available: config.availableTools, excluded: config.excludedTools)
        var appTools: [Tool] = []
        for tool in config.tools where filter.allows(tool.name, origin: .custom) {
            guard !appTools.contains(where: { $0.name == tool.name }) else {
                throw CopilotError(code: .invalidConfiguration, message: "Two tools are named `\(tool.name)`; tool names must be unique.")
            }
            if let builtIn = BuiltInTool(rawValue: tool.name), config.builtInTools.contains(builtIn), !tool.overridesBuiltInTool {
                throw CopilotError(
                    code: .invalidConfiguration,
                    message: "The tool `\(tool.name)` has the name of a built-in tool; set overridesBuiltInTool on it to replace the built-in one, or rename it.")
            }
            appTools.append(tool)
        }
        self.sessionId = sessionId
        main = AgentConversation(identity: AgentIdentity(name: "default", hookSessionId: sessionId))
        // One scope per engine: a session resumed here while its old engine closes keeps its own.
        shells = ShellSessions(scope: "\(sessionId)#\(UUID().uuidString.prefix(8))")
        self.model = model
        self.provider = provider
        self.providerType = config.provider?.resolvedType.rawValue
        self.systemMessage = config.systemMessage
        // With config discovery, the working directory's own instruction files come after the configured folders'.
        let projectFolder = config.enableConfigDiscovery ? config.workingDirectory ?? FileManager.default.currentDirectoryPath : nil
        self.instructionDirectories = config.instructionDirectories + (projectFolder.map { [$0] } ?? [])
        skills = SkillCatalog(
            directories: config.skillDirectories, disabled: config.disabledSkills, discovery: projectFolder != nil,
            workingDirectory: projectFolder, plugins: plugins)
        self.citations = config.enableCitations
        self.temperature = config.temperature
        // Built-in tools first, then the app's, as the official runtime lists them; an app's tool
        // of a built-in's name replaces it (see ToolRegistry).
        var registry = ToolRegistry(filter: filter)
        let builtIns = BuiltInTool.allCases.filter { $0.hasKind && config.builtInTools.contains($0) && ($0 != .webFetch || transport != nil) }
        registry.register(BuiltInToolSource(enabled: builtIns, shells: shells, transport: transport, clock: clock), id: "builtin")
        if let handler = config.onUserInputRequest {
            registry.register(UserInputToolSource(handler: handler), id: "builtin:\(UserInputHandler.toolName)")
        }
        if !skills.isEmpty { registry.register(SkillToolSource(catalog: skills), id: "builtin:\(SkillToolSource.toolName)") }
        var roster = AgentRoster(custom: config.customAgents, excludedBuiltIns: Set(config.excludedBuiltInAgents), providers: config.providers)
        if let unknown = config.agent, !config.customAgents.contains(where: { $0.name == unknown }) {
            throw CopilotError(
                code: .invalidConfiguration,
                message: "SessionConfig.agent names `\(unknown)`, which is not one of the session's custom agents (\(config.customAgents.map(\.name).joined(separator: ", "))).")
        }
        roster.initial = config.agent
        defaultAgentExcludedTools = Set(config.defaultAgentExcludedTools)
        let link = EngineLink()
        if config.builtInTools.contains(.task) {
            registry.register(link.agentTools(offering: roster.delegable), id: "builtin:task")
        }
        self.roster = roster
        self.providerContext = providerContext
        self.providerConfig = config.provider
        registry.register(AppToolSource(appTools: appTools), id: Self.appToolSourceID)
        var mcp = MCPHost(
            configs: config.mcpServers, connector: config.mcpConnector, disabled: Set(config.disabledMCPServers),
            workingDirectory: config.workingDirectory)
        mcp.envValueMode = config.mcpEnvValueMode
        for name in mcp.enabledNames {
            if let source = mcp.source(named: name, sessionId: sessionId) { registry.register(source, id: MCPHost.sourceID(name)) }
        }
        self.mcp = mcp
        self.registry = registry
        self.transport = transport
        self.streaming = config.streaming
        self.permissionHandler = config.onPermissionRequest
        self.elicitationHandler = config.onElicitationRequest
        self.mcpAuthHandler = config.onMcpAuthRequest
        self.permissionRules = config.permissionRules
        self.reasoningEffort = config.reasoningEffort
        self.hooks = config.hooks
        self.modelCapabilities = config.modelCapabilities
        self.maxOutputTokensSetting = config.maxOutputTokens
        self.budget = ConversationBudget(capabilities: config.modelCapabilities, maxOutputTokens: config.maxOutputTokens)
        self.maxOutputTokens = config.maxOutputTokens
        self.maxTurns = config.maxTurns
        self.workingDirectory = config.workingDirectory
        self.sink = sink
        self.clock = clock
        self.wireModel = config.provider?.wireModel.flatMap { $0.isEmpty ? nil : $0 }
        self.userAgent = "\(Self.producer)/\(Self.version)" + (config.clientName.map { " \($0)" } ?? "")
        defaultResponseFormat = config.responseFormat
        var logger = logger
        logger[metadataKey: "session.id"] = "\(sessionId)"
        self.logger = logger
        mcp.relay.connect(MCPSessionLink(
            elicit: { [weak self] request in
                guard let self else { throw ElicitationUnavailable() }
                return try await self.elicit(request)
            },
            authorize: { [weak self] request in await self?.authorizeMCP(request) }))
        link.connect(self)
    }

    /// Creates an engine whose provider is built from `config.provider` with `providerContext`.
    ///
    /// - Throws: ``CopilotError`` as the designated initializer does, and `ProviderError`
    ///   `invalidConfiguration` / `unsupported` when the provider settings cannot work.
    package init(
        sessionId: String, config: SessionConfig, providerContext: ProviderContext, logger: Logger = Logger(label: "copilot.session"),
        sink: @escaping @Sendable (SessionEvent) -> Void
    ) throws {
        let (providerConfig, _) = try Self.validate(config)
        let provider = try providerConfig.makeProvider(context: providerContext)
        try self.init(
            sessionId: sessionId, config: config, provider: provider, transport: providerContext.transport, clock: providerContext.clock,
            providerContext: providerContext, logger: logger, sink: sink)
    }

    /// Checks what every session needs before anything is built.
    /// - Returns: the provider settings and the trimmed model name (empty when none is chosen yet).
    static func validate(_ config: SessionConfig) throws -> (ProviderConfig, String) {
        guard let provider = config.provider else {
            throw CopilotError(
                code: .invalidConfiguration,
                message: "A provider is required: this runtime only talks to your own model endpoint (BYOK). Set SessionConfig.provider, e.g. ProviderConfig(type: .openai, baseURL: \"http://localhost:11434/v1\").")
        }
        let model = config.model?.trimmingCharacters(in: .whitespaces) ?? ""
        guard config.maxTurns > 0 else {
            throw CopilotError(code: .invalidConfiguration, message: "SessionConfig.maxTurns must be at least 1 (it is \(config.maxTurns)).")
        }
        return (provider, model)
    }

    /// The error of a message sent to a session that has no model (nor a provider `wireModel`).
    static let modelRequired = CopilotError(
        code: .invalidConfiguration,
        message: "Model required when a custom provider is set: set SessionConfig.model (the SDKs' `model`) to the model or deployment name, for example \"llama3.2\" or \"gpt-4.1\", or switch the session to one.")

    /// The model events report: nil until one is chosen.
    package var reportedModel: String? { model.isEmpty ? nil : model }

    /// Emits `session.start` and runs the `sessionStart` hook. Call once, before the first `send`.
    package func start() async {
        startToolSources()
        emit(.sessionStart(SessionEvent.SessionStart(
            sessionId: sessionId, producer: Self.producer, copilotVersion: Self.version,
            startTime: EventTimestamp.format(Date()), selectedModel: reportedModel, reasoningEffort: reasoningEffort,
            context: workingDirectory.map { .init(cwd: $0) })))
        for warning in pluginWarnings { emit(.sessionWarning(.init(warningType: "plugin", message: warning))) }
        if let name = roster.initial { selectInitialAgent(name, announce: true) }
        if let output = await runHook(.sessionStart, SessionStartInput(sessionId: sessionId, source: "new")),
            let context = output.additionalContext, !context.isEmpty
        {
            startContext.append(context)
        }
    }

    /// Selects the agent the config or the stored session names; one whose model cannot be used
    /// is reported in a `session.warning` and the default agent runs.
    private func selectInitialAgent(_ name: String, announce: Bool) {
        do {
            try select(name, announce: announce)
        } catch {
            emit(.sessionWarning(.init(warningType: "agent", message: "The agent \(name) could not be selected: \(Self.describe(error))")))
        }
    }

    /// Notes where the store writes this session's events.
    package func setTranscriptPath(_ path: String?) { transcriptPath = path }

    /// Continues a stored session: rebuilds the conversation from its persisted events and emits
    /// `session.resume`. Call instead of ``start()``.
    package func resume(from events: [SessionEvent], droppedLines: Int = 0, recovery: String? = nil) {
        startToolSources()
        let replay = ConversationReplay(events)
        restoreState(from: events)
        history = replay.history
        lastPersistedID = replay.lastPersistedID
        main.nextTurnNumber = replay.turnCount
        emit(.sessionResume(.init(
            resumeTime: EventTimestamp.format(Date()), eventCount: events.count, selectedModel: reportedModel, reasoningEffort: reasoningEffort)))
        // The agent the resuming config names, else the one the session had selected.
        if let name = roster.initial {
            selectInitialAgent(name, announce: Self.selectedAgent(in: events) != name)
        } else if let name = Self.selectedAgent(in: events), roster.custom.contains(where: { $0.name == name }) {
            selectInitialAgent(name, announce: false)
        }
        if replay.endsInterrupted {
            emit(.sessionWarning(.init(
                warningType: "interrupted_turn",
                message: "The last turn was interrupted when the runtime stopped; the conversation goes on after it.")))
        }
        if droppedLines > 0 {
            emit(.sessionWarning(.init(
                warningType: "transcript_recovery",
                message: "Left out \(droppedLines) unreadable line(s) of the stored log\(recovery.map { " (\($0))" } ?? ""); the rest was resumed.")))
        }
    }

    /// Adds an event produced outside the loop (by a protocol server, for example) to this session's stream.
    @discardableResult
    package func publish(_ payload: SessionEvent.Payload) -> UUID {
        emit(payload)
    }

    /// An event of a tool call `agent` made.
    @discardableResult
    func publish(_ payload: SessionEvent.Payload, agent: AgentIdentity) -> UUID {
        emit(payload, agent: agent)
    }

    /// Uses `model` for the next model calls and emits `session.model_change`.
    /// With `capabilities`, they replace the session's (vision on or off, limits). With `provider`
    /// (a named provider's model, `provider/id`), its calls go there, under its wire model name.
    package func switchModel(
        to newModel: String, reasoningEffort newEffort: String? = nil, capabilities: ModelCapabilities? = nil,
        provider newProvider: (config: ProviderConfig, provider: any ModelProvider)? = nil
    ) throws {
        let trimmed = newModel.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw CopilotError(code: .invalidConfiguration, message: "A model name is required to switch models.")
        }
        let change = SessionEvent.SessionModelChange(
            newModel: trimmed, previousModel: reportedModel, reasoningEffort: newEffort,
            previousReasoningEffort: newEffort == nil ? nil : reasoningEffort)
        model = trimmed
        if let newProvider {
            provider = newProvider.provider
            providerConfig = newProvider.config
            roster.listedModels[""] = nil
            providerType = newProvider.config.resolvedType.rawValue
            wireModel = newProvider.config.wireModel.flatMap { $0.isEmpty ? nil : $0 }
        }
        if let newEffort { reasoningEffort = newEffort }
        if let capabilities {
            modelCapabilities = capabilities
            budget = ConversationBudget(capabilities: capabilities, maxOutputTokens: maxOutputTokensSetting)
        }
        emit(.sessionModelChange(change))
    }

    /// The text of the message that shows the model an image a tool read (`view` of a picture).
    static let toolImagePrefix = "Image file at path "

    /// The conversation as this model may see it: without vision, images a tool read are left
    /// out (they stay in the history, for a model that can see them).
    func historyForModel(_ history: [ConversationItem]) -> [ConversationItem] {
        guard modelCapabilities?.supports.vision == false else { return history }
        return history.filter { item in
            if case .user(let text, let images) = item, !images.isEmpty, text.hasPrefix(Self.toolImagePrefix) { return false }
            return true
        }
    }

    /// Queues a message and returns its id at once; the answer arrives as events.
    package func send(_ options: MessageOptions) throws -> String {
        guard !isClosed else {
            throw CopilotError(code: .sessionClosed, message: "Session \(sessionId) is disconnected; create or resume a session to send more messages.")
        }
        if options.mode == .immediate, options.responseFormat != nil, current != nil {
            throw CopilotError(
                code: .invalidInput,
                message: "A steering message (mode immediate) joins an answer already under way, so it cannot ask for its own response format; send it queued.")
        }
        let messageID = UUID().uuidString.lowercased()
        let message = QueuedMessage(
            id: messageID, prompt: options.prompt, attachments: options.attachments, agentMode: options.agentMode,
            requestHeaders: options.requestHeaders, responseFormat: options.responseFormat)
        if options.mode == .immediate, current != nil {
            steering.append(message)
        } else {
            queue.append(message)
        }
        emit(.pendingMessagesModified(.init()))
        if worker == nil {
            worker = Task { await self.drainQueue() }
        }
        return messageID
    }

    /// Sends the main agent the notifications of background agents that finished while it was idle,
    /// so it answers them as the official runtime does.
    func deliverNotificationsIfIdle() {
        guard !isClosed, worker == nil, !roster.pendingNotifications.isEmpty else { return }
        for notification in roster.pendingNotifications {
            queue.append(QueuedMessage(id: UUID().uuidString.lowercased(), prompt: notification, source: "system"))
        }
        roster.pendingNotifications.removeAll()
        worker = Task { await self.drainQueue() }
    }

    /// Whether a message is being processed or waits.
    var isBusy: Bool { current != nil || !queue.isEmpty }

    /// The messages waiting for the agent, in order, and the steering messages it has not read yet.
    package var pendingMessages: (queued: [(id: String, prompt: String, agentMode: String?)], steering: [String]) {
        (queue.map { ($0.id, $0.prompt, $0.agentMode) }, steering.map(\.prompt))
    }

    /// The tools the next model call offers.
    package var offeredTools: [ToolDefinition] { toolDefinitions }

    /// What a model call offers now (asked anew for every call, so sources can change).
    var toolDefinitions: [ToolDefinition] { offeredTools(to: main.identity).map(\.tool.definition) }

    /// The id of the source of ``SessionConfig/tools``.
    package static let appToolSourceID = "app"

    /// Adds a tool source (an MCP server, a connected client's tools…) under `id`, replacing one
    /// registered under the same id; its tools are offered from the next model call on.
    package func register(_ source: any ToolSource, id: String) async {
        await registry.register(source, id: id)?.close()
    }

    /// Removes the tool source registered under `id` and closes it.
    package func unregister(toolSource id: String) async {
        await registry.unregister(id: id)?.close()
    }

    /// The session's MCP servers (those not disabled), in the order configured.
    package var mcpServers: [any MCPServerSource] { registry.all.compactMap { $0 as? any MCPServerSource } }

    /// Starts connecting every tool source (MCP servers start with their session, as in the
    /// official runtime); the first model call waits for what is still connecting.
    private func startToolSources() {
        guard registry.all.contains(where: { $0 is any MCPServerSource }) || !disabledMCPServers.isEmpty else { return }
        Task {
            await prepareToolSources()
            _ = publish(.mcpServersLoaded(.init(servers: mcpStatus.map { .init(name: $0.name, status: $0.status, error: $0.error) })))
        }
    }

    /// Lets every tool source connect (or connect again) before a model call.
    func prepareToolSources() async {
        let publish: @Sendable (SessionEvent.Payload) async -> Void = { payload in _ = await self.publish(payload) }
        for source in registry.all { await source.prepare(publish: publish) }
    }

    /// Cancels the message being processed (model stream and running tools). Emits `abort`, then
    /// `session.idle`; queued messages still run and the session stays usable.
    package func abort() {
        current?.cancel()
        cancelAgentTasks()
        // An abort is a stop: what background agents finished before it is not answered any more.
        roster.pendingNotifications.removeAll()
        queue.removeAll { $0.source == "system" }
    }

    /// Another writer took the session over (its log is not this engine's any more): emits a
    /// `session.warning` of type `session_taken_over`, drops what waits and aborts what runs;
    /// later messages are refused.
    func lose(to message: String) async {
        guard !isClosed else { return }
        emit(.sessionWarning(.init(
            warningType: "session_taken_over",
            message: "Another client or runtime resumed this session and now owns it; this one stops. (\(message))")))
        await close()
    }

    /// The store could not take this session's events: a `session.error` of type `persistence` tells
    /// the clients (and fails the message being answered, so `sendAndWait` says so), as what happens
    /// from here may be lost if the runtime stops. The session goes on.
    func reportStorageFailure(_ reason: String) {
        guard !isClosed else { return }
        emit(.sessionError(Self.storageFailure(reason, messageID: currentMessageID)))
    }

    /// The `session.error` of a store that could not take the session's events.
    static func storageFailure(_ reason: String, messageID: String?) -> SessionEvent.SessionError {
        .init(
            errorType: "persistence",
            message: "Could not save this session's events (\(reason)); what it does now may be lost if the runtime stops. Free space or fix the store, then go on.",
            originatingMessageId: messageID)
    }

    /// Stops the session: drops queued messages, aborts the current one and waits until it has ended.
    package func close() async {
        guard !isClosed else { return }
        isClosed = true
        queue.removeAll()
        current?.cancel()
        cancelAgentTasks()
        await worker?.value
        for task in roster.tasks.values { await task.task?.value }
        await shells.closeAll()
        for source in registry.all { await source.close() }
        await reportEnd()
    }

    /// Runs the `sessionEnd` hook (reason `user_exit`) unless it ran since the session last
    /// answered a message: when the session closes, or when its last client leaves a session that
    /// stays in memory. A summary it gives is recorded as `session.task_complete`.
    package func reportEnd() async {
        guard !endReported else { return }
        endReported = true
        if let output = await runHook(.sessionEnd, SessionEndInput(sessionId: sessionId, reason: "user_exit")),
            let summary = output.sessionSummary, !summary.isEmpty
        {
            emit(.sessionTaskComplete(.init(summary: summary, success: true)))
        }
    }

    // MARK: - The loop

    private func drainQueue() async {
        while !queue.isEmpty {
            let message = queue.removeFirst()
            emit(.pendingMessagesModified(.init()))
            let task = Task { await self.process(message) }
            current = task
            currentMessageID = message.id
            await task.value
            current = nil
            currentMessageID = nil
            // Steering that arrived too late to join becomes the next message.
            queue.insert(contentsOf: steering, at: 0)
            steering.removeAll()
        }
        worker = nil
        deliverNotificationsIfIdle()
    }

    private func process(_ message: QueuedMessage) async {
        endReported = false
        var transformed = message.prompt
        // What goes to the model, and when the current date and time follow it (after any attachments).
        var sent = (text: message.prompt, dated: nil as Date?)
        if message.source == nil {
            // The user's message: the prompt hooks, and the current date and time.
            var prompt = message.prompt
            if let output = await runHook(.userPromptSubmitted, UserPromptSubmittedInput(sessionId: sessionId, prompt: prompt)) {
                if let modified = output.modifiedPrompt { prompt = modified }
                if let context = output.additionalContext, !context.isEmpty { prompt += "\n\n" + context }
            }
            let now = Date()
            transformed = Self.transform(prompt, at: now)
            sent = (prompt, now)
            if let output = await runHook(
                .userPromptTransformed, UserPromptTransformedInput(sessionId: sessionId, prompt: prompt, transformedPrompt: transformed)),
                let modified = output.modifiedTransformedPrompt
            {
                transformed = modified
                sent = (modified, nil)
            }
        }
        emit(.userMessage(.init(
            content: message.prompt, transformedContent: transformed, messageId: message.id,
            attachments: message.attachments.isEmpty ? nil : message.attachments, agentMode: message.agentMode, source: message.source)))
        callHeaders = message.requestHeaders.merging(["User-Agent": userAgent]) { own, _ in own }
        // A notification the runtime sends itself (a background agent finished) is held to the session's format only.
        callResponseFormat = message.responseFormat ?? defaultResponseFormat
        var aborted = false
        do {
            // What the sessionStart hook added comes before the first prompt, as its own message.
            history.append(contentsOf: startContext.map { .user($0) })
            startContext.removeAll()
            history.append(try await userItem(sent.text, attachments: message.attachments, dated: sent.dated))
            if main.model == nil, (wireModel ?? model).isEmpty { throw Self.modelRequired }
            var retriesLeft: Int?
            var blocks = 0
            var askedAgain = false
            // An answer that missed the schema twice: not a model call's failure, so not the errorOccurred hook's.
            var formatFailure: CopilotError?
            while true {
                do {
                    guard try await runTurns(main, originatingMessageID: message.id) else { break }
                    if let format = callResponseFormat, let problem = Self.formatProblem(in: main.finalAnswer, format) {
                        // An answer outside the schema is asked for once more, saying what was wrong; then it fails.
                        guard !askedAgain else {
                            formatFailure = CopilotError(
                                code: .sessionError, message: "The answer does not match the JSON schema `\(format.name)`, also when asked again: \(problem)")
                            break
                        }
                        askedAgain = true
                        emit(.sessionWarning(.init(
                            warningType: "structured_output",
                            message: "The answer does not match the JSON schema `\(format.name)` (\(problem)); the model is asked once more.")))
                        let correction = Self.formatCorrection(problem)
                        emit(.userMessage(.init(content: correction, transformedContent: correction, source: "system")))
                        history.append(.user(correction))
                        continue
                    }
                    // Each answer checked gets its own second chance.
                    askedAgain = false
                    if let reason = await agentStopBlock(after: blocks) {
                        // The agentStop hook keeps the agent working: its reason is the next user message.
                        blocks += 1
                        emit(.userMessage(.init(content: reason, transformedContent: reason, source: "hook")))
                        history.append(.user(reason))
                        continue
                    }
                    // Background sub-agents still at work: the session answers each one's result before it goes idle.
                    guard let notification = await nextAgentNotification() else { break }
                    try Task.checkCancellation()
                    emit(.userMessage(.init(content: notification, transformedContent: notification, source: "system")))
                    history.append(.user(notification))
                } catch where !(Task.isCancelled || error is CancellationError) {
                    // The errorOccurred hook may retry the failed call, or skip it quietly.
                    let failure = Self.sessionError(for: error, originatingMessageID: message.id)
                    let input = ErrorOccurredInput(sessionId: sessionId, error: failure.message, errorContext: "model_call", recoverable: true)
                    guard hooks?.onErrorOccurred != nil else { throw error }
                    let output = await runHook(.errorOccurred, input)
                    switch output?.errorHandling {
                    case "retry":
                        let remaining = retriesLeft ?? max(output?.retryCount ?? 1, 1)
                        guard remaining > 0 else { throw error }
                        retriesLeft = remaining - 1
                        closeOpenTurn(main)
                    case "skip":
                        closeOpenTurn(main)
                        throw SkippedError()
                    case "abort":
                        throw CancellationError()
                    default:
                        throw error
                    }
                }
            }
            if let formatFailure { throw formatFailure }
        } catch is SkippedError {
            // The hook chose to drop the failure: the message ends without an error.
        } catch {
            closeOpenTurn(main)
            if Task.isCancelled || error is CancellationError {
                aborted = true
                emit(.abort(.init(reason: "user_initiated")))
            } else {
                logger.notice("session error", metadata: ["error": "\(error)"])
                emit(.sessionError(Self.sessionError(for: error, originatingMessageID: message.id)))
            }
        }
        emit(.sessionIdle(.init(aborted: aborted ? true : nil)))
    }

    /// Messages sent with `mode: .immediate` that arrived while the main agent worked join its
    /// conversation before the next model call.
    func joinSteering() async throws {
        for joining in steering {
            let now = Date()
            emit(.userMessage(.init(
                content: joining.prompt, transformedContent: Self.transform(joining.prompt, at: now), messageId: joining.id,
                attachments: joining.attachments.isEmpty ? nil : joining.attachments, delivery: "steering")))
            history.append(try await userItem(joining.prompt, attachments: joining.attachments, dated: now))
        }
        steering.removeAll()
    }

    /// The loop state of the agent `id` (`nil`: the main agent), while it runs.
    func conversation(_ id: String?) -> AgentConversation? {
        id.map { subAgentConversations[$0] } ?? main
    }

    /// How many times in a row the `agentStop` hook may keep the agent working on one message.
    static let agentStopBlockLimit = 5

    /// Asks the `agentStop` hook whether the agent may stop after answering; returns the reason
    /// to go on with when it blocks (and has not blocked `blocks` ≥ the limit times already).
    private func agentStopBlock(after blocks: Int) async -> String? {
        let input = AgentStopInput(sessionId: sessionId, stopReason: "end_turn", transcriptPath: transcriptPath, stopHookActive: blocks > 0)
        let output = await runHook(.agentStop, input)
        return stopBlock(decision: output?.decision, reason: output?.reason, after: blocks, hook: "agentStop")
    }

    /// The message the model gets for `prompt`: the prompt, then the current date and time, as
    /// the official runtime writes them.
    static func transform(_ prompt: String, at date: Date) -> String {
        prompt + datetime(date)
    }

    /// The current-date block that ends a user message.
    static func datetime(_ date: Date) -> String {
        "\n\n<current_datetime>\(EventTimestamp.format(date))</current_datetime>"
    }

    /// Works out the system prompt on first use: a `customize` with `transform` sections asks
    /// their callbacks (the client, in server mode) for the text.
    func resolveSystemPrompt() async {
        guard resolvedPrompt == nil else { return }
        instructionSources = InstructionFiles.read(in: instructionDirectories)
        let instructions = instructionSources.map(\.content).joined(separator: "\n\n")
        resolvedPrompt = await SystemMessage.resolve(systemMessage, customInstructions: instructions)
    }

    /// An errorOccurred hook's `skip`: the message ends quietly.
    private struct SkippedError: Error {}

    // MARK: - Events

    @discardableResult
    func emit(_ payload: SessionEvent.Payload, ephemeral: Bool? = nil, agent: AgentIdentity? = nil) -> UUID {
        let event = SessionEvent(parentId: lastPersistedID, ephemeral: ephemeral, agentId: agent?.id, payload: payload)
        if !event.ephemeral { lastPersistedID = event.id }
        sink(event)
        return event.id
    }

    static func sessionError(for error: any Error, originatingMessageID: String) -> SessionEvent.SessionError {
        if let providerError = error as? ProviderError {
            let type: String =
                switch providerError.code {
                case .authenticationFailed: "authentication"
                case .rateLimited: "rate_limit"
                case .invalidConfiguration, .unsupported: "configuration"
                case .connectionFailed, .timeout: "connection"
                default: "model_call"
                }
            return .init(
                errorType: type, message: providerError.message, statusCode: providerError.statusCode,
                errorCode: providerError.code.description, originatingMessageId: originatingMessageID,
                url: providerError.url, providerCallId: providerError.requestID)
        }
        if let copilotError = error as? CopilotError {
            let type: String =
                switch copilotError.code {
                case .turnLimitExceeded: "turn_limit"
                case .invalidInput: "invalid_input"
                default: copilotError.code.description
                }
            return .init(
                errorType: type, message: copilotError.message, errorCode: copilotError.code.description,
                originatingMessageId: originatingMessageID)
        }
        return .init(errorType: "runtime", message: String(describing: error), originatingMessageId: originatingMessageID)
    }

    /// `duration` in milliseconds, as events and metrics report time.
    package static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
