
// Event types about the session itself, hooks, external tools and questions to the user: the
// official runtime's shapes (field names and optionality as the official SDKs' generated types).

extension SessionEvent {
    /// `session.resume`: a stored or detached session was taken up again.
    public struct SessionResume: SessionEventData {
        public static let eventType = "session.resume"
        public var payload: Payload { .sessionResume(self) }
        /// When it resumed, ISO 8601.
        public var resumeTime: String
        /// How many persisted events the session had.
        public var eventCount: Int
        public var selectedModel: String?
        public var reasoningEffort: String?
        public init(resumeTime: String, eventCount: Int, selectedModel: String? = nil, reasoningEffort: String? = nil) {
            self.resumeTime = resumeTime
            self.eventCount = eventCount
            self.selectedModel = selectedModel
            self.reasoningEffort = reasoningEffort
        }
    }

    /// `session.info`: something worth telling the user (`infoType` `notification` for `session.log`).
    public struct SessionInfo: SessionEventData {
        public static let eventType = "session.info"
        public var payload: Payload { .sessionInfo(self) }
        public var infoType: String
        public var message: String
        public var tip: String?
        public var url: String?
        public init(infoType: String, message: String, tip: String? = nil, url: String? = nil) {
            self.infoType = infoType
            self.message = message
            self.tip = tip
            self.url = url
        }
    }

    /// `session.model_change`: later model calls use another model (or reasoning effort).
    public struct SessionModelChange: SessionEventData {
        public static let eventType = "session.model_change"
        public var payload: Payload { .sessionModelChange(self) }
        public var newModel: String
        public var previousModel: String?
        public var reasoningEffort: String?
        public var previousReasoningEffort: String?
        public init(newModel: String, previousModel: String? = nil, reasoningEffort: String? = nil, previousReasoningEffort: String? = nil) {
            self.newModel = newModel
            self.previousModel = previousModel
            self.reasoningEffort = reasoningEffort
            self.previousReasoningEffort = previousReasoningEffort
        }
    }

    /// `session.task_complete`: the session's work is summed up (by the `sessionEnd` hook, here).
    public struct SessionTaskComplete: SessionEventData {
        public static let eventType = "session.task_complete"
        public var payload: Payload { .sessionTaskComplete(self) }
        public var summary: String?
        public var success: Bool?
        public init(summary: String? = nil, success: Bool? = nil) {
            self.summary = summary
            self.success = success
        }
    }

    /// `session.compaction_start`: older turns are about to be summarised to fit the model's limit.
    public struct SessionCompactionStart: SessionEventData {
        public static let eventType = "session.compaction_start"
        public var payload: Payload { .sessionCompactionStart(self) }
        /// The estimated size of the conversation before compaction.
        public var conversationTokens: Int?
        public var tokenLimit: Int?
        public var model: String?
        public init(conversationTokens: Int? = nil, tokenLimit: Int? = nil, model: String? = nil) {
            self.conversationTokens = conversationTokens
            self.tokenLimit = tokenLimit
            self.model = model
        }
    }

    /// `session.compaction_complete`: the summary replaced the older turns (or compaction failed).
    public struct SessionCompactionComplete: SessionEventData {
        public static let eventType = "session.compaction_complete"
        public var payload: Payload { .sessionCompactionComplete(self) }
        public var success: Bool
        public var error: String?
        public var preCompactionTokens: Int?
        public var postCompactionTokens: Int?
        /// The summary that now stands for the older turns; a resumed session rebuilds from it.
        public var summaryContent: String?
        public var tokenLimit: Int?
        public init(
            success: Bool, error: String? = nil, preCompactionTokens: Int? = nil, postCompactionTokens: Int? = nil,
            summaryContent: String? = nil, tokenLimit: Int? = nil
        ) {
            self.success = success
            self.error = error
            self.preCompactionTokens = preCompactionTokens
            self.postCompactionTokens = postCompactionTokens
            self.summaryContent = summaryContent
            self.tokenLimit = tokenLimit
        }
    }

    /// `hook.start`: a hook is being run.
    public struct HookStart: SessionEventData {
        public static let eventType = "hook.start"
        public var payload: Payload { .hookStart(self) }
        public var hookInvocationId: String
        /// `preToolUse`, `postToolUse`, `userPromptSubmitted`, `sessionStart`, `sessionEnd`, `errorOccurred`.
        public var hookType: String
        public var input: JSONValue?
        public init(hookInvocationId: String, hookType: String, input: JSONValue? = nil) {
            self.hookInvocationId = hookInvocationId
            self.hookType = hookType
            self.input = input
        }
    }

    /// `hook.end`: a hook answered, failed or timed out.
    public struct HookEnd: SessionEventData {
        public static let eventType = "hook.end"
        public var payload: Payload { .hookEnd(self) }
        public var hookInvocationId: String
        public var hookType: String
        public var success: Bool
        public var output: JSONValue?
        public var error: Failure?

        /// Why a hook failed.
        public struct Failure: Sendable, Hashable, Codable {
            public var message: String
            public init(message: String) { self.message = message }
        }

        public init(hookInvocationId: String, hookType: String, success: Bool, output: JSONValue? = nil, error: Failure? = nil) {
            self.hookInvocationId = hookInvocationId
            self.hookType = hookType
            self.success = success
            self.output = output
            self.error = error
        }
    }

    /// `external_tool.requested`: a tool the client defined is to be run by the client, which answers
    /// with `session.tools.handlePendingToolCall`.
    public struct ExternalToolRequested: SessionEventData {
        public static let eventType = "external_tool.requested"
        public var payload: Payload { .externalToolRequested(self) }
        public var requestId: String
        public var sessionId: String
        public var toolCallId: String
        public var toolName: String
        public var arguments: JSONValue?
        public var workingDirectory: String?
        public init(
            requestId: String, sessionId: String, toolCallId: String, toolName: String, arguments: JSONValue? = nil,
            workingDirectory: String? = nil
        ) {
            self.requestId = requestId
            self.sessionId = sessionId
            self.toolCallId = toolCallId
            self.toolName = toolName
            self.arguments = arguments
            self.workingDirectory = workingDirectory
        }
    }

    /// `external_tool.completed` (ephemeral): the client answered an `external_tool.requested`.
    public struct ExternalToolCompleted: SessionEventData {
        public static let eventType = "external_tool.completed"
        public static let isEphemeral = true
        public var payload: Payload { .externalToolCompleted(self) }
        public var requestId: String
        public init(requestId: String) { self.requestId = requestId }
    }

    /// `user_input.requested` (ephemeral): the agent asks the user a question (the `ask_user` tool).
    public struct UserInputRequested: SessionEventData {
        public static let eventType = "user_input.requested"
        public static let isEphemeral = true
        public var payload: Payload { .userInputRequested(self) }
        public var requestId: String
        public var question: String
        public var choices: [String]?
        public var allowFreeform: Bool?
        public var toolCallId: String?
        public init(requestId: String, question: String, choices: [String]? = nil, allowFreeform: Bool? = nil, toolCallId: String? = nil) {
            self.requestId = requestId
            self.question = question
            self.choices = choices
            self.allowFreeform = allowFreeform
            self.toolCallId = toolCallId
        }
    }

    /// `elicitation.requested` (ephemeral): the session asks the user to fill a form (a
    /// `session.ui.elicitation` call, or an MCP server's `elicitation/create`); a client that
    /// handles elicitation answers with `session.ui.handlePendingElicitation`.
    public struct ElicitationRequested: SessionEventData {
        public static let eventType = "elicitation.requested"
        public static let isEphemeral = true
        public var payload: Payload { .elicitationRequested(self) }
        public var requestId: String
        public var message: String
        /// `form` (a form by ``requestedSchema``) or `url` (the user is sent to ``url``).
        public var mode: String?
        /// A JSON Schema object of flat properties (strings, numbers, booleans, enums).
        public var requestedSchema: JSONValue?
        /// Who asks: the MCP server's name for a server's request.
        public var elicitationSource: String?
        public var toolCallId: String?
        public var url: String?
        public init(
            requestId: String, message: String, mode: String? = "form", requestedSchema: JSONValue? = nil, elicitationSource: String? = nil,
            toolCallId: String? = nil, url: String? = nil
        ) {
            self.requestId = requestId
            self.message = message
            self.mode = mode
            self.requestedSchema = requestedSchema
            self.elicitationSource = elicitationSource
            self.toolCallId = toolCallId
            self.url = url
        }
    }

    /// `elicitation.completed` (ephemeral): how the form was answered (`accept` with content,
    /// `decline`, `cancel`).
    public struct ElicitationCompleted: SessionEventData {
        public static let eventType = "elicitation.completed"
        public static let isEphemeral = true
        public var payload: Payload { .elicitationCompleted(self) }
        public var requestId: String
        public var action: String?
        public var content: JSONValue?
        public init(requestId: String, action: String? = nil, content: JSONValue? = nil) {
            self.requestId = requestId
            self.action = action
            self.content = content
        }
    }

    /// `capabilities.changed` (ephemeral): what the session's connected clients can now do for it
    /// (`ui.elicitation`: one of them answers forms).
    public struct CapabilitiesChanged: SessionEventData {
        public static let eventType = "capabilities.changed"
        public static let isEphemeral = true
        public var payload: Payload { .capabilitiesChanged(self) }
        public var ui: UI?
        public struct UI: Codable, Sendable, Hashable {
            public var elicitation: Bool?
            public init(elicitation: Bool?) { self.elicitation = elicitation }
        }
        public init(ui: UI?) { self.ui = ui }
    }

    /// `commands.changed` (ephemeral): the slash commands the session's connected clients offer.
    public struct CommandsChanged: SessionEventData {
        public static let eventType = "commands.changed"
        public static let isEphemeral = true
        public var payload: Payload { .commandsChanged(self) }
        public var commands: [Command]
        public struct Command: Codable, Sendable, Hashable {
            public var name: String
            public var description: String?
            public init(name: String, description: String?) {
                self.name = name
                self.description = description
            }
        }
        public init(commands: [Command]) { self.commands = commands }
    }

    /// `mcp.oauth_required` (ephemeral): a remote MCP server wants an OAuth access token; the app
    /// answers with `session.mcp.oauth.handlePendingRequest` (a token, or `cancelled`).
    public struct MCPOAuthRequired: SessionEventData {
        public static let eventType = "mcp.oauth_required"
        public static let isEphemeral = true
        public var payload: Payload { .mcpOAuthRequired(self) }
        public var requestId: String
        public var serverName: String
        public var serverUrl: String
        /// `initial`, `refresh` (the token was refused), `reauth` (a new sign-in) or `upscope` (more scope).
        public var reason: String
        /// The server's `WWW-Authenticate` challenge: `resourceMetadataUrl`, `scope`, `error`.
        public var wwwAuthenticateParams: [String: String]?
        /// The server's protected-resource metadata, as the raw JSON it served.
        public var resourceMetadata: String?
        public init(
            requestId: String, serverName: String, serverUrl: String, reason: String, wwwAuthenticateParams: [String: String]? = nil,
            resourceMetadata: String? = nil
        ) {
            self.requestId = requestId
            self.serverName = serverName
            self.serverUrl = serverUrl
            self.reason = reason
            self.wwwAuthenticateParams = wwwAuthenticateParams
            self.resourceMetadata = resourceMetadata
        }
    }

    /// `mcp.oauth_completed` (ephemeral): how an `mcp.oauth_required` ended (`token` or `cancelled`).
    public struct MCPOAuthCompleted: SessionEventData {
        public static let eventType = "mcp.oauth_completed"
        public static let isEphemeral = true
        public var payload: Payload { .mcpOAuthCompleted(self) }
        public var requestId: String
        public var outcome: String
        public init(requestId: String, outcome: String) {
            self.requestId = requestId
            self.outcome = outcome
        }
    }

    /// `session.mcp_servers_loaded` (ephemeral): the session's MCP servers once they first started
    /// (or failed to), with their status.
    public struct MCPServersLoaded: SessionEventData {
        public static let eventType = "session.mcp_servers_loaded"
        public static let isEphemeral = true
        public var payload: Payload { .mcpServersLoaded(self) }
        public var servers: [Server]
        public struct Server: Codable, Sendable, Hashable {
            public var name: String
            /// `connected`, `failed`, `needs-auth`, `pending`, `disabled` or `stopped`.
            public var status: String
            public var error: String?
            public init(name: String, status: String, error: String? = nil) {
                self.name = name
                self.status = status
                self.error = error
            }
        }
        public init(servers: [Server]) { self.servers = servers }
    }

    /// `session.mcp_server_status_changed` (ephemeral): one MCP server's status changed.
    public struct MCPServerStatusChanged: SessionEventData {
        public static let eventType = "session.mcp_server_status_changed"
        public static let isEphemeral = true
        public var payload: Payload { .mcpServerStatusChanged(self) }
        public var serverName: String
        public var status: String
        public var error: String?
        public init(serverName: String, status: String, error: String? = nil) {
            self.serverName = serverName
            self.status = status
            self.error = error
        }
    }

    /// `user_input.completed` (ephemeral): the question was answered (no answer when asking failed).
    public struct UserInputCompleted: SessionEventData {
        public static let eventType = "user_input.completed"
        public static let isEphemeral = true
        public var payload: Payload { .userInputCompleted(self) }
        public var requestId: String
        public var answer: String?
        public var wasFreeform: Bool?
        public init(requestId: String, answer: String? = nil, wasFreeform: Bool? = nil) {
            self.requestId = requestId
            self.answer = answer
            self.wasFreeform = wasFreeform
        }
    }
}
