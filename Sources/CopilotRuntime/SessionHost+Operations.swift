import CopilotCore
import CopilotProviders
import Foundation

/// What a client can ask of a live session beyond sending messages: its reports (usage, context,
/// snapshot, event log), its plan and workspace files, its log. The in-process `CopilotSession`
/// and the protocol server's handlers both call these, so each answer is worked out in one place.
extension SessionHost {
    /// The model the next call goes to, and its reasoning effort.
    package func currentModel() async -> ModelSelection {
        ModelSelection(model: await engine.reportedModel, reasoningEffort: await engine.reasoningEffort)
    }

    /// Calls, tokens and time, by model; user requests counted over the whole persisted conversation.
    package func usage() async -> SessionUsage {
        let metrics = await engine.metrics
        let requests = persistedEvents.count { if case .userMessage = $0.payload { true } else { false } }
        return SessionUsage(
            startedAt: metadata.createdAt, apiDuration: metrics.apiDuration, userRequests: requests, lastCallInputTokens: metrics.lastInput,
            lastCallOutputTokens: metrics.lastOutput, byModel: metrics.byModel, currentModel: await engine.reportedModel)
    }

    /// The estimated size of the next request, by part.
    package func contextTokens() async -> ContextTokens {
        let tokens = await engine.contextTokens
        return ContextTokens(system: tokens.system, tools: tokens.tools, conversation: tokens.conversation)
    }

    /// The session's metadata and what it runs on now.
    package func snapshot() async -> SessionSnapshot {
        let metadata = metadata
        return SessionSnapshot(
            sessionId: sessionId, createdAt: metadata.createdAt, modifiedAt: metadata.modifiedAt, mode: await engine.mode,
            workingDirectory: await engine.workingDirectory ?? FileManager.default.currentDirectoryPath, model: await engine.reportedModel,
            name: await engine.name, summary: metadata.summary, workspacePath: workspace.root.path)
    }

    /// The tools the model is offered now, in the order it sees them.
    package func tools() async -> [ToolMetadata] {
        await engine.offeredTools.map { ToolMetadata(name: $0.name, description: $0.description, parameters: $0.parameters) }
    }

    /// The instruction files in the system prompt, in the order they appear there.
    package func instructionSources() async -> [InstructionSource] {
        await engine.instructionSources.map { InstructionSource(path: $0.path, content: $0.content) }
    }

    /// Messages waiting: queued ones and unread steering ones.
    package func pendingMessages() async -> PendingMessages {
        let pending = await engine.pendingMessages
        return PendingMessages(
            queued: pending.queued.map { PendingMessages.Queued(id: $0.id, prompt: $0.prompt, agentMode: $0.agentMode ?? "interactive") },
            steering: pending.steering)
    }

    /// The conversation's last answer, which is what a handoff to another agent starts from; `""`
    /// before the first.
    package func summarizeForHandoff() -> String {
        for event in persistedEvents.reversed() {
            if case .assistantMessage(let message) = event.payload, !message.content.isEmpty { return message.content }
        }
        return ""
    }

    /// Writes `message` to the session's log as `session.info`, `session.warning` or `session.error`;
    /// returns the event's id.
    @discardableResult
    package func log(_ message: String, level: SessionLogLevel, tip: String? = nil, url: String? = nil) async -> String {
        let payload: SessionEvent.Payload =
            switch level {
            case .error: .sessionError(.init(errorType: "notification", message: message))
            case .warning: .sessionWarning(.init(warningType: "notification", message: message))
            case .info: .sessionInfo(.init(infoType: "notification", message: message, tip: tip, url: url))
            }
        return await engine.publish(payload).uuidString.lowercased()
    }

    // MARK: Event log

    /// The cursor after the last persisted event: reading forward from it waits for the next one.
    package func eventLogTail() -> String { String(persistedEvents.count) }

    /// A page of persisted events from `cursor` (the log's start or end without one).
    ///
    /// Reading forward with a `wait` returns as soon as a matching event is persisted, or an empty
    /// page after `wait` (at most 30 seconds).
    package func readEventLog(
        after cursor: String?, direction: EventLogDirection, types: Set<String>?, limit: Int, wait: Duration
    ) async -> EventLogPage {
        let limit = min(max(limit, 1), 1000)
        func matching(_ events: ArraySlice<SessionEvent>) -> [SessionEvent] { events.filter { types?.contains($0.type) ?? true } }
        var all = persistedEvents
        var start = 0
        var expired = false
        if let cursor {
            if let position = Int(cursor), (0...all.count).contains(position) { start = position } else { expired = true }
        }
        if direction == .backward {
            let end = cursor == nil || expired ? all.count : start
            let chosen = Array(matching(all[..<end]).suffix(limit).reversed())
            let first = chosen.last.flatMap { event in all.firstIndex { $0.id == event.id } } ?? end
            return EventLogPage(events: chosen, cursor: String(first), expired: expired, hasMore: !matching(all[..<first]).isEmpty)
        }
        let wait = min(max(wait, .zero), .seconds(30))
        if matching(all[start...]).isEmpty, wait > .zero {
            await waitForEvent(matching: types, from: start, for: wait)
            all = persistedEvents
        }
        let found = matching(all[start...])
        let chosen = Array(found.prefix(limit))
        let next = chosen.last.flatMap { event in all.firstIndex { $0.id == event.id }.map { $0 + 1 } } ?? all.count
        return EventLogPage(events: chosen, cursor: String(next), expired: expired, hasMore: found.count > chosen.count)
    }

    /// Returns once a persisted event of `types` (any, when `nil`) is at or after `position`, or after `wait`.
    private func waitForEvent(matching types: Set<String>?, from position: Int, for wait: Duration) async {
        // Subscribed before the log is read again, so an event persisted in between is not missed.
        let stream = events.subscribe()
        guard !persistedEvents.dropFirst(position).contains(where: { types?.contains($0.type) ?? true }) else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in stream where !event.ephemeral && (types?.contains(event.type) ?? true) { return }
            }
            group.addTask { try? await Task.sleep(for: wait) }
            await group.next()
            group.cancelAll()
        }
    }

    // MARK: Plan and workspace files

    /// The plan (`plan.md` in the session's folder), or `nil` when there is none.
    package func readPlan() -> String? { workspace.readPlan() }

    /// Writes the plan; emits `session.plan_changed` (`create` or `update`).
    package func updatePlan(_ content: String) async throws {
        let created = try workspaceCall { try workspace.writePlan(content) }
        await engine.publish(.sessionPlanChanged(.init(operation: created ? "create" : "update")))
    }

    /// Deletes the plan; emits `session.plan_changed` (`delete`) when there was one.
    package func deletePlan() async throws {
        if try workspaceCall({ try workspace.deletePlan() }) {
            await engine.publish(.sessionPlanChanged(.init(operation: "delete")))
        }
    }

    /// The session's workspace files, relative to its files folder, sorted.
    package func workspaceFiles() -> [String] { workspace.listFiles() }

    /// The text of workspace file `path` (relative to the files folder).
    package func readWorkspaceFile(_ path: String) throws -> String { try workspaceCall { try workspace.readFile(path) } }

    /// Writes workspace file `path`, creating its folders; emits `session.workspace_file_changed`.
    package func writeWorkspaceFile(_ path: String, content: String) async throws {
        let created = try workspaceCall { try workspace.writeFile(path, content: content) }
        await engine.publish(.sessionWorkspaceFileChanged(.init(path: path, operation: created ? "create" : "update")))
    }

    /// Runs a workspace operation, its refusal of a path as ``CopilotError`` `invalidInput`.
    private func workspaceCall<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as WorkspaceError {
            throw CopilotError(code: .invalidInput, message: error.message)
        } catch {
            throw CopilotError(code: .sessionError, message: "The session's folder could not be written: \(error.localizedDescription)")
        }
    }

    // MARK: MCP servers

    /// The session's MCP server `name` (one the session or one of its agents runs).
    /// - Throws: ``CopilotError`` `invalidInput` when the session has none of that name.
    package func mcpServer(_ name: String) async throws -> any MCPServerSource {
        guard let source = await engine.mcpServers.first(where: { $0.serverName == name }) else {
            throw CopilotError(code: .invalidInput, message: "MCP server \(name) is not connected: the session has no MCP server of that name.")
        }
        return source
    }

    /// Starts MCP server `name` (stopping it first when `restart`); its tools are offered from the next model call.
    /// - Throws: ``CopilotError`` `invalidInput` for an unknown server, `sessionError` when it cannot start.
    package func startMCPServer(_ name: String, restart: Bool = false) async throws {
        let source = try await mcpServer(name)
        if restart { await source.stop() }
        do {
            try await source.start()
        } catch {
            throw CopilotError(code: .sessionError, message: "MCP server \(name) could not be started: \(error)")
        }
    }

    /// Stops MCP server `name`; its tools are no longer offered.
    package func stopMCPServer(_ name: String) async throws {
        await (try await mcpServer(name)).stop()
    }

    /// Enables MCP server `name` (it starts) or disables it (it stops and is no longer offered).
    /// - Throws: ``CopilotError`` `invalidInput` when the session has no MCP server of that name.
    package func setMCPServer(_ name: String, enabled: Bool) async throws {
        do {
            try await engine.setMCPServer(name, enabled: enabled)
        } catch let error as MCPHostError {
            throw CopilotError(code: .invalidInput, message: error.description)
        }
    }

    /// Ends every enabled MCP server and starts it again from the session's config.
    /// - Throws: ``CopilotError`` `sessionError` when the session has no MCP servers.
    package func reloadMCPServers() async throws {
        do {
            try await engine.reloadMCPServers()
        } catch let error as MCPHostError {
            throw CopilotError(code: .sessionError, message: error.description)
        }
    }

    // MARK: Shell commands

    /// Starts `command` for the app in `directory` (the working directory when `nil`); returns its id.
    /// - Throws: ``CopilotError`` saying why it could not be started.
    package func runShellCommand(_ command: String, in directory: String?) async throws -> String {
        do {
            return try await engine.runClientCommand(command, in: directory)
        } catch {
            let reason = (error as? CopilotError)?.message ?? String(describing: error)
            throw CopilotError(code: (error as? CopilotError)?.code ?? .sessionError, message: "The command could not be started: \(reason)")
        }
    }
}
