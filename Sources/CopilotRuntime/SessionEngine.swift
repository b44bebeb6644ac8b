public import CopilotProviders
import Foundation
public import Logging

/// Runs one session's agent loop in-process and reports everything it does as ``SessionEvent``s.
///
/// Each `send` becomes one interaction: `user.message`, then model calls ("turns") until the model
/// answers without tool calls. Tool calls of one turn run in parallel, each after asking the
/// permission handler. Messages sent while busy wait in a queue. Whatever happens — success, a
/// provider error, an abort, the turn limit — the interaction ends with `session.idle`.
public actor SessionEngine {
    /// The session's id.
    public nonisolated let sessionId: String
    /// The wire model name; ``switchModel(to:reasoningEffort:)`` changes it.
    public private(set) var model: String

    private let provider: any ModelProvider
    private let providerType: String?
    private var systemPrompt: String
    private let tools: [String: Tool]
    private let toolDefinitions: [ToolDefinition]
    private let streaming: Bool
    private let permissionHandler: PermissionHandler?
    private var reasoningEffort: String?
    private let hooks: SessionHooks?
    private let userInputHandler: UserInputHandler?
    private let builtInTools: [BuiltInTool]
    private let maxOutputTokens: Int?
    private let maxTurns: Int
    private let workingDirectory: String?
    private let sink: @Sendable (SessionEvent) -> Void
    private let logger: Logger

    private var history: [ConversationItem] = []
    private var lastPersistedID: UUID?
    private var queue: [QueuedMessage] = []
    private var worker: Task<Void, Never>?
    private var current: Task<Void, Never>?
    private var nextTurnNumber = 0
    private var openTurnID: String?
    private var streamState = StreamState()
    private var approvedForSession: Set<String> = []
    private var isClosed = false

    private struct QueuedMessage {
        var id: String
        var prompt: String
        var attachments: [Attachment] = []
    }

    /// Messages sent with `mode: .immediate` while busy, joining before the next model call.
    private var steering: [QueuedMessage] = []
    private let modelCapabilities: ModelCapabilities?
    private var budget: ConversationBudget?

    /// Per model call: ids of the message and reasoning being streamed.
    private struct StreamState {
        var messageID = ""
        var reasoningID = ""
        var messageStarted = false
        var firstTokenAt: ContinuousClock.Instant?
    }

    /// Where the outcome of one tool call leaves the conversation.
    private struct ToolOutcome {
        var callID: String
        var textForModel: String
        var endsInteraction: Bool
    }

    /// The producer name reported in `session.start`.
    public static let producer = "copilot-swift"
    /// This library's version, reported in `session.start`.
    public static let version = "0.1.0"

    /// Creates an engine. Events go to `sink`, in order, on the engine's executor.
    ///
    /// - Throws: ``CopilotError`` `invalidConfiguration` when a provider is set without a model, or when
    ///   there is no provider at all (this runtime is BYOK-only).
    public init(
        sessionId: String, config: SessionConfig, provider: any ModelProvider, logger: Logger = Logger(label: "copilot.session"),
        sink: @escaping @Sendable (SessionEvent) -> Void
    ) throws {
        let (_, model) = try Self.validate(config)
        var toolsByName: [String: Tool] = [:]
        for tool in config.tools where Self.isEnabled(tool.name, config) {
            guard toolsByName[tool.name] == nil else {
                throw CopilotError(code: .invalidConfiguration, message: "Two tools are named `\(tool.name)`; tool names must be unique.")
            }
            toolsByName[tool.name] = tool
        }
        self.sessionId = sessionId
        self.model = model
        self.provider = provider
        self.providerType = config.provider?.resolvedType.rawValue
        self.systemPrompt = SystemMessage.resolve(config.systemMessage)
        self.tools = toolsByName
        // An app's own tools win over built-in ones of the same name.
        let userInputHandler = toolsByName[UserInputHandler.toolName] == nil && Self.isEnabled(UserInputHandler.toolName, config)
            ? config.onUserInputRequest : nil
        let builtIns = BuiltInTool.allCases.filter {
            config.builtInTools.contains($0) && toolsByName[$0.rawValue] == nil && Self.isEnabled($0.rawValue, config)
        }
        self.userInputHandler = userInputHandler
        self.builtInTools = builtIns
        self.toolDefinitions = config.tools.filter { toolsByName[$0.name] != nil }.map(\.definition)
            + builtIns.map(\.definition) + (userInputHandler == nil ? [] : [UserInputHandler.toolDefinition])
        self.streaming = config.streaming
        self.permissionHandler = config.onPermissionRequest
        self.reasoningEffort = config.reasoningEffort
        self.hooks = config.hooks
        self.modelCapabilities = config.modelCapabilities
        self.budget = ConversationBudget(capabilities: config.modelCapabilities, maxOutputTokens: config.maxOutputTokens)
        self.maxOutputTokens = config.maxOutputTokens
        self.maxTurns = config.maxTurns
        self.workingDirectory = config.workingDirectory
        self.sink = sink
        var logger = logger
        logger[metadataKey: "session.id"] = "\(sessionId)"
        self.logger = logger
    }

    /// Creates an engine whose provider is built from `config.provider` with `providerContext`.
    ///
    /// - Throws: ``CopilotError`` as the designated initializer does, and ``ProviderError``
    ///   `invalidConfiguration` / `unsupported` when the provider settings cannot work.
    public init(
        sessionId: String, config: SessionConfig, providerContext: ProviderContext, logger: Logger = Logger(label: "copilot.session"),
        sink: @escaping @Sendable (SessionEvent) -> Void
    ) throws {
        let (providerConfig, _) = try Self.validate(config)
        let provider = try providerConfig.makeProvider(context: providerContext)
        try self.init(sessionId: sessionId, config: config, provider: provider, logger: logger, sink: sink)
    }

    /// Whether `availableTools` / `excludedTools` let a tool through (excluded wins).
    static func isEnabled(_ name: String, _ config: SessionConfig) -> Bool {
        if config.excludedTools?.contains(name) == true { return false }
        return config.availableTools.map { $0.contains(name) } ?? true
    }

    /// Checks what every session needs before anything is built.
    /// - Returns: the provider settings and the trimmed model name.
    static func validate(_ config: SessionConfig) throws -> (ProviderConfig, String) {
        guard let provider = config.provider else {
            throw CopilotError(
                code: .invalidConfiguration,
                message: "A provider is required: this runtime only talks to your own model endpoint (BYOK). Set SessionConfig.provider, e.g. ProviderConfig(type: .openai, baseURL: \"http://localhost:11434/v1\").")
        }
        guard let model = config.model?.trimmingCharacters(in: .whitespaces), !model.isEmpty else {
            throw CopilotError(
                code: .invalidConfiguration,
                message: "Model required when a custom provider is set: set SessionConfig.model to the model or deployment name (for example \"llama3.2\" or \"gpt-4.1\").")
        }
        guard config.maxTurns > 0 else {
            throw CopilotError(code: .invalidConfiguration, message: "SessionConfig.maxTurns must be at least 1 (it is \(config.maxTurns)).")
        }
        return (provider, model)
    }

    /// Emits `session.start` and runs the `sessionStart` hook. Call once, before the first `send`.
    public func start() async {
        emit(.sessionStart(SessionEvent.SessionStart(
            sessionId: sessionId, producer: Self.producer, copilotVersion: Self.version,
            startTime: EventTimestamp.format(Date()), selectedModel: model,
            context: workingDirectory.map { .init(cwd: $0) })))
        if let hook = hooks?.onSessionStart,
            let output = await runHook("sessionStart", SessionStartInput(sessionId: sessionId, source: "new"), hook) ?? nil,
            let context = output.additionalContext, !context.isEmpty
        {
            systemPrompt += "\n\n" + context
        }
    }

    /// Continues a stored session: rebuilds the conversation from its persisted events and emits
    /// `session.resume`. Call instead of ``start()``.
    public func resume(from events: [SessionEvent], droppedLines: Int = 0) {
        let replay = ConversationReplay(events)
        history = replay.history
        lastPersistedID = replay.lastPersistedID
        nextTurnNumber = replay.turnCount
        emit(.other(type: "session.resume", data: [
            "resumeTime": .string(EventTimestamp.format(Date())), "eventCount": .int(events.count), "selectedModel": .string(model),
        ]))
        if droppedLines > 0 {
            emit(.sessionWarning(.init(
                warningType: "transcript_recovery",
                message: "Dropped \(droppedLines) unreadable line(s) from the stored log (a write cut short by a crash); the rest was resumed.")))
        }
    }

    /// Adds an event produced outside the loop (by a protocol server, for example) to this session's stream.
    @discardableResult
    public func publish(_ payload: SessionEvent.Payload) -> UUID {
        emit(payload)
    }

    /// Uses `model` for the next model calls and emits `session.model_change`.
    public func switchModel(to newModel: String, reasoningEffort newEffort: String? = nil) throws {
        let trimmed = newModel.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw CopilotError(code: .invalidConfiguration, message: "A model name is required to switch models.")
        }
        var data: [String: JSONValue] = ["newModel": .string(trimmed), "previousModel": .string(model)]
        if let newEffort { data["reasoningEffort"] = .string(newEffort) }
        model = trimmed
        if let newEffort { reasoningEffort = newEffort }
        emit(.other(type: "session.model_change", data: .object(data)))
    }

    /// Queues a message and returns its id at once; the answer arrives as events.
    public func send(_ options: MessageOptions) throws -> String {
        guard !isClosed else {
            throw CopilotError(code: .sessionClosed, message: "Session \(sessionId) is disconnected; create or resume a session to send more messages.")
        }
        let messageID = UUID().uuidString.lowercased()
        let message = QueuedMessage(id: messageID, prompt: options.prompt, attachments: options.attachments)
        if options.mode == .immediate, current != nil {
            steering.append(message)
        } else {
            queue.append(message)
        }
        if worker == nil {
            worker = Task { await self.drainQueue() }
        }
        return messageID
    }

    /// Cancels the message being processed (model stream and running tools). Emits `abort`, then
    /// `session.idle`; queued messages still run and the session stays usable.
    public func abort() {
        current?.cancel()
    }

    /// Stops the session: drops queued messages, aborts the current one and waits until it has ended.
    public func close() async {
        guard !isClosed else { return }
        isClosed = true
        queue.removeAll()
        current?.cancel()
        await worker?.value
        if let hook = hooks?.onSessionEnd,
            let output = await runHook("sessionEnd", SessionEndInput(sessionId: sessionId, reason: "user_exit"), hook) ?? nil,
            let summary = output.sessionSummary, !summary.isEmpty
        {
            emit(.other(type: "session.task_complete", data: ["summary": .string(summary), "success": true]))
        }
    }

    // MARK: - The loop

    private func drainQueue() async {
        while !queue.isEmpty {
            let message = queue.removeFirst()
            let task = Task { await self.process(message) }
            current = task
            await task.value
            current = nil
            // Steering that arrived too late to join becomes the next message.
            queue.insert(contentsOf: steering, at: 0)
            steering.removeAll()
        }
        worker = nil
    }

    private func process(_ message: QueuedMessage) async {
        var prompt = message.prompt
        if let hook = hooks?.onUserPromptSubmitted,
            let output = await runHook("userPromptSubmitted", UserPromptSubmittedInput(sessionId: sessionId, prompt: prompt), hook) ?? nil
        {
            if let modified = output.modifiedPrompt { prompt = modified }
            if let context = output.additionalContext, !context.isEmpty { prompt += "\n\n" + context }
        }
        emit(.userMessage(.init(
            content: message.prompt, messageId: message.id, attachments: message.attachments.isEmpty ? nil : message.attachments)))
        var aborted = false
        do {
            history.append(try userItem(prompt, attachments: message.attachments))
            var retriesLeft: Int?
            while true {
                do {
                    try await runTurns(originatingMessageID: message.id)
                    break
                } catch where !(Task.isCancelled || error is CancellationError) {
                    // The errorOccurred hook may retry the failed call, or skip it quietly.
                    guard let hook = hooks?.onErrorOccurred else { throw error }
                    let failure = Self.sessionError(for: error, originatingMessageID: message.id)
                    let input = ErrorOccurredInput(sessionId: sessionId, error: failure.message, errorContext: "model_call", recoverable: true)
                    let output = await runHook("errorOccurred", input, hook) ?? nil
                    switch output?.errorHandling {
                    case "retry":
                        let remaining = retriesLeft ?? max(output?.retryCount ?? 1, 1)
                        guard remaining > 0 else { throw error }
                        retriesLeft = remaining - 1
                        closeOpenTurn()
                    case "skip":
                        closeOpenTurn()
                        throw SkippedError()
                    case "abort":
                        throw CancellationError()
                    default:
                        throw error
                    }
                }
            }
        } catch is SkippedError {
            // The hook chose to drop the failure: the message ends without an error.
        } catch {
            closeOpenTurn()
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

    private func runTurns(originatingMessageID: String) async throws {
        for _ in 0..<maxTurns {
            for joining in steering {
                emit(.userMessage(.init(
                    content: joining.prompt, messageId: joining.id,
                    attachments: joining.attachments.isEmpty ? nil : joining.attachments, delivery: "steering")))
                history.append(try userItem(joining.prompt, attachments: joining.attachments))
            }
            steering.removeAll()
            let turnID = String(nextTurnNumber)
            nextTurnNumber += 1
            openTurnID = turnID
            emit(.assistantTurnStart(.init(turnId: turnID, model: model)))

            let response = try await callModel(turnID: turnID, originatingMessageID: originatingMessageID)
            if response.toolCalls.isEmpty {
                closeOpenTurn()
                return
            }
            let outcomes = await runTools(response.toolCalls, turnID: turnID)
            history.append(contentsOf: outcomes.map { .toolResult(callID: $0.callID, content: $0.textForModel) })
            try Task.checkCancellation()
            closeOpenTurn()
            if outcomes.contains(where: \.endsInteraction) { return }
        }
        throw CopilotError(
            code: .turnLimitExceeded,
            message: "The agent stopped after \(maxTurns) model calls without a final answer (SessionConfig.maxTurns = \(maxTurns)). Raise the limit if the task really needs more steps.")
    }

    private func callModel(turnID: String, originatingMessageID: String) async throws -> ModelResponse {
        try await compactIfNeeded()
        let request = ModelRequest(
            model: model, systemPrompt: systemPrompt, messages: history, tools: toolDefinitions,
            maxOutputTokens: maxOutputTokens, reasoningEffort: reasoningEffort)
        streamState = StreamState(messageID: UUID().uuidString.lowercased(), reasoningID: UUID().uuidString.lowercased())
        let started = ContinuousClock.now
        let response = try await provider.complete(request) { event in
            await self.streamed(event)
        }
        try Task.checkCancellation()
        budget?.calibrate(request: request, reportedInputTokens: response.usage?.inputTokens)
        let elapsed = started.duration(to: .now)
        let state = streamState

        if let reasoning = response.reasoning, !reasoning.isEmpty {
            emit(.assistantReasoning(.init(reasoningId: state.reasoningID, content: reasoning)))
        }
        let requests = response.toolCalls.map { call in
            SessionEvent.ToolRequest(
                toolCallId: call.id, name: call.name,
                arguments: (try? JSONValue(parsing: call.arguments)) ?? .string(call.arguments))
        }
        emit(.assistantMessage(.init(
            messageId: state.messageID, content: response.text, toolRequests: requests.isEmpty ? nil : requests,
            originatingMessageId: originatingMessageID, model: response.model ?? model,
            outputTokens: response.usage?.outputTokens, reasoningText: response.reasoning, turnId: turnID,
            requestId: response.requestID)))
        emit(.assistantUsage(.init(
            model: response.model ?? model, inputTokens: response.usage?.inputTokens,
            outputTokens: response.usage?.outputTokens, reasoningTokens: response.usage?.reasoningTokens,
            cacheReadTokens: response.usage?.cacheReadTokens, duration: Self.milliseconds(elapsed),
            timeToFirstTokenMs: state.firstTokenAt.map { Self.milliseconds(started.duration(to: $0)) },
            finishReason: response.finishReason, isByok: true, providerType: providerType,
            apiEndpoint: response.apiEndpoint, apiCallId: response.requestID)))
        history.append(.assistant(text: response.text, toolCalls: response.toolCalls, reasoning: response.reasoningTraces))
        return response
    }

    private func streamed(_ event: ModelStreamEvent) {
        if streamState.firstTokenAt == nil { streamState.firstTokenAt = .now }
        guard streaming else {
            if case .restart = event { streamState.firstTokenAt = nil }
            return
        }
        switch event {
        case .textDelta(let text):
            if !streamState.messageStarted {
                streamState.messageStarted = true
                emit(.assistantMessageStart(.init(messageId: streamState.messageID)))
            }
            emit(.assistantMessageDelta(.init(messageId: streamState.messageID, deltaContent: text)))
        case .reasoningDelta(let text):
            emit(.assistantReasoningDelta(.init(reasoningId: streamState.reasoningID, deltaContent: text)))
        case .restart(let reason):
            // What was streamed so far is void; the retried call streams under new ids.
            emit(.sessionWarning(.init(warningType: "model_call_retry", message: "Retrying the model call: \(reason)")))
            streamState = StreamState(messageID: UUID().uuidString.lowercased(), reasoningID: UUID().uuidString.lowercased())
        }
    }

    private func closeOpenTurn() {
        guard let turnID = openTurnID else { return }
        openTurnID = nil
        emit(.assistantTurnEnd(.init(turnId: turnID, model: model)))
    }

    /// An errorOccurred hook's `skip`: the message ends quietly.
    private struct SkippedError: Error {}

    // MARK: - Compaction

    /// Before a model call that would come near the model's limit, replaces the turns before the
    /// current message with a summary written by the model. Throws when even that cannot fit, so
    /// the conversation never silently exceeds the limit.
    private func compactIfNeeded() async throws {
        guard let budget else { return }
        let request = ModelRequest(model: model, systemPrompt: systemPrompt, messages: history, tools: toolDefinitions)
        guard budget.needsCompaction(request) else { return }
        let before = budget.estimate(request)
        // Everything before the latest user message is "older"; the current interaction stays whole.
        let split = history.lastIndex { if case .user = $0 { true } else { false } } ?? 0
        guard split > 0 else {
            throw CopilotError(
                code: .invalidInput,
                message: "The current message needs about \(before) tokens, more than this model takes (\(budget.limit)); shorten it or its attachments.")
        }
        emit(.other(type: "session.compaction_start", data: [:]))
        let older = Array(history[..<split])
        let instructions = "You summarise conversations so that work can continue without them. Keep facts, decisions, file names, open tasks and what the user asked for. Be concise."
        let transcript = ConversationBudget.transcript(of: older, limit: max(budget.limit * 2, 1000))
        let summaryRequest = ModelRequest(
            model: model, systemPrompt: instructions,
            messages: [.user("Summarise this conversation:\n\n" + transcript)], maxOutputTokens: max(budget.limit / 4, 256))
        let summary: String
        do {
            summary = try await provider.complete(summaryRequest) { _ in }.text
        } catch {
            emit(.other(type: "session.compaction_complete", data: ["success": false, "error": .string(String(describing: error))]))
            throw error
        }
        history.replaceSubrange(..<split, with: [.user("Summary of the conversation so far:\n" + summary)])
        let after = budget.estimate(ModelRequest(model: model, systemPrompt: systemPrompt, messages: history, tools: toolDefinitions))
        emit(.other(type: "session.compaction_complete", data: [
            "success": true, "preCompactionTokens": .int(before), "postCompactionTokens": .int(after),
            "summaryContent": .string(summary),
        ]))
        guard Double(after) <= Double(budget.limit) else {
            throw CopilotError(
                code: .invalidInput,
                message: "The conversation still needs about \(after) tokens after compaction, more than this model takes (\(budget.limit)).")
        }
    }

    /// The conversation entry for a prompt: text files inlined, images attached, vision checked.
    private func userItem(_ prompt: String, attachments: [Attachment]) throws -> ConversationItem {
        let (text, images) = try AttachmentLoader(workingDirectory: workingDirectory).load(attachments)
        if !images.isEmpty, modelCapabilities?.supports.vision == false {
            throw CopilotError(
                code: .invalidInput,
                message: "Model \(model) does not accept images (its capabilities say vision: false). Remove the image attachments or use a model with vision.")
        }
        return .user(text.isEmpty ? prompt : prompt + text, images: images)
    }

    // MARK: - Tools

    private func runTools(_ calls: [ToolCall], turnID: String) async -> [ToolOutcome] {
        await withTaskGroup(of: (Int, ToolOutcome).self) { group in
            for (index, call) in calls.enumerated() {
                group.addTask { (index, await self.execute(call, turnID: turnID)) }
            }
            var outcomes = [ToolOutcome?](repeating: nil, count: calls.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes.enumerated().map { index, outcome in
                outcome ?? ToolOutcome(callID: calls[index].id, textForModel: Self.interruptedText, endsInteraction: false)
            }
        }
    }

    private static let interruptedText = "The execution of this tool, or a previous tool was interrupted."

    private func execute(_ call: ToolCall, turnID: String) async -> ToolOutcome {
        let parsed = try? JSONValue(parsing: call.arguments.isEmpty ? "{}" : call.arguments)
        emit(.toolExecutionStart(.init(
            toolCallId: call.id, toolName: call.name, arguments: parsed ?? .string(call.arguments), turnId: turnID)))

        if call.name == UserInputHandler.toolName, let userInputHandler, let arguments = parsed {
            return await askUser(call, arguments: arguments, handler: userInputHandler, turnID: turnID)
        }
        let custom = tools[call.name]
        let builtIn = builtInTools.first { $0.rawValue == call.name }
        guard custom != nil || builtIn != nil else {
            let available = (tools.keys.sorted() + builtInTools.map(\.rawValue).sorted()).map { "`\($0)`" }.joined(separator: ", ")
            let text = "Tool `\(call.name)` does not exist. Available tools: \(available.isEmpty ? "none" : available)."
            return fail(call, turnID: turnID, textForModel: text, eventMessage: text, code: "failure")
        }
        guard let arguments = parsed, arguments.objectValue != nil || arguments == .null else {
            let text = "The arguments for tool `\(call.name)` are not a JSON object: \(call.arguments.prefix(200)). Call it again with a JSON object that matches its schema."
            return fail(call, turnID: turnID, textForModel: text, eventMessage: text, code: "failure")
        }
        var invocationArguments: JSONValue = arguments == .null ? [:] : arguments
        var additionalContext: String?
        var hookDecision: String?
        if let hook = hooks?.onPreToolUse {
            let input = PreToolUseInput(sessionId: sessionId, toolName: call.name, toolArgs: invocationArguments, toolCallId: call.id)
            if let output = await runHook("preToolUse", input, hook) ?? nil {
                hookDecision = output.permissionDecision
                if let modified = output.modifiedArgs, modified.objectValue != nil { invocationArguments = modified }
                additionalContext = output.additionalContext
                if output.permissionDecision == "deny" {
                    let reason = output.permissionDecisionReason.map { ": \($0)" } ?? "."
                    let text = "The tool call was denied by a preToolUse hook\(reason)"
                    return fail(call, turnID: turnID, textForModel: text, eventMessage: text, code: "denied")
                }
            }
        }

        let result: ToolResult
        do {
            if let tool = custom {
                if hookDecision != "allow", !tool.skipPermission, !approvedForSession.contains(tool.name) {
                    let decision = await askPermission(
                        PermissionRequest(
                            kind: .customTool, toolCallId: call.id, toolName: tool.name, toolDescription: tool.description,
                            args: invocationArguments))
                    if decision.kind == "approve-for-session" { approvedForSession.insert(tool.name) }
                    if let refusal = refusal(for: decision) { return fail(call, turnID: turnID, refusal) }
                }
                if Task.isCancelled {
                    return fail(call, turnID: turnID, textForModel: Self.interruptedText, eventMessage: "Session aborted", code: "aborted")
                }
                result = try await tool.handler(
                    ToolInvocation(sessionId: sessionId, toolCallId: call.id, toolName: call.name, arguments: invocationArguments))
            } else if let builtIn {
                let preApproved = hookDecision == "allow"
                let runner = BuiltInToolRunner(workingDirectory: workingDirectory ?? FileManager.default.currentDirectoryPath) { request in
                    await self.builtInPermission(request, preApproved: preApproved)
                }
                result = try await runner.run(builtIn, call: call, arguments: invocationArguments)
            } else {
                preconditionFailure("checked above")
            }
        } catch {
            if Task.isCancelled || error is CancellationError {
                return fail(call, turnID: turnID, textForModel: Self.interruptedText, eventMessage: "Session aborted", code: "aborted")
            }
            logger.debug("tool failed", metadata: ["tool": "\(call.name)", "error": "\(error)"])
            // Like the official runtime, the model gets a generic text; the details go to the event.
            let text = "Failed to execute `\(call.name)` tool with arguments: \(invocationArguments.jsonString) due to error: Error: Tool execution failed"
            return fail(call, turnID: turnID, textForModel: text, eventMessage: String(describing: error), code: "failure")
        }

        switch result.resultType {
        case .success:
            var text = result.textResultForLlm
            if let hook = hooks?.onPostToolUse {
                let input = PostToolUseInput(sessionId: sessionId, toolName: call.name, toolArgs: invocationArguments, toolResult: text)
                if let output = await runHook("postToolUse", input, hook) ?? nil {
                    if let modified = output.modifiedResult { text = modified }
                    if let context = output.additionalContext, !context.isEmpty { text += "\n\n" + context }
                }
            }
            if let additionalContext, !additionalContext.isEmpty { text += "\n\n" + additionalContext }
            emit(.toolExecutionComplete(.init(toolCallId: call.id, success: true, result: .init(content: text), turnId: turnID)))
            return ToolOutcome(callID: call.id, textForModel: text, endsInteraction: false)
        case .failure, .denied, .rejected:
            return fail(call, turnID: turnID, result)
        }
    }

    /// The result a refused permission gives the model, or `nil` when the decision approves.
    private func refusal(for decision: PermissionDecision) -> ToolResult? {
        if decision.isApproval { return nil }
        if decision.isRejection {
            var text = "The user rejected this tool call."
            if let feedback = decision.feedback, !feedback.isEmpty { text += " User feedback: \(feedback)" }
            return ToolResult(textResultForLlm: text, resultType: .rejected, error: text)
        }
        let eventMessage = permissionHandler == nil
            ? "Permission denied: no permission handler is configured (set SessionConfig.onPermissionRequest)."
            : "Permission denied and could not request permission from user"
        return ToolResult(textResultForLlm: "Permission denied and could not request permission from user", resultType: .denied, error: eventMessage)
    }

    /// Permission for a built-in tool: reads inside the working directory need no handler; a
    /// session approval covers one request kind inside the working directory, never outside it.
    private func builtInPermission(_ request: PermissionRequest, preApproved: Bool) async -> PermissionDecision {
        let inside = request.outsideWorkingDirectory != true
        if preApproved, inside { return .approveOnce }
        if permissionHandler == nil {
            return request.kind == .read && inside ? .approveOnce : PermissionDecision(kind: "no-handler")
        }
        let key = "builtin:\(request.kind.rawValue)"
        if inside, approvedForSession.contains(key) { return .approveOnce }
        let decision = await askPermission(request)
        if decision.kind == "approve-for-session", inside { approvedForSession.insert(key) }
        return decision
    }

    /// The built-in `ask_user` tool: `user_input.requested`, the handler, `user_input.completed`.
    private func askUser(_ call: ToolCall, arguments: JSONValue, handler: UserInputHandler, turnID: String) async -> ToolOutcome {
        guard let question = arguments["question"]?.stringValue, !question.isEmpty else {
            let text = "ask_user needs a `question` string."
            return fail(call, turnID: turnID, textForModel: text, eventMessage: text, code: "failure")
        }
        let choices = arguments["choices"]?.arrayValue?.compactMap(\.stringValue)
        let request = UserInputRequest(
            question: question, choices: choices, allowFreeform: arguments["allow_freeform"] != false, toolCallId: call.id)
        let requestID = UUID().uuidString.lowercased()
        var requested: [String: JSONValue] = [
            "requestId": .string(requestID), "question": .string(question), "allowFreeform": .bool(request.allowFreeform),
            "toolCallId": .string(call.id),
        ]
        if let choices { requested["choices"] = .array(choices.map(JSONValue.string)) }
        emit(.other(type: "user_input.requested", data: .object(requested)), ephemeral: true)
        do {
            let response = try await handler(request)
            emit(.other(type: "user_input.completed", data: [
                "requestId": .string(requestID), "answer": .string(response.answer), "wasFreeform": .bool(response.wasFreeform),
            ]), ephemeral: true)
            let text = "The user answered: \(response.answer)"
            emit(.toolExecutionComplete(.init(toolCallId: call.id, success: true, result: .init(content: text), turnId: turnID)))
            return ToolOutcome(callID: call.id, textForModel: text, endsInteraction: false)
        } catch {
            emit(.other(type: "user_input.completed", data: ["requestId": .string(requestID)]), ephemeral: true)
            if Task.isCancelled || error is CancellationError {
                return fail(call, turnID: turnID, textForModel: Self.interruptedText, eventMessage: "Session aborted", code: "aborted")
            }
            let text = "The user could not be asked: \(error)"
            return fail(call, turnID: turnID, textForModel: "The user did not answer the question.", eventMessage: text, code: "failure")
        }
    }

    private func fail(_ call: ToolCall, turnID: String, _ result: ToolResult) -> ToolOutcome {
        fail(
            call, turnID: turnID, textForModel: result.textResultForLlm, eventMessage: result.error ?? result.textResultForLlm,
            code: result.resultType.rawValue, endsInteraction: result.resultType == .rejected)
    }

    private func fail(
        _ call: ToolCall, turnID: String, textForModel: String, eventMessage: String, code: String, endsInteraction: Bool = false
    ) -> ToolOutcome {
        // `result.content` records what the model was told, so a resumed session replays it exactly.
        emit(.toolExecutionComplete(.init(
            toolCallId: call.id, success: false, result: .init(content: textForModel), error: .init(message: eventMessage, code: code),
            turnId: turnID)))
        return ToolOutcome(callID: call.id, textForModel: textForModel, endsInteraction: endsInteraction)
    }

    private func askPermission(_ request: PermissionRequest) async -> PermissionDecision {
        let requestID = UUID().uuidString.lowercased()
        emit(.permissionRequested(.init(requestId: requestID, permissionRequest: request)))
        var decision = PermissionDecision.userNotAvailable
        if let permissionHandler {
            do {
                decision = try await permissionHandler(request, PermissionInvocation(sessionId: sessionId, requestId: requestID))
            } catch {
                logger.warning("permission handler failed; denying", metadata: ["error": "\(error)"])
            }
        }
        emit(.permissionCompleted(.init(
            requestId: requestID, toolCallId: request.toolCallId,
            result: .init(kind: Self.outcomeKind(for: decision), feedback: decision.feedback))))
        return decision
    }

    private static func outcomeKind(for decision: PermissionDecision) -> String {
        switch decision.kind {
        case "approve-once", "approved": "approved"
        case "approve-for-session", "approved-for-session": "approved-for-session"
        case "reject": "denied-interactively-by-user"
        default: "denied-no-approval-rule-and-could-not-request-from-user"
        }
    }

    // MARK: - Hooks

    /// Runs one hook with the configured timeout, framed by `hook.start` / `hook.end` events.
    /// Returns `nil` when it failed or timed out (reported in `hook.end`), never hangs.
    private func runHook<Input: HookInput, Output: Sendable>(
        _ type: String, _ input: Input, _ body: @escaping @Sendable (Input) async throws -> Output
    ) async -> Output? {
        let invocationID = UUID().uuidString.lowercased()
        let inputJSON = (try? JSONValue(encoding: input)) ?? .null
        emit(.other(type: "hook.start", data: ["hookInvocationId": .string(invocationID), "hookType": .string(type), "input": inputJSON]))
        let timeout = hooks?.timeout ?? .seconds(30)
        let result: Result<Output, any Error> = await withTaskGroup(of: Result<Output, any Error>?.self) { group in
            group.addTask {
                do { return .success(try await body(input)) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return Task.isCancelled ? nil : .failure(CopilotError(code: .timeout, message: "The \(type) hook did not answer within \(timeout)."))
            }
            defer { group.cancelAll() }
            for await outcome in group {
                if let outcome { return outcome }
            }
            return .failure(CancellationError())
        }
        switch result {
        case .success(let output):
            emit(.other(type: "hook.end", data: ["hookInvocationId": .string(invocationID), "hookType": .string(type), "success": true]))
            return output
        case .failure(let error):
            logger.warning("hook failed", metadata: ["hook": "\(type)", "error": "\(error)"])
            emit(.other(type: "hook.end", data: [
                "hookInvocationId": .string(invocationID), "hookType": .string(type), "success": false,
                "error": ["message": .string(String(describing: error))],
            ]))
            return nil
        }
    }

    // MARK: - Events

    @discardableResult
    private func emit(_ payload: SessionEvent.Payload, ephemeral: Bool? = nil) -> UUID {
        let event = SessionEvent(parentId: lastPersistedID, ephemeral: ephemeral, payload: payload)
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

    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
