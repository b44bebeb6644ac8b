import CopilotCore
import CopilotProviders
import Foundation

/// Who runs a loop: the session's main agent, or a sub-agent it started (`task`). Sendable, so a
/// tool call running beside others knows whose it is.
struct AgentIdentity: Sendable, Hashable {
    /// The sub-agent's id (events carry it as `agentId`); `nil` for the main agent.
    var id: String?
    /// The agent's name (`explore`, a custom agent's `name`…).
    var name: String
    /// The session id its hooks see: the session's for the main agent, its own for a sub-agent, as
    /// the official runtime tells them apart.
    var hookSessionId: String
    /// The `task` call that started it.
    var parentToolCallId: String?
    /// The tools it may call, by name; `nil` for every tool the session offers.
    var tools: Set<String>?

    var isMain: Bool { id == nil }
}

/// The model an agent calls, when it is not the session's: a custom agent's `model`, possibly
/// under another of the session's providers.
struct AgentModel: Sendable {
    var model: String
    var wireModel: String?
    /// Another provider's; `nil` for the session's (whichever it is when the call is made).
    var provider: (any ModelProvider)?
    var providerType: String?
    var reasoningEffort: String?
}

/// One agent's loop state: its conversation, prompt, model and open turn. The session keeps the
/// main agent's for its whole life and one per running sub-agent; the loop in this file runs any of
/// them the same way, sharing the session's tools, permissions, hooks, events and clock.
final class AgentConversation {
    let identity: AgentIdentity
    var history: [ConversationItem] = []
    /// The agent's own system prompt; `nil` for the session's.
    var prompt: String?
    /// The agent's own model; `nil` for the session's.
    var model: AgentModel?
    var nextTurnNumber = 0
    var openTurnID: String?
    var stream = StreamState()
    /// The headers of its model calls; `nil` for those of the message being answered.
    var headers: [String: String]?
    /// What the agent did, for `subagent.completed`.
    var toolCalls = 0
    var tokens = 0

    init(identity: AgentIdentity, prompt: String? = nil, model: AgentModel? = nil) {
        self.identity = identity
        self.prompt = prompt
        self.model = model
    }

    /// The text of the agent's last answer.
    var finalAnswer: String {
        guard case .assistant(let text, _, _)? = history.last else { return "" }
        return text
    }

    /// Per model call: ids of the message and reasoning being streamed.
    struct StreamState {
        var messageID = ""
        var reasoningID = ""
        var messageStarted = false
        var firstTokenAt: ContinuousClock.Instant?

        static func fresh() -> StreamState {
            StreamState(messageID: UUID().uuidString.lowercased(), reasoningID: UUID().uuidString.lowercased())
        }
    }
}

/// The agent loop: model calls until the model answers without tools, each turn's tool calls in
/// parallel through the registry, for the main agent and sub-agents alike.
extension SessionEngine {
    /// Model calls until the model answers without tools. Returns `true` when it did (a natural
    /// stop), `false` when a tool call the user rejected ended the interaction.
    func runTurns(_ agent: AgentConversation, originatingMessageID: String) async throws -> Bool {
        for _ in 0..<maxTurns {
            if agent.identity.isMain { try await joinSteering() }
            let turnID = String(agent.nextTurnNumber)
            agent.nextTurnNumber += 1
            agent.openTurnID = turnID
            emit(.assistantTurnStart(.init(turnId: turnID, model: modelName(for: agent))), agent: agent.identity)

            let response = try await callModel(agent, turnID: turnID, originatingMessageID: originatingMessageID)
            if response.toolCalls.isEmpty {
                closeOpenTurn(agent)
                return true
            }
            let outcomes = await runTools(response.toolCalls, turnID: turnID, agent: agent.identity)
            agent.toolCalls += outcomes.count
            // Arguments a preToolUse hook changed are the ones the model is shown to have sent.
            let changed = Dictionary(outcomes.compactMap { outcome in outcome.modifiedArguments.map { (outcome.callID, $0) } }) { first, _ in first }
            if !changed.isEmpty, case .assistant(let text, var calls, let reasoning)? = agent.history.last {
                for index in calls.indices { if let arguments = changed[calls[index].id] { calls[index].arguments = arguments } }
                agent.history[agent.history.count - 1] = .assistant(text: text, toolCalls: calls, reasoning: reasoning)
            }
            agent.history.append(contentsOf: outcomes.map { .toolResult(callID: $0.callID, content: $0.textForModel) })
            // Images a tool read follow the results, as the user's message that shows them.
            for outcome in outcomes where !outcome.images.isEmpty {
                agent.history.append(.user(Self.toolImagePrefix + (outcome.imagePath ?? ""), media: outcome.images))
            }
            agent.history.append(contentsOf: outcomes.compactMap(\.followUp).map { .user($0) })
            try Task.checkCancellation()
            closeOpenTurn(agent)
            if outcomes.contains(where: \.endsInteraction) { return false }
        }
        throw CopilotError(
            code: .turnLimitExceeded,
            message: "The agent stopped after \(maxTurns) model calls without a final answer (SessionConfig.maxTurns = \(maxTurns)). Raise the limit if the task really needs more steps.")
    }

    /// The model name events report for `agent`.
    func modelName(for agent: AgentConversation) -> String { agent.model?.model ?? model }

    private func callModel(_ agent: AgentConversation, turnID: String, originatingMessageID: String) async throws -> ModelResponse {
        await resolveSystemPrompt()
        await prepareToolSources()
        if agent.identity.isMain { try await compactIfNeeded() }
        let own = agent.model
        let name = own?.model ?? model
        var request = ModelRequest(
            model: own.map { $0.wireModel ?? $0.model } ?? wireModel ?? model, systemPrompt: agent.prompt ?? mainPrompt,
            messages: historyForModel(agent.history), tools: offeredTools(to: agent.identity).map(\.tool.definition),
            maxOutputTokens: maxOutputTokens, reasoningEffort: own == nil ? reasoningEffort : own?.reasoningEffort, stream: streaming,
            headers: agent.headers ?? callHeaders)
        request.citations = citations
        request.temperature = temperature
        // Only the main agent answers in the message's format; a sub-agent answers its parent in words.
        if agent.identity.isMain { request.responseFormat = callResponseFormat }
        // One cache per agent: a sub-agent's prefix (its own prompt and tools) is not the main agent's.
        request.cacheKey = agent.identity.id.map { "\(sessionId)/\($0)" } ?? sessionId
        request.origin = agent.identity.isMain
            ? ModelCallOrigin(agentId: sessionId, interactionType: "conversation-agent")
            : ModelCallOrigin(agentId: agent.identity.id ?? "", parentAgentId: sessionId, interactionType: "conversation-subagent")
        agent.stream = .fresh()
        let started = ContinuousClock.now
        let key = agent.identity.id
        let response = try await (own?.provider ?? provider).complete(request) { event in
            await self.streamed(event, agentID: key)
        }
        try Task.checkCancellation()
        if agent.identity.isMain { budget?.calibrate(request: request, reportedInputTokens: response.usage?.inputTokens) }
        let elapsed = started.duration(to: .now)
        let state = agent.stream

        if let reasoning = response.reasoning, !reasoning.isEmpty {
            emit(.assistantReasoning(.init(reasoningId: state.reasoningID, content: reasoning)), agent: agent.identity)
        }
        let requests = response.toolCalls.map { call in
            SessionEvent.ToolRequest(
                toolCallId: call.id, name: call.name,
                arguments: (try? JSONValue(parsing: call.arguments)) ?? .string(call.arguments))
        }
        emit(.assistantMessage(.init(
            messageId: state.messageID, content: response.text, toolRequests: requests.isEmpty ? nil : requests,
            originatingMessageId: originatingMessageID, model: response.model ?? name,
            outputTokens: response.usage?.outputTokens, reasoningText: response.reasoning, turnId: turnID,
            requestId: response.requestID)), agent: agent.identity)
        emit(.assistantUsage(.init(
            model: response.model ?? name, inputTokens: response.usage?.inputTokens,
            outputTokens: response.usage?.outputTokens, reasoningTokens: response.usage?.reasoningTokens,
            cacheReadTokens: response.usage?.cacheReadTokens, cacheWriteTokens: response.usage?.cacheWriteTokens,
            duration: Self.milliseconds(elapsed),
            timeToFirstTokenMs: state.firstTokenAt.map { Self.milliseconds(started.duration(to: $0)) },
            finishReason: response.finishReason, isByok: true, providerType: own?.provider == nil ? providerType : own?.providerType,
            apiEndpoint: response.apiEndpoint, apiCallId: response.requestID)), agent: agent.identity)
        agent.history.append(.assistant(text: response.text, toolCalls: response.toolCalls, reasoning: response.reasoningTraces))
        agent.tokens += (response.usage?.inputTokens ?? 0) + (response.usage?.outputTokens ?? 0)
        sessionState.count(response, model: response.model ?? name, duration: elapsed)
        emit(.sessionUsageInfo(usageInfo()))
        return response
    }

    private func streamed(_ event: ModelStreamEvent, agentID: String?) {
        guard let agent = conversation(agentID) else { return }
        if case .restart(let reason, let attempt, let attempts) = event {
            // Every retry is visible, streamed or not. What this call streamed so far is void: the
            // retried call streams under new ids (a new assistant.message_start), so a consumer that
            // joins deltas by message id keeps only the attempt that the final assistant.message names.
            emit(
                .sessionWarning(.init(warningType: "retry", message: "Retrying the model call (attempt \(attempt) of \(attempts)): \(reason)")),
                agent: agent.identity)
            agent.stream = .fresh()
            return
        }
        if agent.stream.firstTokenAt == nil { agent.stream.firstTokenAt = .now }
        guard streaming else { return }
        switch event {
        case .textDelta(let text):
            if !agent.stream.messageStarted {
                agent.stream.messageStarted = true
                emit(.assistantMessageStart(.init(messageId: agent.stream.messageID)), agent: agent.identity)
            }
            emit(.assistantMessageDelta(.init(messageId: agent.stream.messageID, deltaContent: text)), agent: agent.identity)
        case .reasoningDelta(let text):
            emit(.assistantReasoningDelta(.init(reasoningId: agent.stream.reasoningID, deltaContent: text)), agent: agent.identity)
        case .restart:
            preconditionFailure("handled above")
        }
    }

    func closeOpenTurn(_ agent: AgentConversation) {
        guard let turnID = agent.openTurnID else { return }
        agent.openTurnID = nil
        emit(.assistantTurnEnd(.init(turnId: turnID, model: modelName(for: agent))), agent: agent.identity)
    }

    /// The tools `agent` is offered: the session's, narrowed to the agent's list. Sub-agents do
    /// not start sub-agents of their own.
    func offeredTools(to agent: AgentIdentity) -> [ToolRegistry.Offered] {
        let offered = registry.offered(to: agent.id)
        guard !agent.isMain else {
            // A selected custom agent with a tool list gets only those; the default agent all but its exclusions.
            guard let selected = roster.selected else { return offered.filter { !defaultAgentExcludedTools.contains($0.name) } }
            guard let tools = selected.tools.map(Set.init) else { return offered }
            return offered.filter { tools.contains($0.name) }
        }
        return offered.filter { entry in
            !AgentToolSource.names.contains(entry.name) && (agent.tools.map { $0.contains(entry.name) } ?? true)
        }
    }
}
