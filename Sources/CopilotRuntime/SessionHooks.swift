public import CopilotCore
import CopilotProviders

/// Optional callbacks at fixed points of the agent loop; each may change what happens next.
///
/// A hook returns `nil` to keep the default. A hook that throws, or takes longer than
/// ``timeout``, is reported as a `session.error`-free warning and treated as `nil` — never a hang.
/// Inputs and outputs encode with the official field names, so a protocol server can forward them.
public struct SessionHooks: Sendable {
    /// Before a tool runs: allow, deny or ask; change its arguments; add context for the model.
    public var onPreToolUse: (@Sendable (PreToolUseInput) async throws -> PreToolUseOutput?)?
    /// After a tool ran successfully: replace its result; add context.
    public var onPostToolUse: (@Sendable (PostToolUseInput) async throws -> PostToolUseOutput?)?
    /// After a tool call failed (result type `failure`; not denials or rejections): add context
    /// for the model beside the failure.
    public var onPostToolUseFailure: (@Sendable (PostToolUseFailureInput) async throws -> PostToolUseFailureOutput?)?
    /// When a prompt arrives: replace it or add context.
    public var onUserPromptSubmitted: (@Sendable (UserPromptSubmittedInput) async throws -> UserPromptSubmittedOutput?)?
    /// After the prompt was turned into the message the model gets (with the current date and
    /// time), before it is sent or stored: replace that message.
    public var onUserPromptTransformed: (@Sendable (UserPromptTransformedInput) async throws -> UserPromptTransformedOutput?)?
    /// When the session starts: may add context the model sees before the first prompt.
    public var onSessionStart: (@Sendable (SessionStartInput) async throws -> SessionStartOutput?)?
    /// When the session ends (disconnect): may give the summary the session is stored and listed under.
    public var onSessionEnd: (@Sendable (SessionEndInput) async throws -> SessionEndOutput?)?
    /// When a model call fails: retry it, skip it quietly, or abort.
    public var onErrorOccurred: (@Sendable (ErrorOccurredInput) async throws -> ErrorOccurredOutput?)?
    /// Before a call goes to an MCP server (after its permission): set, replace or remove the
    /// request's `_meta`.
    public var onPreMcpToolCall: (@Sendable (PreMcpToolCallInput) async throws -> PreMcpToolCallOutput?)?
    /// When the agent has answered and is about to stop (not after an abort or an error): may
    /// keep it working, with a reason the model gets as the next user message.
    public var onAgentStop: (@Sendable (AgentStopInput) async throws -> AgentStopOutput?)?
    /// When a sub-agent starts (the `task` tool): may add context to the start of its task.
    public var onSubagentStart: (@Sendable (SubagentStartInput) async throws -> SubagentStartOutput?)?
    /// When a sub-agent has answered: may keep it working, or change the answer the parent gets.
    public var onSubagentStop: (@Sendable (SubagentStopInput) async throws -> SubagentStopOutput?)?
    /// How long one hook may take.
    public var timeout: Duration

    public init(
        onPreToolUse: (@Sendable (PreToolUseInput) async throws -> PreToolUseOutput?)? = nil,
        onPostToolUse: (@Sendable (PostToolUseInput) async throws -> PostToolUseOutput?)? = nil,
        onPostToolUseFailure: (@Sendable (PostToolUseFailureInput) async throws -> PostToolUseFailureOutput?)? = nil,
        onUserPromptSubmitted: (@Sendable (UserPromptSubmittedInput) async throws -> UserPromptSubmittedOutput?)? = nil,
        onUserPromptTransformed: (@Sendable (UserPromptTransformedInput) async throws -> UserPromptTransformedOutput?)? = nil,
        onSessionStart: (@Sendable (SessionStartInput) async throws -> SessionStartOutput?)? = nil,
        onSessionEnd: (@Sendable (SessionEndInput) async throws -> SessionEndOutput?)? = nil,
        onErrorOccurred: (@Sendable (ErrorOccurredInput) async throws -> ErrorOccurredOutput?)? = nil,
        onPreMcpToolCall: (@Sendable (PreMcpToolCallInput) async throws -> PreMcpToolCallOutput?)? = nil,
        onAgentStop: (@Sendable (AgentStopInput) async throws -> AgentStopOutput?)? = nil,
        onSubagentStart: (@Sendable (SubagentStartInput) async throws -> SubagentStartOutput?)? = nil,
        onSubagentStop: (@Sendable (SubagentStopInput) async throws -> SubagentStopOutput?)? = nil,
        timeout: Duration = .seconds(30)
    ) {
        self.onPreToolUse = onPreToolUse
        self.onPostToolUse = onPostToolUse
        self.onPostToolUseFailure = onPostToolUseFailure
        self.onUserPromptSubmitted = onUserPromptSubmitted
        self.onUserPromptTransformed = onUserPromptTransformed
        self.onSessionStart = onSessionStart
        self.onSessionEnd = onSessionEnd
        self.onErrorOccurred = onErrorOccurred
        self.onPreMcpToolCall = onPreMcpToolCall
        self.onAgentStop = onAgentStop
        self.onSubagentStart = onSubagentStart
        self.onSubagentStop = onSubagentStop
        self.timeout = timeout
    }
}

public struct AgentStopInput: HookInput, Hashable {
    public var sessionId: String
    /// Why the agent stopped: `end_turn` (it answered without calling a tool).
    public var stopReason: String?
    /// Where the session's event log is stored, when it is in a file.
    public var transcriptPath: String?
    /// Whether this stop follows one this hook blocked, so a handler can let the agent stop.
    public var stopHookActive: Bool?
}

public struct AgentStopOutput: Sendable, Hashable, Codable {
    /// `block` keeps the agent working.
    public var decision: String?
    /// What the model is told to do next (a user message), when the decision is `block`.
    public var reason: String?

    public init(decision: String? = nil, reason: String? = nil) {
        self.decision = decision
        self.reason = reason
    }

    /// Keeps the agent working on `reason`.
    public static func block(_ reason: String) -> AgentStopOutput { AgentStopOutput(decision: "block", reason: reason) }
}

public struct SubagentStartInput: HookInput, Hashable {
    /// The parent session's id.
    public var sessionId: String
    public var agentName: String
    public var agentDisplayName: String?
    public var agentDescription: String?
    /// The sub-agent's id (its events carry it).
    public var agentId: String
    public var transcriptPath: String?
}

public struct SubagentStartOutput: Sendable, Hashable, Codable {
    /// Context put before the sub-agent's task.
    public var additionalContext: String?
    public init(additionalContext: String? = nil) { self.additionalContext = additionalContext }
}

public struct SubagentStopInput: HookInput, Hashable {
    /// The parent session's id.
    public var sessionId: String
    public var agentName: String
    public var agentDisplayName: String?
    public var agentType: String
    public var agentId: String
    /// `end_turn`.
    public var stopReason: String
    /// The sub-agent's answer.
    public var response: String
    public var transcriptPath: String?
}

public struct SubagentStopOutput: Sendable, Hashable, Codable {
    /// `block` keeps the sub-agent working on ``reason``; `allow` (or none) lets it stop.
    public var decision: String?
    public var reason: String?
    /// The answer the parent gets instead.
    public var modifiedResponse: String?

    public init(decision: String? = nil, reason: String? = nil, modifiedResponse: String? = nil) {
        self.decision = decision
        self.reason = reason
        self.modifiedResponse = modifiedResponse
    }
}

/// What every hook input carries.
public protocol HookInput: Sendable, Codable {
    var sessionId: String { get }
}

public struct PreToolUseInput: HookInput, Hashable {
    public var sessionId: String
    public var toolName: String
    public var toolArgs: JSONValue
    public var toolCallId: String
}

public struct PreToolUseOutput: Sendable, Hashable, Codable {
    /// `allow`, `deny` or `ask` (ask the permission handler as usual).
    public var permissionDecision: String?
    public var permissionDecisionReason: String?
    /// Arguments to run the tool with instead of the model's.
    public var modifiedArgs: JSONValue?
    /// Text appended to the tool's result for the model.
    public var additionalContext: String?

    public init(permissionDecision: String? = nil, permissionDecisionReason: String? = nil, modifiedArgs: JSONValue? = nil, additionalContext: String? = nil) {
        self.permissionDecision = permissionDecision
        self.permissionDecisionReason = permissionDecisionReason
        self.modifiedArgs = modifiedArgs
        self.additionalContext = additionalContext
    }
}

public struct PostToolUseInput: HookInput, Hashable {
    public var sessionId: String
    public var toolName: String
    public var toolArgs: JSONValue
    /// What the tool returned.
    public var toolResult: ToolResult
}

public struct PostToolUseOutput: Sendable, Hashable, Codable {
    /// The result the model gets instead of the tool's (its type too: a `failure` here is a failed call).
    public var modifiedResult: ToolResult?
    /// Text appended to the result for the model.
    public var additionalContext: String?

    public init(modifiedResult: ToolResult? = nil, additionalContext: String? = nil) {
        self.modifiedResult = modifiedResult
        self.additionalContext = additionalContext
    }
}

public struct PostToolUseFailureInput: HookInput, Hashable {
    public var sessionId: String
    public var toolName: String
    public var toolArgs: JSONValue
    /// Why the call failed (the result's error, else its text).
    public var error: String
}

public struct PostToolUseFailureOutput: Sendable, Hashable, Codable {
    /// Text appended to the failure the model gets.
    public var additionalContext: String?
    public init(additionalContext: String? = nil) { self.additionalContext = additionalContext }
}

public struct UserPromptSubmittedInput: HookInput, Hashable {
    public var sessionId: String
    public var prompt: String
}

public struct UserPromptSubmittedOutput: Sendable, Hashable, Codable {
    public var modifiedPrompt: String?
    public var additionalContext: String?

    public init(modifiedPrompt: String? = nil, additionalContext: String? = nil) {
        self.modifiedPrompt = modifiedPrompt
        self.additionalContext = additionalContext
    }
}

public struct UserPromptTransformedInput: HookInput, Hashable {
    public var sessionId: String
    /// The prompt as submitted (after `userPromptSubmitted`).
    public var prompt: String
    /// The message the model would get: the prompt and the current date and time.
    public var transformedPrompt: String
}

public struct UserPromptTransformedOutput: Sendable, Hashable, Codable {
    /// The message the model gets instead (the `user.message` event keeps the prompt as submitted).
    public var modifiedTransformedPrompt: String?
    public init(modifiedTransformedPrompt: String? = nil) { self.modifiedTransformedPrompt = modifiedTransformedPrompt }
}

public struct SessionStartInput: HookInput, Hashable {
    public var sessionId: String
    /// `new` or `resume`.
    public var source: String
}

public struct SessionStartOutput: Sendable, Hashable, Codable {
    /// Context the model gets as a user message before the session's first prompt.
    public var additionalContext: String?
    public init(additionalContext: String? = nil) { self.additionalContext = additionalContext }
}

public struct SessionEndInput: HookInput, Hashable {
    public var sessionId: String
    /// `complete`, `error`, `abort`, `timeout` or `user_exit`.
    public var reason: String
}

public struct SessionEndOutput: Sendable, Hashable, Codable {
    /// Replaces the session's summary (what session lists show), recorded as `session.task_complete`.
    public var sessionSummary: String?
    public init(sessionSummary: String? = nil) { self.sessionSummary = sessionSummary }
}

public struct ErrorOccurredInput: HookInput, Hashable {
    public var sessionId: String
    public var error: String
    /// `model_call`, `tool_execution`, `system` or `user_input`.
    public var errorContext: String
    public var recoverable: Bool
}

public struct ErrorOccurredOutput: Sendable, Hashable, Codable {
    /// `retry` the failed call, `skip` it (end the message without an error), or `abort`.
    public var errorHandling: String?
    /// How many times to retry (default 1).
    public var retryCount: Int?

    public init(errorHandling: String? = nil, retryCount: Int? = nil) {
        self.errorHandling = errorHandling
        self.retryCount = retryCount
    }
}

public struct PreMcpToolCallInput: HookInput, Hashable {
    public var sessionId: String
    /// The MCP server's name in the session's config.
    public var serverName: String
    /// The tool's own name on the server (not the `SERVER-TOOL` name the model used).
    public var toolName: String
    public var arguments: JSONValue
    public var toolCallId: String?
    /// The request's `_meta` as it stands (nil: none).
    public var meta: JSONValue?

    public init(sessionId: String, serverName: String, toolName: String, arguments: JSONValue, toolCallId: String?, meta: JSONValue?) {
        self.sessionId = sessionId
        self.serverName = serverName
        self.toolName = toolName
        self.arguments = arguments
        self.toolCallId = toolCallId
        self.meta = meta
    }

    private enum CodingKeys: String, CodingKey {
        case sessionId, serverName, toolName, arguments, toolCallId
        case meta = "_meta"
    }
}

/// What a `preMcpToolCall` hook decides about the request's `_meta` (`metaToUse` on the wire: absent
/// keeps it, an object replaces it, `null` removes it).
public struct PreMcpToolCallOutput: Sendable, Hashable, Codable {
    public enum Meta: Sendable, Hashable {
        case keep
        case replace([String: JSONValue])
        case remove
    }

    public var meta: Meta

    public init(meta: Meta) { self.meta = meta }

    private enum CodingKeys: String, CodingKey { case metaToUse }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if !container.contains(.metaToUse) {
            meta = .keep
        } else if try container.decodeNil(forKey: .metaToUse) {
            meta = .remove
        } else {
            meta = .replace(try container.decode([String: JSONValue].self, forKey: .metaToUse))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch meta {
        case .keep: break
        case .replace(let fields): try container.encode(fields, forKey: .metaToUse)
        case .remove: try container.encodeNil(forKey: .metaToUse)
        }
    }
}
