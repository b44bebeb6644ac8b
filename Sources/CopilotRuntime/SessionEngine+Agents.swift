package import CopilotCore
import CopilotProviders
import Foundation
import Logging

/// Custom agents and sub-agents: selecting the main agent, the `task` tool's sub-agents (sync and
/// in the background, at most ``AgentRoster/parallelLimit`` at once), `read_agent`, `list_agents`,
/// and the notifications that bring a background agent's result back to the main agent.
extension SessionEngine {
    // MARK: - The main agent

    /// The app's custom agents: those a session can select as its main agent.
    package var agents: [CustomAgent] { roster.custom }

    /// The custom agent running as the main agent; `nil` for the default agent.
    package var currentAgent: CustomAgent? { roster.selected }

    /// Runs the custom agent `name` as the main agent from the next model call: its prompt and
    /// preloaded skills join the system prompt, only its tools are offered, its model answers.
    /// Emits `subagent.selected`.
    ///
    /// - Throws: ``CopilotError`` `invalidInput` when the session has no agent of that name, or its
    ///   model names a provider that cannot be used.
    @discardableResult
    package func selectAgent(_ name: String) throws -> CustomAgent {
        try select(name, announce: true)
    }

    /// Selects `name`; with `announce`, emits `subagent.selected` (a resumed session restores its
    /// selection quietly).
    @discardableResult
    func select(_ name: String, announce: Bool) throws -> CustomAgent {
        guard let agent = roster.custom.first(where: { $0.name == name }) else {
            let names = roster.custom.map(\.name)
            throw CopilotError(
                code: .invalidInput,
                message: "Agent not found: \(name). \(names.isEmpty ? "The session has no custom agents." : "Its custom agents: \(names.joined(separator: ", ")).")")
        }
        main.model = try agentModel(agent.model, reasoningEffort: agent.reasoningEffort)
        roster.selected = agent
        if announce { emit(.subagentSelected(.init(agentName: agent.name, agentDisplayName: agent.shownName, tools: agent.tools))) }
        roster.selectedSkills = preloadSkills(of: agent, for: main.identity, announce: announce)
        return agent
    }

    /// The agent a stored session had selected last, by its events.
    static func selectedAgent(in events: [SessionEvent]) -> String? {
        for event in events.reversed() where event.agentId == nil {
            switch event.payload {
            case .subagentSelected(let selected): return selected.agentName
            case .subagentDeselected: return nil
            default: continue
            }
        }
        return nil
    }

    /// Runs the default agent again. Emits `subagent.deselected` when a custom agent was selected.
    package func deselectAgent() {
        guard roster.selected != nil else { return }
        roster.selected = nil
        roster.selectedSkills = []
        main.model = nil
        emit(.subagentDeselected(.init()))
    }

    /// The main agent's system prompt: the session's, then the selected agent's prompt and the
    /// skills it preloads.
    var mainPrompt: String {
        guard let agent = roster.selected else { return systemPrompt }
        return ([systemPrompt, agent.prompt] + roster.selectedSkills).filter { !$0.isEmpty }.joined(separator: "\n\n")
    }

    /// Reads the skills `agent` preloads (those the session has and enables) for the agent
    /// `identity`, with a `skill.invoked` (`context-load`) each when `announce`; returns their instructions.
    func preloadSkills(of agent: CustomAgent, for identity: AgentIdentity, announce: Bool = true) -> [String] {
        (agent.skills ?? []).compactMap { name in
            guard let loaded = try? skills.load(name) else {
                logger.notice("agent skill not available", metadata: ["agent": "\(agent.name)", "skill": "\(name)"])
                return nil
            }
            let directory = URL(fileURLWithPath: loaded.skill.path).deletingLastPathComponent().path
            let message = SkillCatalog.contextMessage(name: loaded.skill.name, directory: directory, instructions: loaded.instructions)
            guard announce else { return message }
            emit(.skillInvoked(.init(
                name: loaded.skill.name, path: loaded.skill.path, content: message, description: loaded.skill.description,
                source: loaded.skill.source.rawValue, allowedTools: loaded.skill.allowedTools, trigger: "context-load")), agent: identity.isMain ? nil : identity)
            return message
        }
    }

    /// The model a custom agent names: `nil` (the session's), a model of the session's provider, or
    /// `provider/model` of one of the session's named providers.
    func agentModel(_ name: String?, reasoningEffort effort: String?) throws -> AgentModel? {
        try agentModelAndProvider(name, reasoningEffort: effort)?.model
    }

    /// ``agentModel(_:reasoningEffort:)``, with the provider settings it calls (the named
    /// provider's, or the session's) and their key in ``AgentRoster/providers`` (`""` for the session's).
    private func agentModelAndProvider(_ name: String?, reasoningEffort effort: String?) throws -> (model: AgentModel, provider: (key: String, config: ProviderConfig?))? {
        guard let name = name?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return nil }
        if let slash = name.firstIndex(of: "/"), let config = roster.providers[String(name[..<slash])] {
            let modelID = String(name[name.index(after: slash)...])
            guard let providerContext else {
                throw CopilotError(code: .unsupported, message: "Agent model \(name): this session cannot reach other providers.")
            }
            do {
                let model = AgentModel(
                    model: modelID, wireModel: modelID, provider: try config.makeProvider(context: providerContext),
                    providerType: config.resolvedType.rawValue, reasoningEffort: effort)
                return (model, (String(name[..<slash]), config))
            } catch let error as ProviderError {
                throw CopilotError(code: .invalidConfiguration, message: "Agent model \(name): \(error.message)")
            }
        }
        // The session's provider, whichever it is when the call is made.
        let model = AgentModel(model: name, wireModel: name, provider: nil, providerType: nil, reasoningEffort: effort ?? reasoningEffort)
        return (model, ("", providerConfig))
    }

    /// The model a client or the model names for one sub-agent (`task`'s `model`,
    /// `session.tasks.startAgent`), checked against the models its provider lists, when it lists
    /// them (Azure lists base models, not deployments, so its names are taken as given).
    ///
    /// - Throws: ``CopilotError`` `invalidInput` for a model the provider does not serve.
    func requestedAgentModel(_ name: String, reasoningEffort effort: String?) async throws -> AgentModel? {
        guard let (model, provider) = try agentModelAndProvider(name, reasoningEffort: effort) else { return nil }
        guard let config = provider.config, config.listsCallableModels, let providerContext else { return model }
        if roster.listedModels[provider.key] == nil {
            let listed = try? await config.listModels(context: providerContext)
            roster.listedModels[provider.key] = .some(listed.map { Set($0.map(\.id)) })
        }
        guard let known = roster.listedModels[provider.key] ?? nil, !known.isEmpty, !known.contains(model.wireModel ?? model.model) else {
            return model
        }
        throw CopilotError(
            code: .invalidInput,
            message: "Model \(name) is not one the provider serves (it lists \(known.sorted().prefix(10).joined(separator: ", "))).")
    }

    // MARK: - Sub-agents

    /// The `task` tool: starts the sub-agent the model asked for. A sync one answers as the
    /// call's result; a background one returns its id at once and reports back by notification.
    func runTask(_ request: TaskRequest, context: ToolCallContext) async throws -> ToolRunOutput {
        guard let definition = roster.delegable.first(where: { $0.name == request.agentType }) else {
            let names = roster.delegable.map(\.name).joined(separator: ", ")
            return ToolRunOutput(.failure("Unknown agent type `\(request.agentType)`. Available agent types: \(names)."))
        }
        var model: AgentModel?
        // A model the calling model named that the provider does not serve (models make names up):
        // the agent runs on its own, and the result says so.
        var note: String?
        do {
            if let requested = request.model, !requested.isEmpty {
                do {
                    model = try await requestedAgentModel(requested, reasoningEffort: definition.reasoningEffort)
                } catch let error as CopilotError where error.code == .invalidInput {
                    model = try agentModel(definition.model, reasoningEffort: definition.reasoningEffort)
                    note = "\(error.message) The agent ran on \(model?.model ?? self.model) instead."
                }
            } else {
                model = try agentModel(definition.model, reasoningEffort: definition.reasoningEffort)
            }
        } catch let error as CopilotError {
            return ToolRunOutput(.failure(error.message))
        }
        let task = register(
            definition, prompt: request.prompt, description: request.description, name: request.name, mode: request.mode,
            toolCallId: context.call.id)
        guard request.mode == .sync else {
            startInBackground(task, definition: definition, model: model)
            let started = "Agent started in background with agent_id: \(task.id). You'll be notified when it completes. Tell the user you're waiting and end your response, or continue unrelated work until notified."
            return ToolRunOutput(.success(note.map { "\($0)\n\n\(started)" } ?? started))
        }
        do {
            let response = try await run(task, definition: definition, model: model)
            return ToolRunOutput(.success(note.map { "\($0)\n\n\(response)" } ?? response))
        } catch where Task.isCancelled || error is CancellationError {
            throw CancellationError()
        } catch is SubAgentRejected {
            // The user rejected one of its calls: as for the main agent's own, the interaction ends.
            let text = "The user rejected a tool call of the \(definition.name) agent."
            return ToolRunOutput(ToolResult(textResultForLlm: text, resultType: .rejected, error: text))
        } catch {
            return ToolRunOutput(ToolResult(
                textResultForLlm: "The \(definition.name) agent failed: \(Self.describe(error))", resultType: .failure, error: String(describing: error)))
        }
    }

    /// Starts the agent `type` in the background, as a client asks (`session.tasks.startAgent`).
    ///
    /// - Throws: ``CopilotError`` `invalidInput` for an unknown agent type or model.
    package func startAgentTask(type: String, prompt: String, description: String?, name: String?, model: String?) async throws -> String {
        guard !isClosed else {
            throw CopilotError(code: .sessionClosed, message: "Session \(sessionId) is disconnected; no agents can be started in it.")
        }
        guard let definition = roster.agent(named: type) else {
            throw CopilotError(
                code: .invalidInput, message: "Unknown agent type \(type). Available agent types: \(roster.all.map(\.name).joined(separator: ", ")).")
        }
        let resolved: AgentModel?
        if let model {
            resolved = try await requestedAgentModel(model, reasoningEffort: definition.reasoningEffort)
        } else {
            resolved = try agentModel(definition.model, reasoningEffort: definition.reasoningEffort)
        }
        let task = register(definition, prompt: prompt, description: description ?? type, name: name, mode: .background, toolCallId: nil)
        startInBackground(task, definition: definition, model: resolved)
        return task.id
    }

    private func register(
        _ definition: CustomAgent, prompt: String, description: String, name: String?, mode: AgentTask.Mode, toolCallId: String?
    ) -> AgentTask {
        let task = AgentTask(
            id: roster.freshID(for: name ?? definition.name), agentType: definition.name, description: description, prompt: prompt, mode: mode,
            toolCallId: toolCallId)
        roster.tasks[task.id] = task
        roster.order.append(task.id)
        roster.usedIDs.insert(task.id)
        return task
    }

    private func startInBackground(_ task: AgentTask, definition: CustomAgent, model: AgentModel?) {
        roster.tasks[task.id]?.task = Task {
            _ = try? await self.run(task, definition: definition, model: model)
        }
    }

    /// Runs one sub-agent to its answer: `subagent.started`, the `subagentStart` hook, its own
    /// loop, the `subagentStop` hook, then `subagent.completed` or `subagent.failed`. Its result
    /// (or failure) is kept for `read_agent`; a background one's also becomes a notification.
    private func run(_ task: AgentTask, definition: CustomAgent, model: AgentModel?) async throws -> String {
        do {
            try await acquireAgentSlot()
        } catch {
            finish(task.id, status: .cancelled, result: nil, error: "The sub-agent was aborted before it started.", turns: 0)
            throw error
        }
        defer { releaseAgentSlot() }
        let identity = AgentIdentity(
            id: task.id, name: definition.name, hookSessionId: UUID().uuidString.lowercased(), parentToolCallId: task.toolCallId,
            tools: definition.tools.map(Set.init))
        let toolCallId = task.toolCallId ?? task.id
        let modelName = model?.model ?? self.model
        emit(.subagentStarted(.init(
            toolCallId: toolCallId, agentName: definition.name, agentDisplayName: definition.shownName,
            agentDescription: definition.description ?? "", agentId: task.id, executionMode: task.mode.rawValue, model: modelName)))
        let conversation = AgentConversation(
            identity: identity,
            prompt: ([definition.prompt] + preloadSkills(of: definition, for: identity)).joined(separator: "\n\n"), model: model)
        // Its model calls go out with the headers of the message that started it (a client's, when idle).
        conversation.headers = currentMessageID == nil ? ["User-Agent": userAgent] : callHeaders
        subAgentConversations[task.id] = conversation
        defer { subAgentConversations[task.id] = nil }
        // Its own MCP servers, offered to it alone; they end with it.
        let ownSources = definition.mcpServers.sorted { $0.key < $1.key }.compactMap { name, config -> String? in
            guard let source = mcp.source(named: name, config: config, sessionId: sessionId) else { return nil }
            let id = "agent:\(task.id):" + MCPHost.sourceID(name)
            registry.register(source, id: id, agent: task.id)
            return id
        }
        let started = ContinuousClock.now
        var followUps = 0
        do {
            var prompt = task.prompt
            let startInput = SubagentStartInput(
                sessionId: sessionId, agentName: definition.name, agentDisplayName: definition.displayName,
                agentDescription: definition.description, agentId: task.id, transcriptPath: transcriptPath)
            if let context = await runHook(.subagentStart, startInput)?.additionalContext, !context.isEmpty {
                prompt = context + "\n\n" + prompt
            }
            conversation.history.append(.user(Self.transform(prompt, at: Date())))
            var response = ""
            var blocks = 0
            defer { followUps = blocks }
            while true {
                guard try await runTurns(conversation, originatingMessageID: toolCallId) else { throw SubAgentRejected() }
                response = Self.lastAnswer(conversation.history)
                let stopInput = SubagentStopInput(
                    sessionId: sessionId, agentName: definition.name, agentDisplayName: definition.displayName, agentType: definition.name,
                    agentId: task.id, stopReason: "end_turn", response: response, transcriptPath: transcriptPath)
                let stop = await runHook(.subagentStop, stopInput)
                if let modified = stop?.modifiedResponse { response = modified }
                guard let reason = stopBlock(decision: stop?.decision, reason: stop?.reason, after: blocks, hook: "subagentStop") else { break }
                blocks += 1
                conversation.history.append(.user(reason))
            }
            await endSources(ownSources)
            finish(task.id, status: .completed, result: response, error: nil, turns: blocks)
            emit(.subagentCompleted(.init(
                toolCallId: toolCallId, agentName: definition.name, agentDisplayName: definition.shownName, model: modelName,
                durationMs: Self.milliseconds(started.duration(to: .now)), totalTokens: conversation.tokens, totalToolCalls: conversation.toolCalls)))
            return response
        } catch {
            await endSources(ownSources)
            closeOpenTurn(conversation)
            let cancelled = Task.isCancelled || error is CancellationError
            let message = cancelled ? "The sub-agent was aborted." : error is SubAgentRejected ? "The user rejected one of its tool calls." : Self.describe(error)
            finish(task.id, status: cancelled ? .cancelled : .failed, result: nil, error: message, turns: followUps)
            emit(.subagentFailed(.init(
                toolCallId: toolCallId, agentName: definition.name, agentDisplayName: definition.shownName, error: message, model: modelName,
                durationMs: Self.milliseconds(started.duration(to: .now)), totalTokens: conversation.tokens, totalToolCalls: conversation.toolCalls)))
            throw error
        }
    }

    /// Unregisters and ends the tool sources `ids` (a sub-agent's own MCP servers).
    private func endSources(_ ids: [String]) async {
        for id in ids { await registry.unregister(id: id)?.close() }
    }

    /// The text of the last answer in `history`.
    static func lastAnswer(_ history: [ConversationItem]) -> String {
        for item in history.reversed() {
            if case .assistant(let text, _, _) = item, !text.isEmpty { return text }
        }
        return ""
    }

    /// A sub-agent's tool call was rejected by the user.
    struct SubAgentRejected: Error {}

    static func describe(_ error: any Error) -> String {
        (error as? CopilotError)?.message ?? (error as? ProviderError)?.message ?? String(describing: error)
    }

    private func finish(_ id: String, status: AgentTask.Status, result: String?, error: String?, turns: Int) {
        // Whoever waits learns of it, also when the task was removed meanwhile.
        defer { wakeAgentWaiters() }
        guard var task = roster.tasks[id] else { return }
        task.status = status
        task.result = result
        task.error = error
        task.turns = turns
        task.finished = .now
        task.finishedAt = Date()
        task.task = nil
        roster.tasks[id] = task
        if task.mode == .background, status != .cancelled {
            let outcome = status == .completed ? "has completed successfully" : "failed: \(error ?? "unknown error")"
            roster.pendingNotifications.append(
                "<system_notification>\nAgent \"\(id)\" (\(task.agentType)) \(outcome). Use read_agent with agent_id \"\(id)\" to retrieve the full results.\n</system_notification>")
        }
        deliverNotificationsIfIdle()
    }

    // MARK: - Reading them

    /// `read_agent`: a sub-agent's status and, once it finished, its result; with `wait`, waits
    /// (at most `timeout`) for it to finish.
    func readAgent(_ id: String, wait: Bool, timeout: Duration) async -> ToolResult {
        guard roster.tasks[id] != nil else {
            let known = roster.order.joined(separator: ", ")
            return .failure("No agent with agent_id \(id).\(known.isEmpty ? "" : " Known agents: \(known).")")
        }
        if wait, roster.tasks[id]?.status == .running {
            _ = try? await withTimeout(timeout, clock: clock) { await self.waitUntilFinished(id) }
        }
        guard let task = roster.tasks[id] else { return .failure("No agent with agent_id \(id).") }
        var text = task.summary
        if task.status != .running {
            forgetNotifications(of: id)
            if let result = task.result { text += "\n\n" + result }
            if let error = task.error { text += "\n\nError: " + error }
        }
        return .success(text)
    }

    /// `list_agents`: every sub-agent of the session and its status.
    func listAgents() -> String {
        let lines = roster.order.compactMap { roster.tasks[$0]?.summary }
        return lines.isEmpty ? "No agents have been started in this session." : lines.joined(separator: "\n")
    }

    /// The sub-agents the session started, in order.
    var agentTasks: [AgentTask] { roster.order.compactMap { roster.tasks[$0] } }

    /// Cancels the background sub-agent `id` while it runs (a sync one is part of its parent's
    /// tool call: abort ends it). Returns `false` when no such background agent runs.
    package func cancelAgentTask(_ id: String) -> Bool {
        guard let task = roster.tasks[id], task.status == .running, let handle = task.task else { return false }
        handle.cancel()
        return true
    }

    /// Forgets the sub-agent `id`, cancelling it if it runs. Returns `false` when there is none.
    package func removeAgentTask(_ id: String) -> Bool {
        guard let task = roster.tasks.removeValue(forKey: id) else { return false }
        task.task?.cancel()
        roster.order.removeAll { $0 == id }
        forgetNotifications(of: id)
        wakeAgentWaiters()
        return true
    }

    /// The main agent need not be told about `id` any more (its result was read, or it was removed).
    private func forgetNotifications(of id: String) {
        let marker = "Agent \"\(id)\" ("
        roster.pendingNotifications.removeAll { $0.contains(marker) }
        queue.removeAll { $0.source == "system" && $0.prompt.contains(marker) }
    }

    /// Waits until no background sub-agent runs (or the caller is cancelled).
    package func waitForAgentTasks() async {
        while roster.hasRunningBackground, !Task.isCancelled { await waitForAgentChange() }
    }

    /// Cancels every running sub-agent (abort, close).
    func cancelAgentTasks() {
        for task in roster.tasks.values where task.status == .running { task.task?.cancel() }
    }

    /// For the main agent after it answered: the next background agent's notification, waiting
    /// while one still runs; `nil` when none runs and none is waiting to be told.
    func nextAgentNotification() async -> String? {
        while true {
            if !roster.pendingNotifications.isEmpty { return roster.pendingNotifications.removeFirst() }
            guard roster.hasRunningBackground, !Task.isCancelled else { return nil }
            await waitForAgentChange()
        }
    }

    private func waitUntilFinished(_ id: String) async {
        while roster.tasks[id]?.status == .running, !Task.isCancelled { await waitForAgentChange() }
    }

    /// Suspends until a sub-agent finishes or the caller is cancelled.
    private func waitForAgentChange() async {
        let key = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if Task.isCancelled { continuation.resume() } else { roster.waiters[key] = continuation }
            }
        } onCancel: {
            Task { await self.wakeAgentWaiter(key) }
        }
    }

    private func wakeAgentWaiter(_ key: UUID) { roster.waiters.removeValue(forKey: key)?.resume() }

    private func wakeAgentWaiters() {
        let waiting = roster.waiters.values
        roster.waiters.removeAll()
        for continuation in waiting { continuation.resume() }
    }

    /// Takes one of the ``AgentRoster/parallelLimit`` places, waiting for one when all are taken.
    ///
    /// - Throws: `CancellationError` when cancelled first (without a place).
    private func acquireAgentSlot() async throws {
        try Task.checkCancellation()
        guard roster.running >= AgentRoster.parallelLimit else {
            roster.running += 1
            return
        }
        let key = UUID()
        let granted = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                if Task.isCancelled { continuation.resume(returning: false) } else { roster.queued.append((key, continuation)) }
            }
        } onCancel: {
            Task { await self.withdrawSlotRequest(key) }
        }
        guard granted else { throw CancellationError() }
    }

    /// A cancelled agent stops waiting for a place.
    private func withdrawSlotRequest(_ key: UUID) {
        guard let index = roster.queued.firstIndex(where: { $0.key == key }) else { return }
        roster.queued.remove(at: index).continuation.resume(returning: false)
    }

    private func releaseAgentSlot() {
        // A waiting agent takes the place over; otherwise it is free.
        if roster.queued.isEmpty { roster.running -= 1 } else { roster.queued.removeFirst().continuation.resume(returning: true) }
    }

    /// The user message an agent gets next after a stop hook's `block` (its reason, or a nudge),
    /// or `nil` when it may stop: no block, or `blocks` in a row already (``agentStopBlockLimit``).
    func stopBlock(decision: String?, reason: String?, after blocks: Int, hook: String) -> String? {
        guard decision == "block" else { return nil }
        guard blocks < Self.agentStopBlockLimit else {
            logger.notice("stop hook blocked too often; the agent stops", metadata: ["hook": "\(hook)", "blocks": "\(blocks)"])
            return nil
        }
        let text = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return text.isEmpty ? "Continue working on the task." : text
    }
}

// MARK: - As clients see them

extension CustomAgent {
    /// How a client sees this agent.
    package var info: AgentInfo {
        AgentInfo(name: name, displayName: shownName, description: description ?? "", tools: tools, model: model)
    }
}

extension AgentTask {
    /// How a client sees this sub-agent.
    var info: AgentTaskInfo {
        AgentTaskInfo(
            id: id, agentType: agentType, description: description, prompt: prompt, status: status.rawValue, executionMode: mode.rawValue,
            toolCallId: toolCallId ?? "", startedAt: startedAt,
            completedAt: finishedAt, result: result, error: error)
    }
}

extension SessionEngine {
    /// The sub-agents the session started, in order, as clients see them.
    package var agentTaskInfos: [AgentTaskInfo] { agentTasks.map(\.info) }

    /// Starts fleet mode: the main agent gets `prompt` with instructions to split the work across
    /// sub-agents running in parallel. Returns the message's id.
    package func startFleet(_ prompt: String?) throws -> String {
        var text = """
            Work in fleet mode: split this work into independent parts and start one background sub-agent (the task tool with \
            mode "background") for each part, all in the same turn, so they run in parallel. Give each sub-agent a complete, \
            self-contained prompt and say what it must report back. Do the parts that depend on others only after those finish. \
            When every sub-agent has reported, combine their results into one answer.
            """
        if let prompt, !prompt.isEmpty { text += "\n\n" + prompt }
        return try send(MessageOptions(prompt: text))
    }

    /// Runs `command` in `directory` (the working directory when `nil`) for a client
    /// (`session.shell.exec`); it ends with the session. Returns its process id.
    package func runClientCommand(_ command: String, in directory: String?) throws -> String {
        try shells.start(command, in: directory ?? workingDirectory ?? FileManager.default.currentDirectoryPath).id
    }

    /// Kills a command ``runClientCommand(_:in:)`` started. Returns `false` when there is none
    /// running (also one already killed that has not exited yet).
    package func killClientCommand(_ id: String) -> Bool {
        guard let shell = try? shells.shell(id), !shell.hasExited, !shell.wasStopped else { return false }
        shell.kill()
        return true
    }
}
