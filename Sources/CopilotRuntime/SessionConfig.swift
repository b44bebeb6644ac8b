public import CopilotCore
public import CopilotProviders
import Foundation

/// Everything a new session needs: model, provider, prompt, tools and the permission handler.
public struct SessionConfig: Sendable {
    /// A session id to use; a UUID is generated when `nil`.
    public var sessionId: String?
    /// The model (or Azure deployment) name. Required when a provider is set.
    public var model: String?
    /// Where model calls go (BYOK).
    public var provider: ProviderConfig?
    /// Changes to the system prompt.
    public var systemMessage: SystemMessage?
    /// Tools the model may call.
    public var tools: [Tool]
    /// The runtime's own file and shell tools to offer (none by default).
    public var builtInTools: Set<BuiltInTool>
    /// When set, only tools with these names are offered (app, built-in and `ask_user` alike).
    public var availableTools: [String]?
    /// Tools never offered; wins over ``availableTools``.
    public var excludedTools: [String]?
    /// Emit `assistant.message_delta` / `assistant.reasoning_delta` events as the answer streams.
    public var streaming: Bool
    /// Asked before any tool runs. Without one, tool calls are denied and the model is told so.
    public var onPermissionRequest: PermissionHandler?
    /// Callbacks at fixed points of the loop (before and after tools, on prompts, start, end, errors).
    public var hooks: SessionHooks?
    /// MCP servers whose tools the session offers, by name (see ``MCPServerConfig``).
    public var mcpServers: [String: MCPServerConfig] = [:]
    /// Starts ``mcpServers`` (set by the client or server that runs the session).
    package var mcpConnector: (any MCPConnector)?
    /// Servers of ``mcpServers`` not to start (`disabledMcpServers`), listed as disabled until enabled.
    package var disabledMCPServers: [String] = []
    /// How stdio MCP servers' `env` values are read (`envValueMode`).
    package var mcpEnvValueMode: MCPEnvValueMode = .direct
    /// Answers the agent's questions; when set, the model is offered the `ask_user` tool.
    public var onUserInputRequest: UserInputHandler?
    /// Answers forms: an MCP server's `elicitation/create`, or the app's own
    /// (`CopilotSession.elicit`). Without one, servers' requests are declined.
    public var onElicitationRequest: ElicitationHandler?
    /// Gets OAuth access tokens for remote MCP servers that ask for them. Without one, such a
    /// server is listed as `needs-auth`.
    public var onMcpAuthRequest: MCPAuthHandler?
    /// What the model can do (from `ModelInfo`): images are refused up front when `supports.vision`
    /// is `false`, and `limits` bound the conversation.
    public var modelCapabilities: ModelCapabilities?
    /// Reasoning effort (`low`, `medium`, `high`, …) for models that support it.
    public var reasoningEffort: String?
    /// The application's name, sent in the `User-Agent` of model calls.
    public var clientName: String?
    /// Upper bound for each answer's length in tokens.
    public var maxOutputTokens: Int?
    /// The most model calls one `send` may make before the session stops with an error.
    public var maxTurns: Int
    /// The directory the session works in; reported in `session.start`.
    public var workingDirectory: String?
    /// Folders whose instruction files (`.github/copilot-instructions.md`,
    /// `.github/instructions/*.instructions.md`, `AGENTS.md`) join the system prompt.
    public var instructionDirectories: [String] = []
    /// Folders of skills: each subfolder with a `SKILL.md` (front matter `name`, `description`) is a
    /// skill the model may load with the `skill` tool.
    public var skillDirectories: [String] = []
    /// Plugin folders (``Plugin``): each adds its skills, custom agents and MCP servers to the
    /// session, as the official runtime's `--plugin-dir` does. Reported by `CopilotSession.plugins()`.
    public var pluginDirectories: [String] = []
    /// A JSON Schema every final answer must match, unless a message names its own
    /// (``MessageOptions/responseFormat``).
    public var responseFormat: ResponseFormat?
    /// Skills, by name, the model may not load (`CopilotSession.setSkill(_:enabled:)` can turn them on again).
    public var disabledSkills: [String] = []
    /// Reads the project's own configuration from the working directory, as the official runtime
    /// does: its instruction files (`.github/copilot-instructions.md`,
    /// `.github/instructions/*.instructions.md`, `AGENTS.md`) and its skills (`.github/skills`,
    /// `.claude/skills`). Off by default: nothing in the working directory shapes the prompt unasked.
    public var enableConfigDiscovery = false
    /// Agents the main agent may delegate to with the `task` tool (besides the built-in `explore`,
    /// `task` and `general-purpose`), and that the session may run as its main agent.
    public var customAgents: [CustomAgent] = []
    /// The custom agent the session starts with as its main agent; `nil` for the default agent.
    public var agent: String?
    /// Built-in agents (``CustomAgent/builtIn``) the `task` tool does not offer, by name.
    public var excludedBuiltInAgents: [String] = []
    /// Other providers, by name, whose models a custom agent may name as `provider/model`.
    public var providers: [String: ProviderConfig] = [:]
    /// Tools the default agent (the main agent when no custom agent is selected) is not offered,
    /// by name; sub-agents still get them, so the main agent delegates work that needs them.
    public var defaultAgentExcludedTools: [String] = []
    /// Sampling temperature (`0` answers alike each time); the provider's default when nil.
    public var temperature: Double?
    /// Anthropic: documents attached as blobs (PDF, plain text) are sent with citations enabled,
    /// so the answer can cite passages of them.
    public var enableCitations = false
    /// Standing permission answers of the runtime (a server's `--allow-tool`, `--yolo`…), asked before the handler.
    package var permissionRules = PermissionRules()
    /// Values scrubbed from every event before it is stored (a server's `secrets.addFilterValues`).
    package var secretFilter: SecretFilter?

    /// The default ``maxTurns``.
    public static let defaultMaxTurns = 50

    public init(
        sessionId: String? = nil,
        model: String? = nil,
        provider: ProviderConfig? = nil,
        systemMessage: SystemMessage? = nil,
        tools: [Tool] = [],
        builtInTools: Set<BuiltInTool> = [],
        availableTools: [String]? = nil,
        excludedTools: [String]? = nil,
        streaming: Bool = false,
        reasoningEffort: String? = nil,
        maxOutputTokens: Int? = nil,
        maxTurns: Int = SessionConfig.defaultMaxTurns,
        workingDirectory: String? = nil,
        hooks: SessionHooks? = nil,
        onUserInputRequest: UserInputHandler? = nil,
        onPermissionRequest: PermissionHandler? = nil
    ) {
        self.sessionId = sessionId
        self.model = model
        self.provider = provider
        self.systemMessage = systemMessage
        self.tools = tools
        self.builtInTools = builtInTools
        self.availableTools = availableTools
        self.excludedTools = excludedTools
        self.streaming = streaming
        self.reasoningEffort = reasoningEffort
        self.maxOutputTokens = maxOutputTokens
        self.maxTurns = maxTurns
        self.workingDirectory = workingDirectory
        self.onPermissionRequest = onPermissionRequest
        self.hooks = hooks
        self.onUserInputRequest = onUserInputRequest
    }
}

/// A message to send to a session.
public struct MessageOptions: Sendable, Hashable {
    /// The user's prompt.
    public var prompt: String
    /// Files and images sent with the prompt.
    public var attachments: [Attachment]
    /// What happens when the session is busy: wait for the next turn, or join the current one.
    public var mode: DeliveryMode
    /// The agent mode the message is sent in, reported in its `user.message` (`interactive`, `plan`, `autopilot`).
    public var agentMode: String?
    /// Extra HTTP headers for the model calls this message makes.
    public var requestHeaders: [String: String]
    /// A JSON Schema the final answer must match (over ``SessionConfig/responseFormat``): sent to
    /// the provider as its wire asks, checked when the answer comes, and asked for once more, with
    /// what was wrong, when it does not match.
    public var responseFormat: ResponseFormat?

    /// How a message sent while the session is busy is delivered (the official `mode`).
    public enum DeliveryMode: String, Sendable, Hashable, Codable {
        /// Wait until the current message is finished, then run as its own interaction.
        case enqueue
        /// Join the current interaction before its next model call (steering).
        case immediate
    }

    public init(
        prompt: String, attachments: [Attachment] = [], mode: DeliveryMode = .enqueue, agentMode: String? = nil,
        requestHeaders: [String: String] = [:], responseFormat: ResponseFormat? = nil
    ) {
        self.prompt = prompt
        self.attachments = attachments
        self.mode = mode
        self.agentMode = agentMode
        self.requestHeaders = requestHeaders
        self.responseFormat = responseFormat
    }
}

extension MessageOptions: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(prompt: value) }
}
