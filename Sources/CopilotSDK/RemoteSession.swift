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
