import CopilotProtocol
import CopilotCore
import CopilotProviders
import CopilotRuntime
import Foundation
import Synchronization

/// A session that lives in a ``RemoteRuntime``: prompts go out as requests, events come back as
/// notifications, and this side runs the session's tools, permission handler and hooks.
final class RemoteSession: SessionBackend {
    let id: String
    let config: SessionConfig
    private let runtime: RemoteRuntime
    private let broadcaster: EventBroadcaster
    private let tools: [String: Tool]
    /// Tool calls and permission decisions running for the runtime; cancelled by ``close()``.
    private let running = Mutex<[UUID: Task<Void, Never>]>([:])

    init(id: String, config: SessionConfig, runtime: RemoteRuntime, broadcaster: EventBroadcaster) {
        self.id = id
        self.config = config
        self.runtime = runtime
        self.broadcaster = broadcaster
        self.tools = Dictionary(config.tools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func send(_ options: MessageOptions) async throws -> String {
        var params = SessionSendParams(
            sessionId: id, prompt: options.prompt, attachments: options.attachments.isEmpty ? nil : options.attachments,
            mode: options.mode.rawValue)
        params.agentMode = options.agentMode
        params.requestHeaders = options.requestHeaders.isEmpty ? nil : options.requestHeaders
        params.responseFormat = options.responseFormat
        return try await runtime.call(RPC.sessionSend, params).messageId
    }

    func abort() async {
        _ = try? await runtime.call(RPC.sessionAbort, SessionIDParams(sessionId: id))
    }

    func messages() async throws -> [SessionEvent] {
        try await runtime.call(RPC.sessionGetMessages, SessionIDParams(sessionId: id)).events
    }

    func setModel(_ model: String, reasoningEffort: String?) async throws {
        _ = try await runtime.call(RPC.sessionModelSwitchTo, ModelSwitchParams(sessionId: id, modelId: model, reasoningEffort: reasoningEffort))
    }

    func mode() async throws -> String { try await runtime.call(RPC.sessionModeGet, SessionIDParams(sessionId: id)) }

    func setMode(_ mode: String) async throws {
        _ = try await runtime.call(RPC.sessionModeSet, ModeSetParams(sessionId: id, mode: mode))
    }

    func name() async throws -> String? { try await runtime.call(RPC.sessionNameGet, SessionIDParams(sessionId: id)).name }

    func setName(_ name: String) async throws {
        _ = try await runtime.call(RPC.sessionNameSet, NameSetParams(sessionId: id, name: name))
    }

    func compact() async throws -> Compaction {
        let result = try await runtime.call(RPC.sessionHistoryCompact, SessionIDParams(sessionId: id))
        return Compaction(messagesRemoved: result.messagesRemoved, tokensRemoved: result.tokensRemoved, summary: result.summaryContent)
    }

    func elicit(message: String, requestedSchema: JSONValue?) async throws -> ElicitationResult {
        let result = try await runtime.call(
            RPC.sessionUIElicitation, UIElicitationParams(sessionId: id, message: message, requestedSchema: requestedSchema, mode: "form"))
        return ElicitationResult(action: ElicitationResult.Action(rawValue: result.action) ?? .cancel, content: result.content?.objectValue)
    }

    func skills() async throws -> [Skill] { try await runtime.call(RPC.sessionSkillsList, SessionIDParams(sessionId: id)).skills }

    func setSkill(_ name: String, enabled: Bool) async throws {
        _ = try await runtime.call(enabled ? RPC.sessionSkillsEnable : RPC.sessionSkillsDisable, SkillNameParams(sessionId: id, name: name))
    }

    func reloadSkills() async throws -> SkillDiagnostics { try await runtime.call(RPC.sessionSkillsReload, SessionIDParams(sessionId: id)) }

    func invokedSkills() async throws -> [InvokedSkill] {
        try await runtime.call(RPC.sessionSkillsGetInvoked, SessionIDParams(sessionId: id)).skills
    }

    func plugins() async throws -> [PluginInfo] { try await runtime.call(RPC.sessionPluginsList, SessionIDParams(sessionId: id)).plugins }

    func agents() async throws -> [AgentInfo] { try await runtime.call(RPC.sessionAgentList, SessionIDParams(sessionId: id)).agents }

    func currentAgent() async throws -> AgentInfo? { try await runtime.call(RPC.sessionAgentGetCurrent, SessionIDParams(sessionId: id)).agent }

    func selectAgent(_ name: String) async throws -> AgentInfo {
        guard let agent = try await runtime.call(RPC.sessionAgentSelect, AgentNameParams(sessionId: id, name: name)).agent else {
            throw CopilotError(code: .sessionError, message: "The runtime selected no agent for \(name).")
        }
        return agent
    }

    func deselectAgent() async throws { _ = try await runtime.call(RPC.sessionAgentDeselect, SessionIDParams(sessionId: id)) }

    func agentTasks() async throws -> [AgentTaskInfo] { try await runtime.call(RPC.sessionTasksList, SessionIDParams(sessionId: id)).tasks }

    func startAgentTask(type: String, prompt: String, description: String?, name: String?, model: String?) async throws -> String {
        try await runtime.call(
            RPC.sessionTasksStartAgent,
            TaskStartAgentParams(sessionId: id, agentType: type, prompt: prompt, name: name, description: description, model: model)).agentId
    }

    func cancelAgentTask(_ taskID: String) async throws -> Bool {
        try await runtime.call(RPC.sessionTasksCancel, TaskIDParams(sessionId: id, id: taskID)).cancelled
    }

    func startFleet(_ prompt: String?) async throws {
        _ = try await runtime.call(RPC.sessionFleetStart, FleetStartParams(sessionId: id, prompt: prompt))
    }

    func mcpServers() async throws -> [MCPServerStatus] {
        var servers: [MCPServerStatus] = []
        for server in try await runtime.call(RPC.sessionMCPList, SessionIDParams(sessionId: id)).servers {
            var status = MCPServerStatus(name: server.name, status: server.status, error: server.error)
            if server.status == "connected" {
                let tools = try? await runtime.call(RPC.sessionMCPListTools, MCPServerNameParams(sessionId: id, serverName: server.name))
                status.tools = tools?.tools.map(\.name) ?? []
            }
            servers.append(status)
        }
        return servers.sorted { $0.name < $1.name }
    }

    func removeAgentTask(_ taskID: String) async throws -> Bool {
        try await runtime.call(RPC.sessionTasksRemove, TaskIDParams(sessionId: id, id: taskID)).removed
    }

    func waitForAgentTasks() async throws {
        // Sub-agents may work for long: the answer comes when they finish, not within a request's usual time.
        _ = try await runtime.call(RPC.sessionTasksWaitForPending, SessionIDParams(sessionId: id), timeout: .seconds(24 * 3600))
    }

    func currentModel() async throws -> ModelSelection {
        let current = try await runtime.call(RPC.sessionModelGetCurrent, SessionIDParams(sessionId: id))
        return ModelSelection(model: current.modelId.flatMap { $0.isEmpty ? nil : $0 }, reasoningEffort: current.reasoningEffort)
    }

    func setReasoningEffort(_ effort: String) async throws {
        _ = try await runtime.call(RPC.sessionModelSetReasoningEffort, ReasoningEffortParams(sessionId: id, reasoningEffort: effort))
    }

    func usage() async throws -> SessionUsage {
        let metrics = try await runtime.call(RPC.sessionUsageGetMetrics, SessionIDParams(sessionId: id))
        return SessionUsage(
            startedAt: try Self.date(metrics.sessionStartTime), apiDuration: .milliseconds(metrics.totalApiDurationMs),
            userRequests: metrics.totalUserRequests, lastCallInputTokens: metrics.lastCallInputTokens,
            lastCallOutputTokens: metrics.lastCallOutputTokens, byModel: metrics.modelMetrics, currentModel: metrics.currentModel)
    }

    func contextTokens() async throws -> ContextTokens {
        // The limits only shape the window the answer describes; the counts are the session's own.
        let info = try await runtime.call(
            RPC.sessionMetadataContextInfo, ContextInfoParams(sessionId: id, promptTokenLimit: 1, outputTokenLimit: 0)).contextInfo
        guard let info else { throw CopilotError(code: .sessionError, message: "The runtime reported no context information.") }
        return ContextTokens(system: info.systemTokens, tools: info.toolDefinitionsTokens, conversation: info.conversationTokens)
    }

    func snapshot() async throws -> SessionSnapshot {
        let snapshot = try await runtime.call(RPC.sessionMetadataSnapshot, SessionIDParams(sessionId: id))
        return SessionSnapshot(
            sessionId: snapshot.sessionId, createdAt: try Self.date(snapshot.startTime), modifiedAt: try Self.date(snapshot.modifiedTime),
            mode: snapshot.currentMode, workingDirectory: snapshot.workingDirectory, model: snapshot.selectedModel,
            name: snapshot.workspace?.name, summary: snapshot.summary, workspacePath: snapshot.workspacePath ?? "")
    }

    func isProcessing() async throws -> Bool {
        try await runtime.call(RPC.sessionMetadataIsProcessing, SessionIDParams(sessionId: id)).processing
    }

    func pendingMessages() async throws -> PendingMessages {
        let pending = try await runtime.call(RPC.sessionQueuePendingItems, SessionIDParams(sessionId: id))
        return PendingMessages(
            queued: pending.items.filter { $0.kind == "message" }.map {
                .init(id: $0.messageId ?? $0.id, prompt: $0.displayText, agentMode: $0.agentMode)
            },
            steering: pending.steeringMessages)
    }

    func tools() async throws -> [ToolMetadata] {
        try await runtime.call(RPC.sessionToolsGetCurrentMetadata, SessionIDParams(sessionId: id)).tools?.map {
            ToolMetadata(name: $0.name, description: $0.description, parameters: $0.inputSchema)
        } ?? []
    }

    func instructionSources() async throws -> [InstructionSource] {
        try await runtime.call(RPC.sessionInstructionsGetSources, SessionIDParams(sessionId: id)).sources.map {
            InstructionSource(path: $0.sourcePath, content: $0.content)
        }
    }

    func summarizeForHandoff() async throws -> String {
        try await runtime.call(RPC.sessionHistorySummarizeForHandoff, SessionIDParams(sessionId: id)).summary
    }

    func setWorkingDirectory(_ directory: String) async throws {
        _ = try await runtime.call(RPC.sessionMetadataSetWorkingDirectory, WorkingDirectoryParams(sessionId: id, workingDirectory: directory))
    }

    func readEventLog(after cursor: String?, direction: EventLogDirection, types: Set<String>?, limit: Int, wait: Duration) async throws -> EventLogPage {
        let milliseconds = Int(min(max(wait, .zero), .seconds(30)) / .milliseconds(1))
        let params = EventLogReadParams(
            sessionId: id, cursor: cursor, max: limit, waitMs: milliseconds, types: types.map { .array($0.sorted().map(JSONValue.string)) },
            direction: direction.rawValue)
        // The runtime waits at most 30 seconds before it answers: well within the call's own timeout.
        let page = try await runtime.call(RPC.sessionEventLogRead, params)
        return EventLogPage(events: page.events, cursor: page.cursor, expired: page.cursorStatus == "expired", hasMore: page.hasMore)
    }

    func eventLogTail() async throws -> String { try await runtime.call(RPC.sessionEventLogTail, SessionIDParams(sessionId: id)).cursor }

    func readPlan() async throws -> String? {
        let plan = try await runtime.call(RPC.sessionPlanRead, SessionIDParams(sessionId: id))
        return plan.exists ? plan.content ?? "" : nil
    }

    func updatePlan(_ content: String) async throws {
        _ = try await runtime.call(RPC.sessionPlanUpdate, PlanUpdateParams(sessionId: id, content: content))
    }

    func deletePlan() async throws { _ = try await runtime.call(RPC.sessionPlanDelete, SessionIDParams(sessionId: id)) }

    func workspaceFiles() async throws -> [String] {
        try await runtime.call(RPC.sessionWorkspacesListFiles, SessionIDParams(sessionId: id)).files
    }

    func readWorkspaceFile(_ path: String) async throws -> String {
        try await runtime.call(RPC.sessionWorkspacesReadFile, WorkspaceReadFileParams(sessionId: id, path: path)).content
    }

    func writeWorkspaceFile(_ path: String, content: String) async throws {
        _ = try await runtime.call(RPC.sessionWorkspacesCreateFile, WorkspaceCreateFileParams(sessionId: id, path: path, content: content))
    }

    func log(_ message: String, level: SessionLogLevel) async throws -> String {
        try await runtime.call(RPC.sessionLog, SessionLogParams(sessionId: id, message: message, level: level.rawValue)).eventId
    }

    func setApproveAll(_ enabled: Bool) async throws {
        _ = try await runtime.call(RPC.sessionPermissionsSetApproveAll, ApproveAllParams(sessionId: id, enabled: enabled))
    }

    func resetSessionApprovals() async throws {
        _ = try await runtime.call(RPC.sessionPermissionsResetSessionApprovals, SessionIDParams(sessionId: id))
    }

    func startMCPServer(_ name: String, restart: Bool) async throws {
        _ = try await runtime.call(
            restart ? RPC.sessionMCPRestartServer : RPC.sessionMCPStartServer, MCPServerNameParams(sessionId: id, serverName: name))
    }

    func stopMCPServer(_ name: String) async throws {
        _ = try await runtime.call(RPC.sessionMCPStopServer, MCPServerNameParams(sessionId: id, serverName: name))
    }

    func setMCPServer(_ name: String, enabled: Bool) async throws {
        _ = try await runtime.call(enabled ? RPC.sessionMCPEnable : RPC.sessionMCPDisable, MCPServerNameParams(sessionId: id, serverName: name))
    }

    func reloadMCPServers() async throws { _ = try await runtime.call(RPC.sessionMCPReload, SessionIDParams(sessionId: id)) }

    func runShellCommand(_ command: String, in directory: String?) async throws -> String {
        try await runtime.call(RPC.sessionShellExec, ShellExecParams(sessionId: id, command: command, cwd: directory)).processId
    }

    func killShellCommand(_ processID: String) async throws -> Bool {
        try await runtime.call(RPC.sessionShellKill, ShellKillParams(sessionId: id, processId: processID)).killed
    }

    /// A timestamp the runtime sent.
    private static func date(_ text: String) throws -> Date {
        guard let date = EventTimestamp.parse(text) else {
            throw CopilotError(code: .sessionError, message: "The runtime sent a timestamp that is not ISO 8601: \(text.prefix(40)).")
        }
        return date
    }

    /// `session.detach`, as the official SDKs (1.0.27) send on disconnect: the runtime completes the
    /// session's log and lets it go, keeping it stored for ``CopilotClient/resumeSession(_:_:)``.
    func close() async {
        let tasks = running.withLock { running in
            defer { running.removeAll() }
            return Array(running.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        _ = try? await runtime.call(RPC.sessionDetach, SessionIDParams(sessionId: id))
        runtime.forget(id)
    }

    /// Runs `work` for the runtime, owned by this session until it ends or the session closes.
    private func track(_ work: @escaping @Sendable () async -> Void) {
        let key = UUID()
        running.withLock { running in
            // Created under the lock, so the task's own removal always comes after its insertion.
            running[key] = Task { [weak self] in
                await work()
                _ = self?.running.withLock { $0.removeValue(forKey: key) }
            }
        }
    }

    // MARK: From the runtime

    /// Publishes an event, and answers tool calls and permission requests that this side owns.
    func receive(_ event: SessionEvent) {
        broadcaster.publish(event)
        switch event.payload {
        case .externalToolRequested(let request):
            guard let tool = tools[request.toolName] else { return }
            let invocation = ToolInvocation(
                sessionId: id, toolCallId: request.toolCallId, toolName: request.toolName, arguments: request.arguments ?? [:])
            track { await self.runTool(tool, invocation, requestID: request.requestId) }
        case .permissionRequested(let request):
            guard let handler = config.onPermissionRequest else { return }
            track { await self.decide(request, handler: handler) }
        case .elicitationRequested(let request):
            guard let handler = config.onElicitationRequest else { return }
            track { await self.fill(request, handler: handler) }
        case .mcpOAuthRequired(let request):
            guard let handler = config.onMcpAuthRequest else { return }
            track { await self.authorize(request, handler: handler) }
        default:
            break
        }
    }

    private func runTool(_ tool: Tool, _ invocation: ToolInvocation, requestID: String) async {
        var answer = PendingToolCallAnswer(sessionId: id, requestId: requestID)
        do {
            let result = try await tool.handler(invocation)
            var object: [String: JSONValue] = ["textResultForLlm": .string(result.textResultForLlm), "resultType": .string(result.resultType.rawValue)]
            if let error = result.error { object["error"] = .string(error) }
            answer.result = .object(object)
        } catch {
            answer.error = String(describing: error)
        }
        _ = try? await runtime.call(RPC.sessionToolsHandlePendingToolCall, answer)
    }

    private func decide(_ request: SessionEvent.PermissionRequested, handler: PermissionHandler) async {
        let decision: PermissionDecision
        do {
            decision = try await handler(request.permissionRequest, PermissionInvocation(sessionId: id, requestId: request.requestId))
        } catch {
            decision = .userNotAvailable
        }
        let answer = PendingPermissionAnswer(
            sessionId: id, requestId: request.requestId, result: .init(kind: decision.kind, feedback: decision.feedback))
        _ = try? await runtime.call(RPC.sessionPermissionsHandlePendingPermissionRequest, answer)
    }

    private func fill(_ request: SessionEvent.ElicitationRequested, handler: ElicitationHandler) async {
        let form = ElicitationRequest(
            requestId: request.requestId, message: request.message, requestedSchema: request.requestedSchema, mode: request.mode ?? "form",
            source: request.elicitationSource, url: request.url, toolCallId: request.toolCallId)
        let answer = (try? await handler(form)) ?? .cancel
        let result = UIElicitationResult(action: answer.action.rawValue, content: answer.content.map { .object($0) })
        _ = try? await runtime.call(
            RPC.sessionUIHandlePendingElicitation, HandlePendingElicitationParams(sessionId: id, requestId: request.requestId, result: result))
    }

    private func authorize(_ request: SessionEvent.MCPOAuthRequired, handler: MCPAuthHandler) async {
        let asked = MCPAuthRequest(
            requestId: request.requestId, serverName: request.serverName, serverURL: request.serverUrl,
            reason: MCPAuthRequest.Reason(rawValue: request.reason) ?? .initial, challenge: request.wwwAuthenticateParams ?? [:],
            resourceMetadata: request.resourceMetadata)
        let answer: MCPOAuthAnswerParams.Answer =
            switch (try? await handler(asked)) ?? .cancelled {
            case .token(let token, let type): .init(kind: "token", accessToken: token, tokenType: type ?? "Bearer")
            case .cancelled: .init(kind: "cancelled")
            }
        _ = try? await runtime.call(
            RPC.sessionMCPOAuthHandlePendingRequest, MCPOAuthAnswerParams(sessionId: id, requestId: request.requestId, result: answer))
    }

    /// Runs one of this session's hooks for `hooks.invoke`; `{}` when there is none.
    func invokeHook(type: String, input: JSONValue) async throws -> HookInvocationResult {
        guard let hooks = config.hooks, let point = HookPoints.named(type) else { return HookInvocationResult() }
        return HookInvocationResult(output: try await point.run(hooks, input: input))
    }
}
