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
    /// After a tool ran: replace its result; add context.
    public var onPostToolUse: (@Sendable (PostToolUseInput) async throws -> PostToolUseOutput?)?
    /// When a prompt arrives: replace it or add context.
    public var onUserPromptSubmitted: (@Sendable (UserPromptSubmittedInput) async throws -> UserPromptSubmittedOutput?)?
    /// When the session starts: may add context to the system prompt.
    public var onSessionStart: (@Sendable (SessionStartInput) async throws -> SessionStartOutput?)?
    /// When the session ends (disconnect): may give the summary the session is stored and listed under.
    public var onSessionEnd: (@Sendable (SessionEndInput) async throws -> SessionEndOutput?)?
    /// When a model call fails: retry it, skip it quietly, or abort.
    public var onErrorOccurred: (@Sendable (ErrorOccurredInput) async throws -> ErrorOccurredOutput?)?
    /// Before a call goes to an MCP server (after its permission): set, replace or remove the
    /// request's `_meta`.
    public var onPreMcpToolCall: (@Sendable (PreMcpToolCallInput) async throws -> PreMcpToolCallOutput?)?
    /// How long one hook may take.
    public var timeout: Duration

    public init(
        onPreToolUse: (@Sendable (PreToolUseInput) async throws -> PreToolUseOutput?)? = nil,
        onPostToolUse: (@Sendable (PostToolUseInput) async throws -> PostToolUseOutput?)? = nil,
        onUserPromptSubmitted: (@Sendable (UserPromptSubmittedInput) async throws -> UserPromptSubmittedOutput?)? = nil,
        onSessionStart: (@Sendable (SessionStartInput) async throws -> SessionStartOutput?)? = nil,
        onSessionEnd: (@Sendable (SessionEndInput) async throws -> SessionEndOutput?)? = nil,
        onErrorOccurred: (@Sendable (ErrorOccurredInput) async throws -> ErrorOccurredOutput?)? = nil,
        onPreMcpToolCall: (@Sendable (PreMcpToolCallInput) async throws -> PreMcpToolCallOutput?)? = nil,
        timeout: Duration = .seconds(30)
    ) {
        self.onPreToolUse = onPreToolUse
        self.onPostToolUse = onPostToolUse
        self.onUserPromptSubmitted = onUserPromptSubmitted
        self.onSessionStart = onSessionStart
        self.onSessionEnd = onSessionEnd
        self.onErrorOccurred = onErrorOccurred
        self.onPreMcpToolCall = onPreMcpToolCall
        self.timeout = timeout
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
    public var toolResult: String
}

public struct PostToolUseOutput: Sendable, Hashable, Codable {
    /// The text the model sees instead of the tool's.
    public var modifiedResult: String?
    public var additionalContext: String?

    public init(modifiedResult: String? = nil, additionalContext: String? = nil) {
        self.modifiedResult = modifiedResult
        self.additionalContext = additionalContext
    }
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

public struct SessionStartInput: HookInput, Hashable {
    public var sessionId: String
    /// `new` or `resume`.
    public var source: String
}

public struct SessionStartOutput: Sendable, Hashable, Codable {
    /// Text appended to the system prompt for the whole session.
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
