package import CopilotCore

// Params and results of the session-state methods (mode, plan, workspace files, name, model,
// metadata, event log, permissions, usage, options, shutdown), in the official field names.

package struct ModeSetParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var mode: String
    package init(sessionId: String, mode: String) {
        self.sessionId = sessionId
        self.mode = mode
    }
}

package struct ModeSetResult: Codable, Sendable, Hashable {
    package var modelChanged: Bool
    /// `applied` (the mode changed or already was the one asked for).
    package var status: String
    package var modeApplied: Bool
    package init(modelChanged: Bool = false, status: String = "applied", modeApplied: Bool = true) {
        self.modelChanged = modelChanged
        self.status = status
        self.modeApplied = modeApplied
    }
}

package struct PlanReadResult: Codable, Sendable, Hashable {
    package var exists: Bool
    package var content: String?
    package var path: String?
    package init(exists: Bool, content: String?, path: String?) {
        self.exists = exists
        self.content = content
        self.path = path
    }
}

package struct PlanUpdateParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var content: String
    package init(sessionId: String, content: String) {
        self.sessionId = sessionId
        self.content = content
    }
}

package struct WorkspaceFilesResult: Codable, Sendable, Hashable {
    package var files: [String]
    package init(files: [String]) { self.files = files }
}

package struct WorkspaceReadFileParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var path: String
    package init(sessionId: String, path: String) {
        self.sessionId = sessionId
        self.path = path
    }
}

package struct WorkspaceReadFileResult: Codable, Sendable, Hashable {
    package var content: String
    package init(content: String) { self.content = content }
}

package struct WorkspaceCreateFileParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var path: String
    package var content: String
    package init(sessionId: String, path: String, content: String) {
        self.sessionId = sessionId
        self.path = path
        self.content = content
    }
}

/// `session.workspaces.getWorkspace`: the session's folder and what identifies it.
package struct WorkspaceResult: Codable, Sendable, Hashable {
    package var path: String?
    package var workspace: Workspace?

    /// The official `Workspace` (its keys are snake_case).
    package struct Workspace: Codable, Sendable, Hashable {
        package var id: String
        package var cwd: String?
        package var name: String?
        package var createdAt: String?
        package var updatedAt: String?
        package var clientName: String?
        enum CodingKeys: String, CodingKey {
            case id, cwd, name
            case createdAt = "created_at"
            case updatedAt = "updated_at"
            case clientName = "client_name"
        }
        package init(id: String, cwd: String?, name: String?, createdAt: String?, updatedAt: String?, clientName: String?) {
            self.id = id
            self.cwd = cwd
            self.name = name
            self.createdAt = createdAt
            self.updatedAt = updatedAt
            self.clientName = clientName
        }
    }

    package init(path: String?, workspace: Workspace?) {
        self.path = path
        self.workspace = workspace
    }
}

package struct NameResult: Codable, Sendable, Hashable {
    package var name: String?
    package init(name: String?) { self.name = name }
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
    }
}

package struct NameSetParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var name: String
    package init(sessionId: String, name: String) {
        self.sessionId = sessionId
        self.name = name
    }
}

package struct NameSetAutoParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var summary: String
}

package struct NameSetAutoResult: Codable, Sendable, Hashable {
    package var applied: Bool
    package init(applied: Bool) { self.applied = applied }
}

/// `session.model.getCurrent`.
package struct CurrentModelResult: Codable, Sendable, Hashable {
    package var modelId: String?
    package var reasoningEffort: String?
    package init(modelId: String?, reasoningEffort: String?) {
        self.modelId = modelId
        self.reasoningEffort = reasoningEffort
    }
}

package struct ReasoningEffortParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var reasoningEffort: String
    package init(sessionId: String, reasoningEffort: String) {
        self.sessionId = sessionId
        self.reasoningEffort = reasoningEffort
    }
}

package struct ReasoningEffortResult: Codable, Sendable, Hashable {
    package var reasoningEffort: String
    package init(reasoningEffort: String) { self.reasoningEffort = reasoningEffort }
}

/// `session.metadata.snapshot`.
package struct MetadataSnapshotResult: Codable, Sendable, Hashable {
    package var sessionId: String
    package var startTime: String
    package var modifiedTime: String
    package var isRemote: Bool
    package var alreadyInUse: Bool
    package var currentMode: String
    package var workingDirectory: String
    package var selectedModel: String?
    package var clientName: String?
    package var summary: String?
    package var workspace: WorkspaceResult.Workspace?
    package var workspacePath: String?
    package init(
        sessionId: String, startTime: String, modifiedTime: String, currentMode: String, workingDirectory: String,
        selectedModel: String?, clientName: String?, summary: String?, workspace: WorkspaceResult.Workspace?, workspacePath: String?
    ) {
        self.sessionId = sessionId
        self.startTime = startTime
        self.modifiedTime = modifiedTime
        isRemote = false
        alreadyInUse = false
        self.currentMode = currentMode
        self.workingDirectory = workingDirectory
        self.selectedModel = selectedModel
        self.clientName = clientName
        self.summary = summary
        self.workspace = workspace
        self.workspacePath = workspacePath
    }
}

package struct WorkingDirectoryParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var workingDirectory: String
    package init(sessionId: String, workingDirectory: String) {
        self.sessionId = sessionId
        self.workingDirectory = workingDirectory
    }
}

package struct WorkingDirectoryResult: Codable, Sendable, Hashable {
    package var workingDirectory: String
    package init(workingDirectory: String) { self.workingDirectory = workingDirectory }
}

package struct ContextChangeParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var context: SessionEvent.SessionContextChanged
}

package struct ProcessingResult: Codable, Sendable, Hashable {
    package var processing: Bool
    package init(processing: Bool) { self.processing = processing }
}

package struct ContextInfoParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var promptTokenLimit: Int
    package var outputTokenLimit: Int
    package var selectedModel: String?
    package init(sessionId: String, promptTokenLimit: Int, outputTokenLimit: Int, selectedModel: String? = nil) {
        self.sessionId = sessionId
        self.promptTokenLimit = promptTokenLimit
        self.outputTokenLimit = outputTokenLimit
        self.selectedModel = selectedModel
    }
}

/// `session.metadata.contextInfo`: how the next request's tokens divide.
package struct ContextInfoResult: Codable, Sendable, Hashable {
    package var contextInfo: Info?

    package struct Info: Codable, Sendable, Hashable {
        package var modelName: String
        package var limit: Int
        package var promptTokenLimit: Int
        package var bufferTokens: Int
        package var compactionThreshold: Int
        package var systemTokens: Int
        package var conversationTokens: Int
        package var toolDefinitionsTokens: Int
        package var mcpToolsTokens: Int
        package var totalTokens: Int
        package init(
            modelName: String, limit: Int, promptTokenLimit: Int, bufferTokens: Int, compactionThreshold: Int, systemTokens: Int,
            conversationTokens: Int, toolDefinitionsTokens: Int
        ) {
            self.modelName = modelName
            self.limit = limit
            self.promptTokenLimit = promptTokenLimit
            self.bufferTokens = bufferTokens
            self.compactionThreshold = compactionThreshold
            self.systemTokens = systemTokens
            self.conversationTokens = conversationTokens
            self.toolDefinitionsTokens = toolDefinitionsTokens
            mcpToolsTokens = 0
            totalTokens = systemTokens + conversationTokens + toolDefinitionsTokens
        }
    }

    package init(contextInfo: Info?) { self.contextInfo = contextInfo }
}

package struct RecomputeTokensParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var modelId: String
}

package struct RecomputeTokensResult: Codable, Sendable, Hashable {
    package var systemTokenCount: Int
    package var messagesTokenCount: Int
    package var totalTokens: Int
    package init(systemTokenCount: Int, messagesTokenCount: Int) {
        self.systemTokenCount = systemTokenCount
        self.messagesTokenCount = messagesTokenCount
        totalTokens = systemTokenCount + messagesTokenCount
    }
}

package struct EventLogReadParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var cursor: String?
    package var max: Int?
    package var waitMs: Int?
    /// `"*"` or a list of event types.
    package var types: JSONValue?
    /// `forward` (the default) or `backward`.
    package var direction: String?
    package var includeEphemeral: Bool?
    package init(sessionId: String, cursor: String?, max: Int?, waitMs: Int?, types: JSONValue?, direction: String?) {
        self.sessionId = sessionId
        self.cursor = cursor
        self.max = max
        self.waitMs = waitMs
        self.types = types
        self.direction = direction
    }
}

package struct EventLogReadResult: Codable, Sendable, Hashable {
    package var events: [SessionEvent]
    package var cursor: String
    /// `ok`, or `expired` for a cursor this log does not know.
    package var cursorStatus: String
    package var hasMore: Bool
    package init(events: [SessionEvent], cursor: String, cursorStatus: String, hasMore: Bool) {
        self.events = events
        self.cursor = cursor
        self.cursorStatus = cursorStatus
        self.hasMore = hasMore
    }
}

package struct CursorResult: Codable, Sendable, Hashable {
    package var cursor: String
    package init(cursor: String) { self.cursor = cursor }
}

package struct InterestParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var eventType: String
    package init(sessionId: String, eventType: String) {
        self.sessionId = sessionId
        self.eventType = eventType
    }
}

package struct InterestResult: Codable, Sendable, Hashable {
    package var handle: String
    package init(handle: String) { self.handle = handle }
}

package struct InterestReleaseParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var handle: String
}

package struct ApproveAllParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var enabled: Bool
    package init(sessionId: String, enabled: Bool) {
        self.sessionId = sessionId
        self.enabled = enabled
    }
}

/// `session.usage.getMetrics`.
package struct UsageMetricsResult: Codable, Sendable, Hashable {
    package var sessionStartTime: String
    package var totalApiDurationMs: Double
    package var totalPremiumRequestCost: Double
    package var totalUserRequests: Int
    package var lastCallInputTokens: Int
    package var lastCallOutputTokens: Int
    package var modelMetrics: [String: ModelMetric]
    package var codeChanges: CodeChanges
    package var currentModel: String?

    package struct CodeChanges: Codable, Sendable, Hashable {
        package var filesModified: [String] = []
        package var filesModifiedCount = 0
        package var linesAdded = 0
        package var linesRemoved = 0
        package init() {}
    }

    package init(
        sessionStartTime: String, totalApiDurationMs: Double, totalUserRequests: Int, lastCallInputTokens: Int, lastCallOutputTokens: Int,
        modelMetrics: [String: ModelMetric], currentModel: String?
    ) {
        self.sessionStartTime = sessionStartTime
        self.totalApiDurationMs = totalApiDurationMs
        totalPremiumRequestCost = 0
        self.totalUserRequests = totalUserRequests
        self.lastCallInputTokens = lastCallInputTokens
        self.lastCallOutputTokens = lastCallOutputTokens
        self.modelMetrics = modelMetrics
        codeChanges = CodeChanges()
        self.currentModel = currentModel
    }
}

/// `session.options.update`: the options this runtime acts on; others are named in a warning.
package struct OptionsUpdateParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var workingDirectory: String?
    package var reasoningEffort: String?
    package var model: String?
}

package struct OptionsUpdateResult: Codable, Sendable, Hashable {
    package var success: Bool
    package init(success: Bool) { self.success = success }
}

package struct FeatureOverridesParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var features: [String: String]
}

package struct ShutdownParams: Codable, Sendable, Hashable {
    package var sessionId: String
    /// `routine` (the default) or `error`.
    package var type: String?
    package var reason: String?
}

package struct InstructionSourcesResult: Codable, Sendable, Hashable {
    package var sources: [Source]

    package struct Source: Codable, Sendable, Hashable {
        package var id: String
        package var label: String
        package var sourcePath: String
        package var content: String
        /// `working-directory` for instruction directories a client named.
        package var location: String
        package var type: String
        package init(id: String, label: String, sourcePath: String, content: String, location: String, type: String) {
            self.id = id
            self.label = label
            self.sourcePath = sourcePath
            self.content = content
            self.location = location
            self.type = type
        }
    }

    package init(sources: [Source]) { self.sources = sources }
}

package struct ForegroundResult: Codable, Sendable, Hashable {
    package var sessionId: String?
    package init(sessionId: String?) { self.sessionId = sessionId }
}

package struct HistoryTruncateParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var eventId: String
}

package struct HistoryCompactResult: Codable, Sendable, Hashable {
    package var success: Bool
    package var messagesRemoved: Int
    package var tokensRemoved: Int
    package var summaryContent: String?
    package init(success: Bool, messagesRemoved: Int, tokensRemoved: Int, summaryContent: String?) {
        self.success = success
        self.messagesRemoved = messagesRemoved
        self.tokensRemoved = tokensRemoved
        self.summaryContent = summaryContent
    }
}

package struct SummaryResult: Codable, Sendable, Hashable {
    package var summary: String
    package init(summary: String) { self.summary = summary }
}

package struct CancelledResult: Codable, Sendable, Hashable {
    package var cancelled: Bool
    package init(cancelled: Bool) { self.cancelled = cancelled }
}

package struct AbortedResult: Codable, Sendable, Hashable {
    package var aborted: Bool
    package init(aborted: Bool) { self.aborted = aborted }
}

/// `session.provider.getEndpoint`: where the session's model calls go and how they authenticate.
package struct ProviderEndpointResult: Codable, Sendable, Hashable {
    package var type: String
    package var baseUrl: String
    package var wireApi: String?
    package var apiKey: String?
    package var headers: [String: String]
    package init(type: String, baseUrl: String, wireApi: String?, apiKey: String?, headers: [String: String]) {
        self.type = type
        self.baseUrl = baseUrl
        self.wireApi = wireApi
        self.apiKey = apiKey
        self.headers = headers
    }
}

package struct SessionForkParams: Codable, Sendable, Hashable {
    package var sessionId: String
    /// The first event the fork leaves out; the whole log when absent.
    package var toEventId: String?
    package var name: String?
    package init(sessionId: String, toEventId: String?, name: String?) {
        self.sessionId = sessionId
        self.toEventId = toEventId
        self.name = name
    }
}

package struct SessionForkResult: Codable, Sendable, Hashable {
    package var sessionId: String
    package var name: String?
    package init(sessionId: String, name: String?) {
        self.sessionId = sessionId
        self.name = name
    }
}

package struct MCPOAuthLoginParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var serverName: String
}

/// `session.mcp.listTools`, `isServerRunning`, `stopServer`, `startServer`, `restartServer`, `enable`, `disable`.
package struct MCPServerNameParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var serverName: String
    package init(sessionId: String, serverName: String) {
        self.sessionId = sessionId
        self.serverName = serverName
    }
}

/// `session.mcp.list`: the session's MCP servers and their status (`connected`, `pending`,
/// `failed` with its error, `stopped`, `disabled`).
package struct MCPListResult: Codable, Sendable, Hashable {
    package var servers: [Server]

    package struct Server: Codable, Sendable, Hashable {
        package var name: String
        package var status: String
        package var error: String?
        package init(name: String, status: String, error: String? = nil) {
            self.name = name
            self.status = status
            self.error = error
        }
    }

    package init(servers: [Server]) { self.servers = servers }
}

/// `session.mcp.listTools`: a connected server's tools, by its own names.
package struct MCPToolsResult: Codable, Sendable, Hashable {
    package var tools: [Tool]

    package struct Tool: Codable, Sendable, Hashable {
        package var name: String
        package var description: String?
        package init(name: String, description: String?) {
            self.name = name
            self.description = description
        }
    }

    package init(tools: [Tool]) { self.tools = tools }
}

/// `session.mcp.isServerRunning`.
package struct MCPRunningResult: Codable, Sendable, Hashable {
    package var running: Bool
    package init(running: Bool) { self.running = running }
}

/// `session.mcp.setEnvValueMode`: how stdio servers' `env` values are read from now on.
package struct MCPEnvValueModeParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var mode: String
}

/// `session.mcp.setEnvValueMode`'s answer: the mode now in force.
package struct MCPEnvValueModeResult: Codable, Sendable, Hashable {
    package var mode: String
    package init(mode: String) { self.mode = mode }
}

/// `session.mcp.removeGitHub`.
package struct MCPRemovedResult: Codable, Sendable, Hashable {
    package var removed: Bool
    package init(removed: Bool) { self.removed = removed }
}

/// `session.mcp.executeSampling`: run a server's `sampling/createMessage` request on the session's model.
package struct MCPExecuteSamplingParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var serverName: String
    package var requestId: String
    package var mcpRequestId: JSONValue?
    /// MCP's `CreateMessageRequest` params (`messages`, `maxTokens`, `systemPrompt`, …).
    package var request: JSONValue
}

/// `session.mcp.executeSampling`'s answer: `success` with MCP's `CreateMessageResult`, or
/// `failure`/`cancelled` with why.
package struct MCPSamplingResult: Codable, Sendable, Hashable {
    package var action: String
    package var result: JSONValue?
    package var error: String?
    package init(action: String, result: JSONValue? = nil, error: String? = nil) {
        self.action = action
        self.result = result
        self.error = error
    }
}

/// `session.mcp.cancelSamplingExecution`.
package struct MCPCancelSamplingParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var requestId: String
}

/// `session.mcp.apps.setHostContext`: what the host tells MCP Apps about itself (theme, locale…).
package struct MCPAppsHostContextParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var context: JSONValue
}

/// `session.mcp.apps.getHostContext`.
package struct MCPAppsHostContextResult: Codable, Sendable, Hashable {
    package var context: JSONValue
    package init(context: JSONValue) { self.context = context }
}

/// `session.mcp.apps.diagnose`: whether MCP Apps could work for a server of the session.
package struct MCPAppsDiagnoseResult: Codable, Sendable, Hashable {
    package var capability: Capability
    package var server: Server

    package struct Capability: Codable, Sendable, Hashable {
        package var advertised: Bool
        package var featureFlagEnabled: Bool
        package var sessionHasMcpApps: Bool
        package init(advertised: Bool, featureFlagEnabled: Bool, sessionHasMcpApps: Bool) {
            self.advertised = advertised
            self.featureFlagEnabled = featureFlagEnabled
            self.sessionHasMcpApps = sessionHasMcpApps
        }
    }

    package struct Server: Codable, Sendable, Hashable {
        package var connected: Bool
        package var toolCount: Int
        package var toolsWithUiMeta: Int
        package var sampleToolNames: [String]
        package init(connected: Bool, toolCount: Int, toolsWithUiMeta: Int, sampleToolNames: [String]) {
            self.connected = connected
            self.toolCount = toolCount
            self.toolsWithUiMeta = toolsWithUiMeta
            self.sampleToolNames = sampleToolNames
        }
    }

    package init(capability: Capability, server: Server) {
        self.capability = capability
        self.server = server
    }
}

/// `session.mcp.apps.listTools`, `callTool`, `readResource`.
package struct MCPAppsParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var serverName: String
    package var toolName: String?
    package var arguments: JSONValue?
}

/// `session.mcp.oauth.handlePendingRequest`: the app's answer to `mcp.oauth_required`.
package struct MCPOAuthAnswerParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var requestId: String
    package var result: Answer

    /// `token` (with `accessToken`, `tokenType`, `expiresIn`) or `cancelled`.
    package struct Answer: Codable, Sendable, Hashable {
        package var kind: String
        package var accessToken: String?
        package var tokenType: String?
        package var expiresIn: Double?
        package init(kind: String, accessToken: String? = nil, tokenType: String? = nil, expiresIn: Double? = nil) {
            self.kind = kind
            self.accessToken = accessToken
            self.tokenType = tokenType
            self.expiresIn = expiresIn
        }
    }

    package init(sessionId: String, requestId: String, result: Answer) {
        self.sessionId = sessionId
        self.requestId = requestId
        self.result = result
    }
}

/// `mcp.config.list`: the user's MCP servers, by name, in the official serializable shape.
package struct MCPConfigListResult: Codable, Sendable, Hashable {
    package var servers: [String: JSONValue]
    package init(servers: [String: JSONValue]) { self.servers = servers }
}

/// `mcp.config.add` / `mcp.config.update`.
package struct MCPConfigEntryParams: Codable, Sendable, Hashable {
    package var name: String
    package var config: JSONValue
}

/// `mcp.config.remove`.
package struct MCPConfigNameParams: Codable, Sendable, Hashable {
    package var name: String
}

/// `mcp.config.enable` / `mcp.config.disable`.
package struct MCPConfigNamesParams: Codable, Sendable, Hashable {
    package var names: [String]
}

/// `session.ui.elicitation`: the app asks the session's user to fill a form.
package struct UIElicitationParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var message: String
    package var requestedSchema: JSONValue?
    package var mode: String?
    package init(sessionId: String, message: String, requestedSchema: JSONValue?, mode: String?) {
        self.sessionId = sessionId
        self.message = message
        self.requestedSchema = requestedSchema
        self.mode = mode
    }
}

/// How a form was answered: `accept` (with `content`), `decline` or `cancel`.
package struct UIElicitationResult: Codable, Sendable, Hashable {
    package var action: String
    package var content: JSONValue?
    package init(action: String, content: JSONValue?) {
        self.action = action
        self.content = content
    }
}

/// `session.ui.handlePendingElicitation`: a client's answer to `elicitation.requested`.
package struct HandlePendingElicitationParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var requestId: String
    package var result: UIElicitationResult
    package init(sessionId: String, requestId: String, result: UIElicitationResult) {
        self.sessionId = sessionId
        self.requestId = requestId
        self.result = result
    }
}
