package import CopilotCore

/// `session.create` and `session.resume` params, in the official field names.
///
/// Decoding is strict about types (a `tools` that is not an array, an integer `sessionId`, fail) and
/// keeps the names of every field this runtime does not act on in ``unsupportedFields``, so the
/// session can say so instead of dropping them in silence.
package struct SessionCreateParams: Codable, Sendable, Hashable {
    package var sessionId: String?
    package var model: String?
    package var provider: Provider?
    /// Named providers (each with a `name`), for the models of ``models``.
    package var providers: [Provider]?
    /// Models served by named providers; the session's `model` picks one as `provider/id`.
    package var models: [ProviderModel]?
    /// Anthropic: documents (PDF and text files attached as blobs) are sent with citations on.
    package var enableCitations: Bool?
    package var systemMessage: SystemMessageParams?
    package var tools: [ToolParams]?
    package var availableTools: [String]?
    package var excludedTools: [String]?
    /// `excluded` (what the official SDKs send): when a name is in both lists, it is excluded.
    package var toolFilterPrecedence: String?
    package var streaming: Bool?
    package var reasoningEffort: String?
    package var workingDirectory: String?
    package var modelCapabilities: ModelCapabilitiesParams?
    /// The client has hooks: the runtime calls `hooks.invoke` at each hook point.
    package var hooks: Bool?
    /// The client answers permission requests.
    package var requestPermission: Bool?
    /// The client answers `ask_user` questions (`userInput.request`).
    package var requestUserInput: Bool?
    /// This client answers forms (`elicitation.requested` → `session.ui.handlePendingElicitation`).
    package var requestElicitation: Bool?
    /// This client shows MCP Apps: `session.mcp.apps.*` calls work for the session.
    package var requestMcpApps: Bool?
    /// The slash commands this client offers (`commands.changed` tells the session's other clients).
    package var commands: [Command]?

    package struct Command: Codable, Sendable, Hashable {
        package var name: String
        package var description: String?
    }
    /// This runtime's own: the built-in tools to offer (`view`, `bash`, …); when absent, the
    /// official runtime's default set (what the official SDKs, which never send it, expect).
    package var builtInTools: [String]?
    /// This runtime's own: the most model calls one message may make.
    package var maxTurns: Int?
    /// This runtime's own: the longest answer, in tokens.
    package var maxOutputTokens: Int?
    /// This runtime's own: the sampling temperature.
    package var temperature: Double?
    /// Resume only: do not emit `session.resume`.
    package var disableResume: Bool?
    /// The application's name, for the `User-Agent` of model calls.
    package var clientName: String?
    /// `{excludedTools?}`: tools the default agent is not offered.
    package var defaultAgent: DefaultAgent?
    /// Folders whose instruction files join the system prompt.
    package var instructionDirectories: [String]?
    /// Folders of skills (`SKILL.md` in each subfolder).
    package var skillDirectories: [String]?
    /// Plugin folders the session loads. This runtime's own field (the official runtime takes
    /// plugins as `--plugin-dir` and `plugins.builtin.set` only); the Swift client sends it.
    package var pluginDirectories: [String]?
    /// A JSON Schema every answer must match. This runtime's own field, as ``pluginDirectories``.
    package var responseFormat: ResponseFormat?
    /// Skills the model may not load, by name.
    package var disabledSkills: [String]?
    /// Read the working directory's own instruction files and skills.
    package var enableConfigDiscovery: Bool?
    /// Agents the main agent may delegate to (`task`) or run as.
    package var customAgents: [CustomAgentParams]?
    /// The custom agent the session starts with.
    package var agent: String?
    /// Built-in agents the `task` tool does not offer.
    package var excludedBuiltinAgents: [String]?

    /// One custom agent, as the official SDKs send it.
    package struct CustomAgentParams: Codable, Sendable, Hashable {
        package var name: String
        package var displayName: String?
        package var description: String?
        package var prompt: String?
        package var tools: [String]?
        package var infer: Bool?
        package var skills: [String]?
        package var model: String?
        package var reasoningEffort: String?
        package var mcpServers: [String: MCPServerParams]?

        package init(
            name: String, displayName: String? = nil, description: String? = nil, prompt: String? = nil, tools: [String]? = nil,
            infer: Bool? = nil, skills: [String]? = nil, model: String? = nil, reasoningEffort: String? = nil,
            mcpServers: [String: MCPServerParams]? = nil
        ) {
            self.mcpServers = mcpServers
            self.name = name
            self.displayName = displayName
            self.description = description
            self.prompt = prompt
            self.tools = tools
            self.infer = infer
            self.skills = skills
            self.model = model
            self.reasoningEffort = reasoningEffort
        }
    }
    /// MCP servers by name.
    package var mcpServers: [String: MCPServerParams]?
    /// Names of ``mcpServers`` not to start.
    package var disabledMcpServers: [String]?
    /// How stdio MCP servers' `env` values are read: `direct` (the values) or `indirect` (names of
    /// the runtime's environment variables).
    package var envValueMode: String?

    /// One MCP server, as the official SDKs send it: `type` (`local`/`stdio`, the default, or
    /// `http`/`sse`), `command`/`args`/`env`/`cwd` or `url`/`headers`, `tools` and `timeout` (ms).
    package struct MCPServerParams: Codable, Sendable, Hashable {
        package var type: String?
        package var command: String?
        package var args: [String]?
        package var env: [String: String]?
        package var cwd: String?
        package var url: String?
        package var headers: [String: String]?
        package var tools: [String]?
        package var timeout: Double?

        package init(
            type: String? = nil, command: String? = nil, args: [String]? = nil, env: [String: String]? = nil, cwd: String? = nil,
            url: String? = nil, headers: [String: String]? = nil, tools: [String]? = nil, timeout: Double? = nil
        ) {
            self.type = type
            self.command = command
            self.args = args
            self.env = env
            self.cwd = cwd
            self.url = url
            self.headers = headers
            self.tools = tools
            self.timeout = timeout
        }
    }

    package struct DefaultAgent: Codable, Sendable, Hashable {
        package var excludedTools: [String]?
        package init(excludedTools: [String]?) { self.excludedTools = excludedTools }
    }
    /// Fields this runtime received but does not act on (set only by decoding).
    package var unsupportedFields: [String] = []

    package struct Provider: Codable, Sendable, Hashable {
        /// A named provider's name (``SessionCreateParams/providers``); never contains `/`.
        package var name: String?
        package var type: String?
        package var baseUrl: String?
        package var apiKey: String?
        package var bearerToken: String?
        package var wireApi: String?
        package var azure: Azure?
        package var headers: [String: String]?
        /// The client answers `providerToken.getToken` before each request.
        package var hasBearerTokenProvider: Bool?
        package var modelId: String?
        package var wireModel: String?
        /// Prompt caching on or off (this runtime's own field; absent: the provider's default).
        package var promptCaching: Bool?

        package struct Azure: Codable, Sendable, Hashable {
            package var apiVersion: String?
            package init(apiVersion: String?) { self.apiVersion = apiVersion }
        }

        package init(
            type: String?, baseUrl: String?, apiKey: String? = nil, bearerToken: String? = nil, wireApi: String? = nil,
            azure: Azure? = nil, headers: [String: String]? = nil, hasBearerTokenProvider: Bool? = nil
        ) {
            self.type = type
            self.baseUrl = baseUrl
            self.apiKey = apiKey
            self.bearerToken = bearerToken
            self.wireApi = wireApi
            self.azure = azure
            self.headers = headers
            self.hasBearerTokenProvider = hasBearerTokenProvider
        }
    }

    /// A model one of the named providers serves: selected as `provider/id`.
    package struct ProviderModel: Codable, Sendable, Hashable {
        package var id: String
        package var provider: String
        /// The name sent to the provider; `id` when absent.
        package var wireModel: String?
        package var modelId: String?
        package var name: String?
        package var maxPromptTokens: Int?
        package var maxContextWindowTokens: Int?
        package var maxOutputTokens: Int?
        package var capabilities: ModelCapabilitiesParams?

        package init(id: String, provider: String, wireModel: String? = nil) {
            self.id = id
            self.provider = provider
            self.wireModel = wireModel
        }

        /// How the session names it: `provider/id`.
        package var selectionID: String { "\(provider)/\(id)" }
    }

    /// `{mode: append|replace|customize, content?, sections?}`.
    package struct SystemMessageParams: Codable, Sendable, Hashable {
        package var mode: String?
        package var content: String?
        /// `customize`: what to do with each section, by its official id.
        package var sections: [String: Section]?

        /// `{action: replace|remove|append|prepend|preserve|transform, content?}`.
        package struct Section: Codable, Sendable, Hashable {
            package var action: String
            package var content: String?
            package init(action: String, content: String? = nil) {
                self.action = action
                self.content = content
            }
        }

        package init(mode: String?, content: String?, sections: [String: Section]? = nil) {
            self.mode = mode
            self.content = content
            self.sections = sections
        }
    }

    /// A tool the client defines and runs.
    package struct ToolParams: Codable, Sendable, Hashable {
        package var name: String
        package var description: String?
        package var parameters: JSONValue?
        package var skipPermission: Bool?
        package var overridesBuiltInTool: Bool?
        package init(name: String, description: String?, parameters: JSONValue?, skipPermission: Bool? = nil, overridesBuiltInTool: Bool? = nil) {
            self.name = name
            self.description = description
            self.parameters = parameters
            self.skipPermission = skipPermission
            self.overridesBuiltInTool = overridesBuiltInTool
        }
    }

    /// `{supports: {vision?, reasoningEffort?}, limits: {maxContextWindowTokens?, maxPromptTokens?, maxOutputTokens?}}`.
    package struct ModelCapabilitiesParams: Codable, Sendable, Hashable {
        package var supports: Supports?
        package var limits: Limits?

        package struct Supports: Codable, Sendable, Hashable {
            package var vision: Bool?
            package var reasoningEffort: Bool?
            package init(vision: Bool?, reasoningEffort: Bool?) {
                self.vision = vision
                self.reasoningEffort = reasoningEffort
            }
        }

        package struct Limits: Codable, Sendable, Hashable {
            package var maxContextWindowTokens: Int?
            package var maxPromptTokens: Int?
            package var maxOutputTokens: Int?
            package init(maxContextWindowTokens: Int?, maxPromptTokens: Int?, maxOutputTokens: Int? = nil) {
                self.maxContextWindowTokens = maxContextWindowTokens
                self.maxPromptTokens = maxPromptTokens
                self.maxOutputTokens = maxOutputTokens
            }
        }

        package init(supports: Supports?, limits: Limits?) {
            self.supports = supports
            self.limits = limits
        }
    }

    package init() {}

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case sessionId, model, provider, providers, models, enableCitations, systemMessage, tools, availableTools, excludedTools
        case toolFilterPrecedence, streaming
        case reasoningEffort, workingDirectory, modelCapabilities, hooks, requestPermission, requestUserInput, requestElicitation, requestMcpApps, commands, builtInTools
        case maxTurns, maxOutputTokens, temperature, disableResume, clientName, defaultAgent, instructionDirectories
        case skillDirectories, pluginDirectories, responseFormat, disabledSkills, enableConfigDiscovery, customAgents, agent, excludedBuiltinAgents
        case mcpServers, disabledMcpServers, envValueMode
    }

    /// Fields the official SDKs send that change nothing here while they hold these values.
    private static let inertValues: [String: JSONValue] = [
        "includeSubAgentStreamingEvents": true, "mcpOAuthTokenStorage": "in-memory",
        "requestExitPlanMode": false, "requestAutoModeSwitch": false, "continuePendingWork": true,
        "allowTranscriptRecovery": true,
    ]

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sessionId = try container.decodeIfPresent(String.self, forKey: .sessionId)
        if let sessionId, let problem = SessionIdentifier.problem(with: sessionId) {
            throw DecodingError.dataCorruptedError(forKey: .sessionId, in: container, debugDescription: problem)
        }
        model = try container.decodeIfPresent(String.self, forKey: .model)
        provider = try container.decodeIfPresent(Provider.self, forKey: .provider)
        providers = try container.decodeIfPresent([Provider].self, forKey: .providers)
        models = try container.decodeIfPresent([ProviderModel].self, forKey: .models)
        enableCitations = try container.decodeIfPresent(Bool.self, forKey: .enableCitations)
        systemMessage = try container.decodeIfPresent(SystemMessageParams.self, forKey: .systemMessage)
        tools = try container.decodeIfPresent([ToolParams].self, forKey: .tools)
        availableTools = try container.decodeIfPresent([String].self, forKey: .availableTools)
        excludedTools = try container.decodeIfPresent([String].self, forKey: .excludedTools)
        toolFilterPrecedence = try container.decodeIfPresent(String.self, forKey: .toolFilterPrecedence)
        streaming = try container.decodeIfPresent(Bool.self, forKey: .streaming)
        reasoningEffort = try container.decodeIfPresent(String.self, forKey: .reasoningEffort)
        workingDirectory = try container.decodeIfPresent(String.self, forKey: .workingDirectory)
        modelCapabilities = try container.decodeIfPresent(ModelCapabilitiesParams.self, forKey: .modelCapabilities)
        hooks = try container.decodeIfPresent(Bool.self, forKey: .hooks)
        requestPermission = try container.decodeIfPresent(Bool.self, forKey: .requestPermission)
        requestUserInput = try container.decodeIfPresent(Bool.self, forKey: .requestUserInput)
        requestElicitation = try container.decodeIfPresent(Bool.self, forKey: .requestElicitation)
        commands = try container.decodeIfPresent([Command].self, forKey: .commands)
        requestMcpApps = try container.decodeIfPresent(Bool.self, forKey: .requestMcpApps)
        builtInTools = try container.decodeIfPresent([String].self, forKey: .builtInTools)
        maxTurns = try container.decodeIfPresent(Int.self, forKey: .maxTurns)
        maxOutputTokens = try container.decodeIfPresent(Int.self, forKey: .maxOutputTokens)
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        disableResume = try container.decodeIfPresent(Bool.self, forKey: .disableResume)
        clientName = try container.decodeIfPresent(String.self, forKey: .clientName)
        defaultAgent = try container.decodeIfPresent(DefaultAgent.self, forKey: .defaultAgent)
        instructionDirectories = try container.decodeIfPresent([String].self, forKey: .instructionDirectories)
        skillDirectories = try container.decodeIfPresent([String].self, forKey: .skillDirectories)
        pluginDirectories = try container.decodeIfPresent([String].self, forKey: .pluginDirectories)
        responseFormat = try container.decodeIfPresent(ResponseFormat.self, forKey: .responseFormat)
        disabledSkills = try container.decodeIfPresent([String].self, forKey: .disabledSkills)
        enableConfigDiscovery = try container.decodeIfPresent(Bool.self, forKey: .enableConfigDiscovery)
        customAgents = try container.decodeIfPresent([CustomAgentParams].self, forKey: .customAgents)
        agent = try container.decodeIfPresent(String.self, forKey: .agent)
        excludedBuiltinAgents = try container.decodeIfPresent([String].self, forKey: .excludedBuiltinAgents)
        mcpServers = try container.decodeIfPresent([String: MCPServerParams].self, forKey: .mcpServers)
        disabledMcpServers = try container.decodeIfPresent([String].self, forKey: .disabledMcpServers)
        envValueMode = try container.decodeIfPresent(String.self, forKey: .envValueMode)

        let known = Set(CodingKeys.allCases.map(\.stringValue))
        let all = try decoder.container(keyedBy: AnyKey.self)
        var unsupported: [String] = []
        for key in all.allKeys where !known.contains(key.stringValue) {
            let value = try all.decode(JSONValue.self, forKey: key)
            if value == .null || Self.inertValues[key.stringValue] == value { continue }
            unsupported.append(key.stringValue)
        }
        if let precedence = toolFilterPrecedence, precedence != "excluded" { unsupported.append("toolFilterPrecedence=\(precedence)") }
        unsupportedFields = unsupported.sorted()
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(sessionId, forKey: .sessionId)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encodeIfPresent(provider, forKey: .provider)
        try container.encodeIfPresent(providers, forKey: .providers)
        try container.encodeIfPresent(models, forKey: .models)
        try container.encodeIfPresent(enableCitations, forKey: .enableCitations)
        try container.encodeIfPresent(systemMessage, forKey: .systemMessage)
        try container.encodeIfPresent(tools, forKey: .tools)
        try container.encodeIfPresent(availableTools, forKey: .availableTools)
        try container.encodeIfPresent(excludedTools, forKey: .excludedTools)
        try container.encodeIfPresent(toolFilterPrecedence, forKey: .toolFilterPrecedence)
        try container.encodeIfPresent(streaming, forKey: .streaming)
        try container.encodeIfPresent(reasoningEffort, forKey: .reasoningEffort)
        try container.encodeIfPresent(workingDirectory, forKey: .workingDirectory)
        try container.encodeIfPresent(modelCapabilities, forKey: .modelCapabilities)
        try container.encodeIfPresent(hooks, forKey: .hooks)
        try container.encodeIfPresent(requestPermission, forKey: .requestPermission)
        try container.encodeIfPresent(requestUserInput, forKey: .requestUserInput)
        try container.encodeIfPresent(requestElicitation, forKey: .requestElicitation)
        try container.encodeIfPresent(commands, forKey: .commands)
        try container.encodeIfPresent(requestMcpApps, forKey: .requestMcpApps)
        try container.encodeIfPresent(builtInTools, forKey: .builtInTools)
        try container.encodeIfPresent(maxTurns, forKey: .maxTurns)
        try container.encodeIfPresent(maxOutputTokens, forKey: .maxOutputTokens)
        try container.encodeIfPresent(temperature, forKey: .temperature)
        try container.encodeIfPresent(disableResume, forKey: .disableResume)
        try container.encodeIfPresent(clientName, forKey: .clientName)
        try container.encodeIfPresent(defaultAgent, forKey: .defaultAgent)
        try container.encodeIfPresent(instructionDirectories, forKey: .instructionDirectories)
        try container.encodeIfPresent(skillDirectories, forKey: .skillDirectories)
        try container.encodeIfPresent(pluginDirectories, forKey: .pluginDirectories)
        try container.encodeIfPresent(responseFormat, forKey: .responseFormat)
        try container.encodeIfPresent(disabledSkills, forKey: .disabledSkills)
        try container.encodeIfPresent(enableConfigDiscovery, forKey: .enableConfigDiscovery)
        try container.encodeIfPresent(customAgents, forKey: .customAgents)
        try container.encodeIfPresent(agent, forKey: .agent)
        try container.encodeIfPresent(excludedBuiltinAgents, forKey: .excludedBuiltinAgents)
        try container.encodeIfPresent(mcpServers, forKey: .mcpServers)
        try container.encodeIfPresent(disabledMcpServers, forKey: .disabledMcpServers)
        try container.encodeIfPresent(envValueMode, forKey: .envValueMode)
    }
}
