import CopilotCore
import Foundation
import CopilotRuntime

/// Where a ``CopilotSession`` runs: the in-process engine, or a runtime behind the protocol.
protocol SessionBackend: Sendable {
    /// Queues a message; returns its id.
    func send(_ options: MessageOptions) async throws -> String
    /// Cancels the message being processed.
    func abort() async
    /// Every persisted (non-ephemeral) event so far, in order.
    func messages() async throws -> [SessionEvent]
    /// Ends the session here (a store or the remote runtime keeps it for resuming).
    func close() async
    /// Uses another model (and reasoning effort) from the next model call.
    func setModel(_ model: String, reasoningEffort: String?) async throws
    /// The agent mode (`interactive`, `plan`, `autopilot`).
    func mode() async throws -> String
    func setMode(_ mode: String) async throws
    /// The session's name.
    func name() async throws -> String?
    func setName(_ name: String) async throws
    /// Summarises the older part of the conversation now.
    func compact() async throws -> Compaction
    /// Asks the user to fill a form, through whoever answers the session's forms.
    func elicit(message: String, requestedSchema: JSONValue?) async throws -> ElicitationResult
    /// The session's MCP servers, their status and tools.
    func mcpServers() async throws -> [MCPServerStatus]
    /// The session's skills, enabled or not.
    func skills() async throws -> [Skill]
    /// Lets the model load the skill `name`, or stops it.
    func setSkill(_ name: String, enabled: Bool) async throws
    /// Reads the skill folders again.
    func reloadSkills() async throws -> SkillDiagnostics
    /// The skills the model loaded so far.
    func invokedSkills() async throws -> [InvokedSkill]
    /// The plugins the session loaded.
    func plugins() async throws -> [PluginInfo]
    /// The custom agents, the one running as the main agent, and selecting one.
    func agents() async throws -> [AgentInfo]
    func currentAgent() async throws -> AgentInfo?
    func selectAgent(_ name: String) async throws -> AgentInfo
    func deselectAgent() async throws
    /// The sub-agents started, starting one in the background, and cancelling one.
    func agentTasks() async throws -> [AgentTaskInfo]
    func startAgentTask(type: String, prompt: String, description: String?, name: String?, model: String?) async throws -> String
    func cancelAgentTask(_ id: String) async throws -> Bool
    /// Sends the main agent a fleet-mode message.
    func startFleet(_ prompt: String?) async throws
    func removeAgentTask(_ id: String) async throws -> Bool
    func waitForAgentTasks() async throws
    /// The model and reasoning effort, and changing the effort alone.
    func currentModel() async throws -> ModelSelection
    func setReasoningEffort(_ effort: String) async throws
    /// Reports: usage, context size, the session's snapshot, whether it is busy, its queue, its tools and instructions.
    func usage() async throws -> SessionUsage
    func contextTokens() async throws -> ContextTokens
    func snapshot() async throws -> SessionSnapshot
    func isProcessing() async throws -> Bool
    func pendingMessages() async throws -> PendingMessages
    func tools() async throws -> [ToolMetadata]
    func instructionSources() async throws -> [InstructionSource]
    func summarizeForHandoff() async throws -> String
    func setWorkingDirectory(_ directory: String) async throws
    /// The persisted event log, read by cursor.
    func readEventLog(after cursor: String?, direction: EventLogDirection, types: Set<String>?, limit: Int, wait: Duration) async throws -> EventLogPage
    func eventLogTail() async throws -> String
    /// The plan and the workspace files in the session's folder.
    func readPlan() async throws -> String?
    func updatePlan(_ content: String) async throws
    func deletePlan() async throws
    func workspaceFiles() async throws -> [String]
    func readWorkspaceFile(_ path: String) async throws -> String
    func writeWorkspaceFile(_ path: String, content: String) async throws
    /// A message in the session's log.
    func log(_ message: String, level: SessionLogLevel) async throws -> String
    /// Approving every permission request, and forgetting approvals given for the session.
    func setApproveAll(_ enabled: Bool) async throws
    func resetSessionApprovals() async throws
    /// Starting, stopping, enabling and reloading the session's MCP servers.
    func startMCPServer(_ name: String, restart: Bool) async throws
    func stopMCPServer(_ name: String) async throws
    func setMCPServer(_ name: String, enabled: Bool) async throws
    func reloadMCPServers() async throws
    /// A shell command the app runs in the session (its output comes as events), and stopping it.
    func runShellCommand(_ command: String, in directory: String?) async throws -> String
    func killShellCommand(_ id: String) async throws -> Bool
}

/// An in-process session: the host runs it in this process and stores it when the client has a store.
extension SessionHost: SessionBackend {
    func send(_ options: MessageOptions) async throws -> String { try await engine.send(options) }
    func abort() async { await engine.abort() }
    func messages() async throws -> [SessionEvent] { persistedEvents }
    func setModel(_ model: String, reasoningEffort: String?) async throws { try await engine.switchModel(to: model, reasoningEffort: reasoningEffort) }
    func mode() async throws -> String { await engine.mode }
    func setMode(_ mode: String) async throws { try await engine.setMode(mode) }
    func name() async throws -> String? { await engine.name }
    func setName(_ name: String) async throws { try await engine.setName(name) }
    func compact() async throws -> Compaction {
        let (removed, tokens, summary) = try await engine.compactNow()
        return Compaction(messagesRemoved: removed, tokensRemoved: tokens, summary: summary)
    }
    func mcpServers() async throws -> [MCPServerStatus] { await engine.mcpStatus }
    func skills() async throws -> [Skill] { engine.skills.skills }
    func setSkill(_ name: String, enabled: Bool) async throws {
        guard engine.skills.setEnabled(name, enabled) else {
            throw CopilotError(code: .invalidInput, message: "Skill not found: \(name). Call skills() for the names this session has.")
        }
    }
    func reloadSkills() async throws -> SkillDiagnostics { engine.skills.reload() }
    func invokedSkills() async throws -> [InvokedSkill] { engine.skills.invoked }
    func plugins() async throws -> [PluginInfo] { engine.plugins }
    func agents() async throws -> [AgentInfo] { await engine.agents.map(\.info) }
    func currentAgent() async throws -> AgentInfo? { await engine.currentAgent?.info }
    func selectAgent(_ name: String) async throws -> AgentInfo { try await engine.selectAgent(name).info }
    func deselectAgent() async throws { await engine.deselectAgent() }
    func agentTasks() async throws -> [AgentTaskInfo] { await engine.agentTaskInfos }
    func startAgentTask(type: String, prompt: String, description: String?, name: String?, model: String?) async throws -> String {
        try await engine.startAgentTask(type: type, prompt: prompt, description: description, name: name, model: model)
    }
    func cancelAgentTask(_ id: String) async throws -> Bool { await engine.cancelAgentTask(id) }
    func startFleet(_ prompt: String?) async throws { _ = try await engine.startFleet(prompt) }
    func elicit(message: String, requestedSchema: JSONValue?) async throws -> ElicitationResult {
        try await engine.elicit(ElicitationRequest(requestId: UUID().uuidString.lowercased(), message: message, requestedSchema: requestedSchema))
    }
    func removeAgentTask(_ id: String) async throws -> Bool { await engine.removeAgentTask(id) }
    func waitForAgentTasks() async throws { await engine.waitForAgentTasks() }
    func setReasoningEffort(_ effort: String) async throws { try await engine.setReasoningEffort(effort) }
    func isProcessing() async throws -> Bool { await engine.isProcessing }
    func setWorkingDirectory(_ directory: String) async throws { try await engine.setWorkingDirectory(directory) }
    func log(_ message: String, level: SessionLogLevel) async throws -> String { await log(message, level: level, tip: nil, url: nil) }
    func setApproveAll(_ enabled: Bool) async throws { await engine.setApproveAll(enabled) }
    func resetSessionApprovals() async throws { await engine.resetSessionApprovals() }
    func killShellCommand(_ id: String) async throws -> Bool { await engine.killClientCommand(id) }
}
