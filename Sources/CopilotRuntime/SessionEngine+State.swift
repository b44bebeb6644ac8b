package import CopilotCore
import CopilotProviders
package import Foundation

/// What clients set on a session (agent mode, name, approve-all) and what the runtime counts
/// about its use (model calls, tokens, time), with the official events for each change.
struct SessionState {
    /// `interactive`, `plan` or `autopilot`.
    var mode = "interactive"
    /// The session's name, and whether a person (not a summary) chose it.
    var name: String?
    var nameIsExplicit = false
    /// When set, every permission request is approved without asking the handler.
    var approveAll = false
    /// Feature overrides a client set (`session.telemetry.setFeatureOverrides`), kept for the session.
    var featureOverrides: [String: String] = [:]
    let startedAt = Date()
    var metrics: [String: ModelMetric] = [:]
    var apiDuration: Duration = .zero
    var lastInputTokens = 0
    var lastOutputTokens = 0
    var userRequests = 0

    /// Counts one model call.
    mutating func count(_ response: ModelResponse, model: String, duration: Duration) {
        var metric = metrics[model] ?? ModelMetric()
        metric.requests.count += 1
        metric.usage.inputTokens += response.usage?.inputTokens ?? 0
        metric.usage.outputTokens += response.usage?.outputTokens ?? 0
        metric.usage.cacheReadTokens += response.usage?.cacheReadTokens ?? 0
        metric.usage.cacheWriteTokens += response.usage?.cacheWriteTokens ?? 0
        if let reasoning = response.usage?.reasoningTokens { metric.usage.reasoningTokens = (metric.usage.reasoningTokens ?? 0) + reasoning }
        metrics[model] = metric
        apiDuration += duration
        lastInputTokens = response.usage?.inputTokens ?? 0
        lastOutputTokens = response.usage?.outputTokens ?? 0
    }

    /// The agent modes there are.
    static let modes: Set<String> = ["interactive", "plan", "autopilot"]
    /// The longest session name.
    static let nameLimit = 100
}

extension SessionEngine {
    /// The context window when the model's capabilities do not say (the official runtime's default).
    static let defaultTokenLimit = 128_000

    /// The agent mode.
    package var mode: String { sessionState.mode }

    /// Sets the agent mode and emits `session.mode_changed` when it changes.
    /// - Throws: ``CopilotError`` `invalidInput` for a mode that does not exist.
    package func setMode(_ newMode: String) throws {
        guard SessionState.modes.contains(newMode) else {
            throw CopilotError(code: .invalidInput, message: "`\(newMode)` is not a mode; use interactive, plan or autopilot.")
        }
        let previous = sessionState.mode
        guard previous != newMode else { return }
        sessionState.mode = newMode
        emit(.sessionModeChanged(.init(previousMode: previous, newMode: newMode)))
    }

    /// The session's name.
    package var name: String? { sessionState.name }

    /// Names the session (a person's choice, which a summary never overrides); emits `session.title_changed`.
    /// - Throws: ``CopilotError`` `invalidInput` for an empty name or one longer than 100 characters.
    package func setName(_ raw: String) throws {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw CopilotError(code: .invalidInput, message: "A session name must not be empty.") }
        guard name.count <= SessionState.nameLimit else {
            throw CopilotError(code: .invalidInput, message: "A session name has at most \(SessionState.nameLimit) characters (this one has \(name.count)).")
        }
        sessionState.name = name
        sessionState.nameIsExplicit = true
        emit(.sessionTitleChanged(.init(title: name)))
    }

    /// Names the session from a summary, unless a person already named it. Returns whether it did.
    package func setAutomaticName(_ summary: String) -> Bool {
        let name = String(summary.trimmingCharacters(in: .whitespacesAndNewlines).prefix(SessionState.nameLimit))
        guard !name.isEmpty, !sessionState.nameIsExplicit else { return false }
        sessionState.name = name
        emit(.sessionTitleChanged(.init(title: name)))
        return true
    }

    /// Restores what earlier events set (mode, name), when a stored session resumes.
    func restoreState(from events: [SessionEvent]) {
        for event in events {
            switch event.payload {
            case .sessionModeChanged(let change): sessionState.mode = change.newMode
            case .sessionTitleChanged(let change): sessionState.name = change.title
            default: break
            }
        }
    }

    /// Uses `effort` for the next model calls.
    package func setReasoningEffort(_ effort: String) throws {
        let trimmed = effort.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw CopilotError(code: .invalidInput, message: "A reasoning effort is required (low, medium, high, …).") }
        reasoningEffort = trimmed
    }

    /// Approves every permission request without asking (or asks again, when `false`).
    package func setApproveAll(_ enabled: Bool) { sessionState.approveAll = enabled }

    /// Forgets the approvals given "for the session".
    package func resetSessionApprovals() { approvedForSession.removeAll() }

    /// Moves the session to `directory` (an existing directory) for its tools and attachments.
    /// - Throws: ``CopilotError`` `invalidInput` when it is not a directory.
    @discardableResult
    package func setWorkingDirectory(_ directory: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard directory.hasPrefix("/"), FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CopilotError(code: .invalidInput, message: "\(directory) is not an existing directory (an absolute path is needed).")
        }
        workingDirectory = directory
        return directory
    }

    /// Keeps feature overrides a client set.
    package func setFeatureOverrides(_ features: [String: String]) { sessionState.featureOverrides.merge(features) { _, new in new } }

    /// Whether a message is being answered.
    package var isProcessing: Bool { isBusy }

    /// How many model calls, tokens and how much time the session used, by model.
    package var metrics: (startedAt: Date, byModel: [String: ModelMetric], apiDuration: Duration, lastInput: Int, lastOutput: Int) {
        (sessionState.startedAt, sessionState.metrics, sessionState.apiDuration, sessionState.lastInputTokens, sessionState.lastOutputTokens)
    }

    /// The estimated size of the next request: system prompt, tool definitions and conversation.
    package var contextTokens: (system: Int, tools: Int, conversation: Int, limit: Int) {
        let scale = 4
        let system = (systemPrompt.count + scale - 1) / scale
        let tools = toolDefinitions.reduce(0) { $0 + $1.name.count + $1.description.count + $1.parameters.jsonString.count } / scale
        let conversation = history.reduce(0) { $0 + ConversationBudget.characters(of: $1) } / scale
        return (system, tools, max(conversation, history.isEmpty ? 0 : 1), budget?.limit ?? Self.defaultTokenLimit)
    }

    /// What fills the context window, by source (four characters a token, as ``contextTokens``).
    package struct ContextUsage: Sendable {
        /// The system prompt without the instruction files.
        package var systemPrompt: Int
        /// Each instruction file in the prompt, by path.
        package var instructions: [(path: String, tokens: Int)]
        /// Each tool definition offered, by name.
        package var tools: [(name: String, tokens: Int)]
        /// The conversation: each item's tokens, in order, with its role.
        package var messages: [(role: String, tokens: Int)]
        package var promptLimit: Int
        /// Tokens kept free for the answer.
        package var outputReserve: Int
        /// Whether the limit comes from the model's capabilities (else the default).
        package var limitFromModel: Bool
        package var model: String?
    }

    /// The context window as the next request would fill it.
    package var contextUsage: ContextUsage {
        let tokens = contextTokens
        let instructions = instructionSources.map { (path: $0.path, tokens: ($0.content.count + 3) / 4) }
        let tools = toolDefinitions.map { (name: $0.name, tokens: ($0.name.count + $0.description.count + $0.parameters.jsonString.count + 3) / 4) }
        let messages = history.map { item in (role: item.roleName, tokens: (ConversationBudget.characters(of: item) + 3) / 4) }
        return ContextUsage(
            systemPrompt: max(tokens.system - instructions.reduce(0) { $0 + $1.tokens }, 0), instructions: instructions, tools: tools,
            messages: messages, promptLimit: tokens.limit, outputReserve: maxOutputTokensSetting ?? 0, limitFromModel: budget != nil,
            model: reportedModel)
    }

    /// `session.usage_info` for the conversation as it stands.
    func usageInfo() -> SessionEvent.SessionUsageInfo {
        let tokens = contextTokens
        let read = sessionState.metrics.values.reduce(0) { $0 + $1.usage.cacheReadTokens }
        let written = sessionState.metrics.values.reduce(0) { $0 + $1.usage.cacheWriteTokens }
        return .init(
            currentTokens: tokens.system + tokens.tools + tokens.conversation, messagesLength: history.count, tokenLimit: tokens.limit,
            systemTokens: tokens.system, conversationTokens: tokens.conversation, toolDefinitionsTokens: tokens.tools,
            cacheReadTokens: read + written > 0 ? read : nil, cacheWriteTokens: read + written > 0 ? written : nil)
    }

    /// Emits `session.context_changed` for `context` (a client's report of where the session works).
    package func recordContextChange(_ context: SessionEvent.SessionContextChanged) {
        emit(.sessionContextChanged(context))
    }

    /// Emits `session.shutdown` with what the session used; the caller closes the session after it.
    package func reportShutdown(type: String, reason: String?) {
        let metrics = self.metrics
        emit(.sessionShutdown(.init(
            shutdownType: type, errorReason: type == "error" ? reason : nil,
            sessionStartTime: Int(metrics.startedAt.timeIntervalSince1970 * 1000),
            totalApiDurationMs: Self.milliseconds(metrics.apiDuration), codeChanges: .init(),
            modelMetrics: metrics.byModel, currentModel: model)))
    }
}

extension ConversationItem {
    /// `user`, `assistant` or `tool`, as a context breakdown names a message.
    var roleName: String {
        switch self {
        case .user: "user"
        case .assistant: "assistant"
        case .toolResult: "tool"
        }
    }
}
