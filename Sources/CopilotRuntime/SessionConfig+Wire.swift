internal import CopilotCore
package import CopilotProtocol
package import CopilotProviders
package import Foundation

/// The one mapping between ``SessionConfig`` and the protocol's `session.create` / `session.resume`
/// params: the Swift remote client writes it, the server reads it, and a config survives the trip.
extension SessionCreateParams {
    /// The params that ask a runtime for a session configured as `config`. Callbacks (tools,
    /// handlers, hooks, token provider) stay on this side; only their presence goes over the wire.
    package init(_ config: SessionConfig, sessionId: String) throws {
        self.init()
        self.sessionId = sessionId
        model = config.model
        self.provider = config.provider.map { Provider($0) }
        // Named providers, for custom agents' `provider/model`.
        if !config.providers.isEmpty {
            providers = config.providers.sorted { $0.key < $1.key }.map { name, provider in
                var wire = Provider(provider)
                wire.name = name
                return wire
            }
        }
        switch config.systemMessage {
        case .append(let content): systemMessage = .init(mode: "append", content: content)
        case .replace(let content): systemMessage = .init(mode: "replace", content: content)
        case .customize(let edits, let content):
            // A transform stays on this side: the runtime asks for it with `systemMessage.transform`.
            systemMessage = .init(mode: "customize", content: content, sections: Dictionary(uniqueKeysWithValues: edits.map { section, edit in
                (section.rawValue, edit.wire)
            }))
        case nil: break
        }
        if !config.tools.isEmpty {
            tools = config.tools.map { tool in
                ToolParams(
                    name: tool.name, description: tool.description, parameters: tool.parameters, skipPermission: tool.skipPermission ? true : nil,
                    overridesBuiltInTool: tool.overridesBuiltInTool ? true : nil)
            }
        }
        // Left out when it is what a runtime picks for an official SDK's session anyway.
        if config.builtInTools != BuiltInTool.officialDefault(availableTools: config.availableTools) {
            builtInTools = config.builtInTools.map(\.rawValue).sorted()
        }
        availableTools = config.availableTools
        excludedTools = config.excludedTools
        toolFilterPrecedence = "excluded"
        streaming = config.streaming
        reasoningEffort = config.reasoningEffort
        enableCitations = config.enableCitations ? true : nil
        temperature = config.temperature
        clientName = config.clientName
        instructionDirectories = config.instructionDirectories.isEmpty ? nil : config.instructionDirectories
        skillDirectories = config.skillDirectories.isEmpty ? nil : config.skillDirectories
        pluginDirectories = config.pluginDirectories.isEmpty ? nil : config.pluginDirectories
        responseFormat = config.responseFormat
        disabledSkills = config.disabledSkills.isEmpty ? nil : config.disabledSkills
        enableConfigDiscovery = config.enableConfigDiscovery ? true : nil
        if !config.customAgents.isEmpty {
            customAgents = config.customAgents.map { agent in
                CustomAgentParams(
                    name: agent.name, displayName: agent.displayName, description: agent.description, prompt: agent.prompt, tools: agent.tools,
                    infer: agent.infer ? nil : false, skills: agent.skills, model: agent.model, reasoningEffort: agent.reasoningEffort,
                    mcpServers: agent.mcpServers.isEmpty ? nil : agent.mcpServers.mapValues(MCPServerParams.init))
            }
        }
        agent = config.agent
        if !config.excludedBuiltInAgents.isEmpty { excludedBuiltinAgents = config.excludedBuiltInAgents }
        if !config.defaultAgentExcludedTools.isEmpty { defaultAgent = DefaultAgent(excludedTools: config.defaultAgentExcludedTools) }
        workingDirectory = config.workingDirectory
        if !config.mcpServers.isEmpty { mcpServers = config.mcpServers.mapValues(MCPServerParams.init) }
        if !config.disabledMCPServers.isEmpty { disabledMcpServers = config.disabledMCPServers }
        if config.mcpEnvValueMode != .direct { envValueMode = config.mcpEnvValueMode.rawValue }
        if config.onElicitationRequest != nil { requestElicitation = true }
        if let capabilities = config.modelCapabilities {
            let supports = capabilities.supports
            let limits = capabilities.limits
            modelCapabilities = ModelCapabilitiesParams(
                supports: supports == ModelSupports() ? nil : .init(vision: supports.vision, reasoningEffort: supports.reasoningEffort),
                limits: limits == ModelLimits()
                    ? nil : .init(maxContextWindowTokens: limits.maxContextWindowTokens, maxPromptTokens: limits.maxPromptTokens))
        }
        if config.hooks != nil { hooks = true }
        requestPermission = config.onPermissionRequest != nil
        if config.onUserInputRequest != nil { requestUserInput = true }
        if config.maxTurns != SessionConfig.defaultMaxTurns { maxTurns = config.maxTurns }
        maxOutputTokens = config.maxOutputTokens
    }
}

/// What stands in, on the runtime's side, for the callbacks a client keeps on its own side.
package struct SessionCallbacks: Sendable {
    /// Runs the client's tool `name`.
    package var tool: @Sendable (_ name: String) -> @Sendable (ToolInvocation) async throws -> ToolResult
    package var permissionHandler: PermissionHandler
    package var userInputHandler: UserInputHandler
    package var hooks: SessionHooks
    /// Asks the client for a bearer token for the provider of that name (`default` for the session's `provider`).
    package var bearerTokenProvider: @Sendable (_ providerName: String) -> BearerTokenProvider
    /// Rewrites the text of one system prompt section (`section` is its official id).
    package var systemMessageTransform: @Sendable (_ section: String, _ content: String) async throws -> String

    package init(
        tool: @escaping @Sendable (_ name: String) -> @Sendable (ToolInvocation) async throws -> ToolResult,
        permissionHandler: PermissionHandler, userInputHandler: UserInputHandler, hooks: SessionHooks,
        bearerTokenProvider: @escaping @Sendable (_ providerName: String) -> BearerTokenProvider,
        systemMessageTransform: @escaping @Sendable (_ section: String, _ content: String) async throws -> String
    ) {
        self.tool = tool
        self.permissionHandler = permissionHandler
        self.userInputHandler = userInputHandler
        self.hooks = hooks
        self.bearerTokenProvider = bearerTokenProvider
        self.systemMessageTransform = systemMessageTransform
    }
}

extension SessionConfig {
    /// A client's tools (`tools` of `session.create` / `session.resume`), each run by that client.
    ///
    /// - Throws: ``CopilotError`` `invalidConfiguration` for a tool without a name.
    package static func tools(_ wire: [SessionCreateParams.ToolParams]?, callbacks: SessionCallbacks) throws -> [Tool] {
        try (wire ?? []).map { wire in
            guard !wire.name.isEmpty else {
                throw CopilotError(code: .invalidConfiguration, message: "Every tool needs a name.")
            }
            let parameters = wire.parameters.flatMap { $0 == .null ? nil : $0 } ?? ["type": "object", "properties": [:]]
            return Tool(
                name: wire.name, description: wire.description ?? "", parameters: parameters,
                skipPermission: wire.skipPermission == true, overridesBuiltInTool: wire.overridesBuiltInTool == true,
                handler: callbacks.tool(wire.name))
        }
    }

    /// The config `params` describe, with the client's callbacks reached through `callbacks`.
    ///
    /// - Throws: ``CopilotError`` `invalidConfiguration` for values no session can have (an unknown
    ///   provider type, wire API or built-in tool, a tool without a name).
    package init(_ params: SessionCreateParams, callbacks: SessionCallbacks) throws {
        var provider = try params.provider.map { try ProviderConfig(wire: $0, tokens: callbacks.bearerTokenProvider("default")) }
        var model = params.model ?? params.provider?.modelId ?? params.provider?.wireModel
        if let selection = model, let named = try Self.namedModel(selection, in: params, callbacks: callbacks) {
            provider = named
        } else if provider == nil, let selection = model, selection.contains("/"), params.models?.isEmpty == false {
            let known = (params.models ?? []).map(\.selectionID).joined(separator: ", ")
            throw CopilotError(code: .invalidConfiguration, message: "model `\(selection)` is not one of the session's models (\(known)).")
        }
        model = model.map { $0.trimmingCharacters(in: .whitespaces) }
        let tools = try Self.tools(params.tools, callbacks: callbacks)
        let builtIns: Set<BuiltInTool>
        if let names = params.builtInTools {
            builtIns = Set(try names.map { name in
                guard let tool = BuiltInTool(rawValue: name) else {
                    throw CopilotError(
                        code: .invalidConfiguration,
                        message: "builtInTools: `\(name)` is not one of \(BuiltInTool.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                return tool
            })
        } else {
            builtIns = BuiltInTool.officialDefault(availableTools: params.availableTools)
        }
        let systemMessage: SystemMessage?
        switch params.systemMessage?.mode {
        case nil where params.systemMessage == nil: systemMessage = nil
        case "replace": systemMessage = .replace(params.systemMessage?.content ?? "")
        case "customize":
            var edits: [SystemMessage.Section: SystemMessage.SectionEdit] = [:]
            for (id, wire) in params.systemMessage?.sections ?? [:] {
                // A section this runtime's prompt does not have is left out, as there is nothing to edit.
                guard let section = SystemMessage.Section(rawValue: id) else { continue }
                edits[section] = try SystemMessage.SectionEdit(wire: wire) { content in
                    try await callbacks.systemMessageTransform(id, content)
                }
            }
            systemMessage = .customize(edits, content: params.systemMessage?.content)
        case nil, "append": systemMessage = .append(params.systemMessage?.content ?? "")
        case let mode?:
            throw CopilotError(code: .invalidConfiguration, message: "systemMessage.mode `\(mode)` is not one of append, replace, customize.")
        }
        let capabilities = params.modelCapabilities?.capabilities
        self.init(
            sessionId: params.sessionId,
            model: model,
            provider: provider,
            systemMessage: systemMessage,
            tools: tools,
            builtInTools: builtIns,
            availableTools: params.availableTools,
            excludedTools: params.excludedTools,
            streaming: params.streaming ?? false,
            reasoningEffort: params.reasoningEffort,
            maxOutputTokens: params.maxOutputTokens ?? params.modelCapabilities?.limits?.maxOutputTokens,
            maxTurns: params.maxTurns ?? SessionConfig.defaultMaxTurns,
            workingDirectory: params.workingDirectory,
            hooks: params.hooks == true ? callbacks.hooks : nil,
            onUserInputRequest: params.requestUserInput == true ? callbacks.userInputHandler : nil,
            onPermissionRequest: params.requestPermission == true ? callbacks.permissionHandler : nil)
        modelCapabilities = capabilities
        clientName = params.clientName
        instructionDirectories = params.instructionDirectories ?? []
        skillDirectories = params.skillDirectories ?? []
        pluginDirectories = params.pluginDirectories ?? []
        responseFormat = params.responseFormat
        disabledSkills = params.disabledSkills ?? []
        enableConfigDiscovery = params.enableConfigDiscovery == true
        defaultAgentExcludedTools = params.defaultAgent?.excludedTools ?? []
        customAgents = try (params.customAgents ?? []).map { agent in
            guard let prompt = agent.prompt else {
                throw CopilotError(code: .invalidConfiguration, message: "Custom agent `\(agent.name)` needs a `prompt`.")
            }
            return CustomAgent(
                name: agent.name, displayName: agent.displayName, description: agent.description, prompt: prompt, tools: agent.tools,
                infer: agent.infer ?? true, skills: agent.skills, model: agent.model, reasoningEffort: agent.reasoningEffort,
                mcpServers: try (agent.mcpServers ?? [:]).reduce(into: [:]) { servers, entry in
                    servers[entry.key] = try MCPServerConfig(wire: entry.value, name: entry.key)
                })
        }
        agent = params.agent
        excludedBuiltInAgents = params.excludedBuiltinAgents ?? []
        for named in params.providers ?? [] {
            guard let name = named.name else { continue }
            providers[name] = try ProviderConfig(wire: named, tokens: callbacks.bearerTokenProvider(name))
        }
        enableCitations = params.enableCitations == true
        temperature = params.temperature
        let disabled = Set(params.disabledMcpServers ?? [])
        disabledMCPServers = (params.mcpServers ?? [:]).keys.filter(disabled.contains).sorted()
        mcpServers = try (params.mcpServers ?? [:]).reduce(into: [:]) { servers, entry in
            servers[entry.key] = try MCPServerConfig(wire: entry.value, name: entry.key)
        }
        if let mode = params.envValueMode {
            guard let parsed = MCPEnvValueMode(rawValue: mode) else {
                throw CopilotError(code: .invalidConfiguration, message: "envValueMode must be `direct` or `indirect`, not `\(mode)`.")
            }
            mcpEnvValueMode = parsed
        }
    }

    /// The provider of `selection` when it names one of the session's models as `provider/id`:
    /// that named provider, sending the model's wire name.
    private static func namedModel(_ selection: String, in params: SessionCreateParams, callbacks: SessionCallbacks) throws -> ProviderConfig? {
        guard let entry = params.models?.first(where: { $0.selectionID == selection }) else { return nil }
        return try ProviderConfig(named: entry, among: params.providers ?? [], callbacks: callbacks)
    }
}

extension ProviderConfig {
    /// The provider of a named provider's model (`provider/id`), sending the model's wire name
    /// (`wireModel`, else its `id`); `providers` are the named providers it may name.
    package init(named entry: SessionCreateParams.ProviderModel, among providers: [SessionCreateParams.Provider], callbacks: SessionCallbacks) throws {
        guard let wire = providers.first(where: { $0.name == entry.provider }) else {
            let names = providers.compactMap(\.name)
            throw CopilotError(
                code: .invalidConfiguration,
                message: "model `\(entry.selectionID)` names provider `\(entry.provider)`, which is not among the session's providers (\(names.joined(separator: ", "))).")
        }
        try self.init(wire: wire, tokens: callbacks.bearerTokenProvider(entry.provider))
        wireModel = entry.wireModel.flatMap { $0.isEmpty ? nil : $0 } ?? entry.id
    }
}

extension SessionCreateParams.Provider {
    /// `provider` as `session.create` describes it: a bearer token provider stays on this side (the
    /// runtime asks for tokens with `providerToken.getToken`).
    package init(_ provider: ProviderConfig) {
        self.init(
            type: provider.type?.rawValue, baseUrl: provider.baseURL, apiKey: provider.apiKey, bearerToken: provider.bearerToken,
            wireApi: provider.wireAPI?.rawValue, azure: provider.azure.map { .init(apiVersion: $0.apiVersion) },
            headers: provider.headers, hasBearerTokenProvider: provider.bearerTokenProvider == nil ? nil : true)
        wireModel = provider.wireModel
        promptCaching = provider.promptCaching
    }
}

extension ProviderConfig {
    /// A provider as `session.create` describes it; with `hasBearerTokenProvider`, `tokens` asks the
    /// client for each request's token.
    package init(wire: SessionCreateParams.Provider, tokens: BearerTokenProvider) throws {
        let type = try Self.known(ProviderType.self, wire.type, field: "provider.type")
        let wireAPI = try Self.known(WireAPI.self, wire.wireApi, field: "provider.wireApi")
        self.init(
            type: type, baseURL: wire.baseUrl ?? "", wireAPI: wireAPI, apiKey: wire.apiKey, bearerToken: wire.bearerToken,
            azure: wire.azure.map { Azure(apiVersion: $0.apiVersion) }, headers: wire.headers,
            bearerTokenProvider: wire.hasBearerTokenProvider == true ? tokens : nil,
            wireModel: wire.wireModel.flatMap { $0.isEmpty ? nil : $0 })
        promptCaching = wire.promptCaching
    }

    /// The case `name` spells, nil when absent; an unknown name is an error naming `field` and the choices.
    private static func known<Choice: RawRepresentable<String> & CaseIterable>(_: Choice.Type, _ name: String?, field: String) throws -> Choice? {
        guard let name else { return nil }
        guard let choice = Choice(rawValue: name) else {
            throw CopilotError(
                code: .invalidConfiguration, message: "\(field) `\(name)` is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return choice
    }
}

/// The one mapping between ``SessionMetadata`` and the SDKs' `SessionMetadata` object, which
/// `session.list` and `session.getMetadata` answer with.
extension SessionMetadata {
    /// What a runtime reported; its model and provider are not part of the wire object.
    package init(_ wire: WireSessionMetadata) {
        let started = EventTimestamp.parse(wire.startTime) ?? Date(timeIntervalSince1970: 0)
        self.init(
            sessionId: wire.sessionId, workingDirectory: wire.context?.cwd, createdAt: started,
            modifiedAt: EventTimestamp.parse(wire.modifiedTime) ?? started, summary: wire.summary)
    }

    /// The SDKs' object for this session.
    package var wire: WireSessionMetadata {
        WireSessionMetadata(
            sessionId: sessionId, startTime: EventTimestamp.format(createdAt), modifiedTime: EventTimestamp.format(modifiedAt),
            summary: summary, context: workingDirectory.map(WireSessionMetadata.Context.init(cwd:)))
    }
}

extension SystemMessage.SectionEdit {
    /// The official `{action, content?}` object.
    package var wire: SessionCreateParams.SystemMessageParams.Section {
        switch self {
        case .replace(let text): .init(action: "replace", content: text)
        case .remove: .init(action: "remove")
        case .append(let text): .init(action: "append", content: text)
        case .prepend(let text): .init(action: "prepend", content: text)
        case .preserve: .init(action: "preserve")
        case .transform: .init(action: "transform")
        }
    }

    /// The edit `wire` describes; a `transform` runs `transform`.
    package init(
        wire: SessionCreateParams.SystemMessageParams.Section, transform: @escaping @Sendable (String) async throws -> String
    ) throws {
        switch wire.action {
        case "replace": self = .replace(wire.content ?? "")
        case "remove": self = .remove
        case "append": self = .append(wire.content ?? "")
        case "prepend": self = .prepend(wire.content ?? "")
        case "preserve": self = .preserve
        case "transform": self = .transform(transform)
        default:
            throw CopilotError(
                code: .invalidConfiguration,
                message: "systemMessage section action `\(wire.action)` is not one of replace, remove, append, prepend, preserve, transform.")
        }
    }
}

extension SessionCreateParams.ModelCapabilitiesParams {
    /// The capabilities these params describe.
    package var capabilities: ModelCapabilities {
        ModelCapabilities(
            supports: ModelSupports(vision: supports?.vision, reasoningEffort: supports?.reasoningEffort),
            limits: ModelLimits(maxPromptTokens: limits?.maxPromptTokens, maxContextWindowTokens: limits?.maxContextWindowTokens))
    }
}

extension MCPServerConfig {
    /// The server the official wire shape describes.
    ///
    /// - Throws: ``CopilotError`` `invalidConfiguration` for an unknown `type`, a local server
    ///   without a `command` or a remote one without a `url`.
    package init(wire: SessionCreateParams.MCPServerParams, name: String) throws {
        let timeout = wire.timeout.flatMap { $0 > 0 ? Duration.milliseconds(Int64($0)) : nil }
        switch wire.type ?? "stdio" {
        case "local", "stdio":
            guard let command = wire.command, !command.isEmpty else {
                throw CopilotError(code: .invalidConfiguration, message: "MCP server `\(name)` needs a `command`.")
            }
            self = .stdio(
                command: command, arguments: wire.args ?? [], environment: wire.env ?? [:], workingDirectory: wire.cwd, tools: wire.tools,
                timeout: timeout)
        case let type where type == "http" || type == "sse":
            guard let url = wire.url, !url.isEmpty else {
                throw CopilotError(code: .invalidConfiguration, message: "MCP server `\(name)` needs a `url`.")
            }
            let headers = wire.headers ?? [:]
            self.init(connection: type == "http" ? .http(url: url, headers: headers) : .sse(url: url, headers: headers), tools: wire.tools, timeout: timeout)
        case let type:
            throw CopilotError(code: .invalidConfiguration, message: "MCP server `\(name)` has the type `\(type)`; it must be one of local, stdio, http, sse.")
        }
    }
}

extension SessionCreateParams.MCPServerParams {
    /// `config` in the official wire shape.
    package init(_ config: MCPServerConfig) {
        let timeout = config.timeout.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds / 1_000_000_000_000_000) }
        switch config.connection {
        case .stdio(let command, let arguments, let environment, let directory):
            self.init(
                type: "stdio", command: command, args: arguments, env: environment.isEmpty ? nil : environment, cwd: directory,
                tools: config.tools, timeout: timeout)
        case .http(let url, let headers):
            self.init(type: "http", url: url, headers: headers.isEmpty ? nil : headers, tools: config.tools, timeout: timeout)
        case .sse(let url, let headers):
            self.init(type: "sse", url: url, headers: headers.isEmpty ? nil : headers, tools: config.tools, timeout: timeout)
        }
    }
}

extension MCPServerConfig {
    /// The servers of an MCP config file: `{"mcpServers": {"NAME": {…}}}`, each in the official
    /// shape (`command`/`args`/`env`/`cwd`, or `type` `http`/`sse` with `url`/`headers`; `tools`,
    /// `timeout` in ms), as Copilot, Claude and VS Code config files write them.
    ///
    /// - Throws: ``CopilotError`` `invalidConfiguration` naming what is wrong.
    package static func servers(inConfigFile data: Data, named path: String) throws -> [String: MCPServerConfig] {
        struct File: Decodable {
            var mcpServers: [String: SessionCreateParams.MCPServerParams]?
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw CopilotError(code: .invalidConfiguration, message: "\(path) is not an MCP config file ({\"mcpServers\": {…}}): \(error)")
        }
        guard let servers = file.mcpServers else {
            throw CopilotError(code: .invalidConfiguration, message: "\(path) has no `mcpServers` object.")
        }
        return try servers.reduce(into: [:]) { result, entry in
            result[entry.key] = try MCPServerConfig(wire: entry.value, name: entry.key)
        }
    }
}
