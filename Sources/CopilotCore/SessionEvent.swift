public import Foundation

/// One thing that happened in a session, in the official Copilot event shape.
///
/// Encodes to exactly the JSON the official SDKs parse: `{id, timestamp, parentId, ephemeral?, type, data}`
/// with a UUID `id`, an ISO 8601 `timestamp`, and `parentId` chaining each event to the previous
/// persisted one. Types this library does not model decode as ``Payload/unknown(type:data:)``.
public struct SessionEvent: Sendable, Hashable, Identifiable {
    public var id: UUID
    public var timestamp: Date
    /// The previous persisted event of the session; `nil` for the first.
    public var parentId: UUID?
    /// Ephemeral events (deltas, usage, idle) are streamed but never persisted or replayed.
    public var ephemeral: Bool
    /// Set for events produced by a sub-agent; `nil` for the main agent.
    public var agentId: String?
    /// The typed payload.
    public var payload: Payload

    /// The official type string, e.g. `assistant.message`.
    public var type: String { payload.type }

    public init(
        id: UUID = UUID(), timestamp: Date = Date(), parentId: UUID? = nil, ephemeral: Bool? = nil,
        agentId: String? = nil, payload: Payload
    ) {
        self.id = id
        self.timestamp = timestamp
        self.parentId = parentId
        self.ephemeral = ephemeral ?? payload.isEphemeralByDefault
        self.agentId = agentId
        self.payload = payload
    }
}

extension SessionEvent {
    /// Every event type this library knows, plus ``unknown(type:data:)`` for the rest.
    ///
    /// Each case carries a ``SessionEventData`` type, which says its type string, whether it is
    /// ephemeral, and how it is coded; ``SessionEvent/Payload/registry`` lists them all.
    public enum Payload: Sendable, Hashable {
        case sessionStart(SessionStart)
        case sessionResume(SessionResume)
        case sessionInfo(SessionInfo)
        case sessionModelChange(SessionModelChange)
        case sessionTaskComplete(SessionTaskComplete)
        case sessionCompactionStart(SessionCompactionStart)
        case sessionCompactionComplete(SessionCompactionComplete)
        case userMessage(UserMessage)
        case assistantTurnStart(AssistantTurnStart)
        case assistantMessageStart(AssistantMessageStart)
        case assistantMessageDelta(AssistantMessageDelta)
        case assistantReasoningDelta(AssistantReasoningDelta)
        case assistantReasoning(AssistantReasoning)
        case assistantMessage(AssistantMessage)
        case assistantUsage(AssistantUsage)
        case assistantTurnEnd(AssistantTurnEnd)
        case assistantIntent(AssistantIntent)
        case toolExecutionStart(ToolExecutionStart)
        case toolExecutionComplete(ToolExecutionComplete)
        case externalToolRequested(ExternalToolRequested)
        case externalToolCompleted(ExternalToolCompleted)
        case permissionRequested(PermissionRequested)
        case permissionCompleted(PermissionCompleted)
        case userInputRequested(UserInputRequested)
        case userInputCompleted(UserInputCompleted)
        case hookStart(HookStart)
        case hookEnd(HookEnd)
        case sessionError(SessionError)
        case sessionWarning(SessionWarning)
        case sessionIdle(SessionIdle)
        case abort(Abort)
        case sessionModeChanged(SessionModeChanged)
        case sessionPlanChanged(SessionPlanChanged)
        case sessionTitleChanged(SessionTitleChanged)
        case sessionWorkspaceFileChanged(SessionWorkspaceFileChanged)
        case sessionContextChanged(SessionContextChanged)
        case sessionUsageInfo(SessionUsageInfo)
        case pendingMessagesModified(PendingMessagesModified)
        case toolExecutionPartialResult(ToolExecutionPartialResult)
        case sessionShutdown(SessionShutdown)
        case elicitationRequested(ElicitationRequested)
        case elicitationCompleted(ElicitationCompleted)
        case capabilitiesChanged(CapabilitiesChanged)
        case commandsChanged(CommandsChanged)
        case mcpOAuthRequired(MCPOAuthRequired)
        case mcpOAuthCompleted(MCPOAuthCompleted)
        case mcpServersLoaded(MCPServersLoaded)
        case mcpServerStatusChanged(MCPServerStatusChanged)
        case skillInvoked(SkillInvoked)
        case subagentStarted(SubagentStarted)
        case subagentCompleted(SubagentCompleted)
        case subagentFailed(SubagentFailed)
        case subagentSelected(SubagentSelected)
        case subagentDeselected(SubagentDeselected)
        /// An event type this library does not model (from a newer runtime, say), with its data as raw JSON.
        case unknown(type: String, data: JSONValue)

        /// Every typed event, by its type string: what decoding looks up.
        public static let registry: [String: any SessionEventData.Type] = {
            let types: [any SessionEventData.Type] = [
                SessionStart.self, SessionResume.self, SessionInfo.self, SessionModelChange.self, SessionTaskComplete.self,
                SessionCompactionStart.self, SessionCompactionComplete.self, UserMessage.self, AssistantTurnStart.self,
                AssistantMessageStart.self, AssistantMessageDelta.self, AssistantReasoningDelta.self, AssistantReasoning.self,
                AssistantMessage.self, AssistantUsage.self, AssistantTurnEnd.self, AssistantIntent.self, ToolExecutionStart.self,
                ToolExecutionComplete.self, ExternalToolRequested.self, ExternalToolCompleted.self, PermissionRequested.self,
                PermissionCompleted.self, UserInputRequested.self, UserInputCompleted.self, HookStart.self, HookEnd.self,
                SessionError.self, SessionWarning.self, SessionIdle.self, Abort.self,
                SessionModeChanged.self, SessionPlanChanged.self, SessionTitleChanged.self, SessionWorkspaceFileChanged.self, SessionContextChanged.self, SessionUsageInfo.self, PendingMessagesModified.self, ToolExecutionPartialResult.self, SessionShutdown.self,
                ElicitationRequested.self, ElicitationCompleted.self, CapabilitiesChanged.self, CommandsChanged.self,
                MCPOAuthRequired.self, MCPOAuthCompleted.self, MCPServersLoaded.self, MCPServerStatusChanged.self, SkillInvoked.self,
                SubagentStarted.self, SubagentCompleted.self, SubagentFailed.self, SubagentSelected.self, SubagentDeselected.self,
            ]
            return Dictionary(uniqueKeysWithValues: types.map { ($0.eventType, $0) })
        }()

        /// Calls `visitor` with the typed data (generic, so nothing is boxed); `nil` for ``unknown(type:data:)``.
        /// The one place that lists every case.
        package func accept<Visitor: SessionEventDataVisitor>(_ visitor: Visitor) -> Visitor.Result? {
            switch self {
            case .sessionStart(let data): visitor.visit(data)
            case .sessionResume(let data): visitor.visit(data)
            case .sessionInfo(let data): visitor.visit(data)
            case .sessionModelChange(let data): visitor.visit(data)
            case .sessionTaskComplete(let data): visitor.visit(data)
            case .sessionCompactionStart(let data): visitor.visit(data)
            case .sessionCompactionComplete(let data): visitor.visit(data)
            case .userMessage(let data): visitor.visit(data)
            case .assistantTurnStart(let data): visitor.visit(data)
            case .assistantMessageStart(let data): visitor.visit(data)
            case .assistantMessageDelta(let data): visitor.visit(data)
            case .assistantReasoningDelta(let data): visitor.visit(data)
            case .assistantReasoning(let data): visitor.visit(data)
            case .assistantMessage(let data): visitor.visit(data)
            case .assistantUsage(let data): visitor.visit(data)
            case .assistantTurnEnd(let data): visitor.visit(data)
            case .assistantIntent(let data): visitor.visit(data)
            case .toolExecutionStart(let data): visitor.visit(data)
            case .toolExecutionComplete(let data): visitor.visit(data)
            case .externalToolRequested(let data): visitor.visit(data)
            case .externalToolCompleted(let data): visitor.visit(data)
            case .permissionRequested(let data): visitor.visit(data)
            case .permissionCompleted(let data): visitor.visit(data)
            case .userInputRequested(let data): visitor.visit(data)
            case .userInputCompleted(let data): visitor.visit(data)
            case .hookStart(let data): visitor.visit(data)
            case .hookEnd(let data): visitor.visit(data)
            case .sessionError(let data): visitor.visit(data)
            case .sessionWarning(let data): visitor.visit(data)
            case .sessionIdle(let data): visitor.visit(data)
            case .abort(let data): visitor.visit(data)
            case .sessionModeChanged(let data): visitor.visit(data)
            case .sessionPlanChanged(let data): visitor.visit(data)
            case .sessionTitleChanged(let data): visitor.visit(data)
            case .sessionWorkspaceFileChanged(let data): visitor.visit(data)
            case .sessionContextChanged(let data): visitor.visit(data)
            case .sessionUsageInfo(let data): visitor.visit(data)
            case .pendingMessagesModified(let data): visitor.visit(data)
            case .toolExecutionPartialResult(let data): visitor.visit(data)
            case .sessionShutdown(let data): visitor.visit(data)
            case .elicitationRequested(let data): visitor.visit(data)
            case .elicitationCompleted(let data): visitor.visit(data)
            case .capabilitiesChanged(let data): visitor.visit(data)
            case .commandsChanged(let data): visitor.visit(data)
            case .mcpOAuthRequired(let data): visitor.visit(data)
            case .mcpOAuthCompleted(let data): visitor.visit(data)
            case .mcpServersLoaded(let data): visitor.visit(data)
            case .mcpServerStatusChanged(let data): visitor.visit(data)
            case .skillInvoked(let data): visitor.visit(data)
            case .subagentStarted(let data): visitor.visit(data)
            case .subagentCompleted(let data): visitor.visit(data)
            case .subagentFailed(let data): visitor.visit(data)
            case .subagentSelected(let data): visitor.visit(data)
            case .subagentDeselected(let data): visitor.visit(data)
            case .unknown: nil
            }
        }

        /// The typed data, or `nil` for ``unknown(type:data:)``.
        public var data: (any SessionEventData)? { accept(Boxing()) }

        /// The official type string.
        public var type: String {
            if case .unknown(let type, _) = self { return type }
            return accept(TypeName()) ?? ""
        }

        /// Whether the official runtime marks this type ephemeral (streamed, never persisted).
        public var isEphemeralByDefault: Bool {
            accept(Ephemeral()) ?? false
        }
    }

    /// `session.start`: the session exists.
    public struct SessionStart: SessionEventData {
        public static let eventType = "session.start"
        public var payload: Payload { .sessionStart(self) }
        public var sessionId: String
        public var version: Int
        public var producer: String
        public var copilotVersion: String
        public var startTime: String
        public var selectedModel: String?
        public var reasoningEffort: String?
        public var context: Context?

        /// Where the session works.
        public struct Context: Sendable, Hashable, Codable {
            public var cwd: String
            public init(cwd: String) { self.cwd = cwd }
        }

        public init(
            sessionId: String, version: Int = 1, producer: String, copilotVersion: String, startTime: String,
            selectedModel: String? = nil, reasoningEffort: String? = nil, context: Context? = nil
        ) {
            self.sessionId = sessionId
            self.version = version
            self.producer = producer
            self.copilotVersion = copilotVersion
            self.startTime = startTime
            self.selectedModel = selectedModel
            self.reasoningEffort = reasoningEffort
            self.context = context
        }
    }

    /// `user.message`: a prompt entered the conversation.
    public struct UserMessage: SessionEventData {
        public static let eventType = "user.message"
        public var payload: Payload { .userMessage(self) }
        /// The message as the user wrote it.
        public var content: String
        /// The message as the model got it (with the current date and time, and what hooks changed).
        public var transformedContent: String?
        /// The id that `send` returned for this message.
        public var messageId: String?
        public var attachments: [Attachment]?
        /// `steering` when the message joined a running interaction.
        public var delivery: String?
        /// The agent mode the client sent the message in (`interactive`, `plan`, `autopilot`, …).
        public var agentMode: String?
        /// Who wrote the message when the user did not: `hook` for an `agentStop` hook's reason to go on.
        public var source: String?
        public init(
            content: String, transformedContent: String? = nil, messageId: String? = nil, attachments: [Attachment]? = nil,
            delivery: String? = nil, agentMode: String? = nil, source: String? = nil
        ) {
            self.content = content
            self.transformedContent = transformedContent
            self.messageId = messageId
            self.attachments = attachments
            self.delivery = delivery
            self.agentMode = agentMode
            self.source = source
        }
    }

    /// `assistant.turn_start`: a model call begins.
    public struct AssistantTurnStart: SessionEventData {
        public static let eventType = "assistant.turn_start"
        public var payload: Payload { .assistantTurnStart(self) }
        public var turnId: String
        public var model: String?
        public init(turnId: String, model: String? = nil) {
            self.turnId = turnId
            self.model = model
        }
    }

    /// `assistant.message_start` (ephemeral): the first text of a streamed message is about to arrive.
    public struct AssistantMessageStart: SessionEventData {
        public static let eventType = "assistant.message_start"
        public static let isEphemeral = true
        public var payload: Payload { .assistantMessageStart(self) }
        public var messageId: String
        public init(messageId: String) { self.messageId = messageId }
    }

    /// `assistant.message_delta` (ephemeral): a streamed piece of the answer.
    public struct AssistantMessageDelta: SessionEventData {
        public static let eventType = "assistant.message_delta"
        public static let isEphemeral = true
        public var payload: Payload { .assistantMessageDelta(self) }
        public var messageId: String
        public var deltaContent: String
        public init(messageId: String, deltaContent: String) {
            self.messageId = messageId
            self.deltaContent = deltaContent
        }
    }

    /// `assistant.reasoning_delta` (ephemeral): a streamed piece of the model's reasoning.
    public struct AssistantReasoningDelta: SessionEventData {
        public static let eventType = "assistant.reasoning_delta"
        public static let isEphemeral = true
        public var payload: Payload { .assistantReasoningDelta(self) }
        public var reasoningId: String
        public var deltaContent: String
        public init(reasoningId: String, deltaContent: String) {
            self.reasoningId = reasoningId
            self.deltaContent = deltaContent
        }
    }

    /// `assistant.reasoning`: the model's complete reasoning for one call.
    public struct AssistantReasoning: SessionEventData {
        public static let eventType = "assistant.reasoning"
        public var payload: Payload { .assistantReasoning(self) }
        public var reasoningId: String
        public var content: String
        public init(reasoningId: String, content: String) {
            self.reasoningId = reasoningId
            self.content = content
        }
    }

    /// `assistant.message`: the model's complete answer for one call, with any tool requests.
    public struct AssistantMessage: SessionEventData {
        public static let eventType = "assistant.message"
        public var payload: Payload { .assistantMessage(self) }
        public var messageId: String
        /// The text; "" when the model only called tools.
        public var content: String
        public var toolRequests: [ToolRequest]?
        /// The `messageId` of the user message this answers.
        public var originatingMessageId: String?
        public var model: String?
        public var outputTokens: Int?
        public var reasoningText: String?
        public var turnId: String?
        public var requestId: String?

        public init(
            messageId: String, content: String, toolRequests: [ToolRequest]? = nil, originatingMessageId: String? = nil,
            model: String? = nil, outputTokens: Int? = nil, reasoningText: String? = nil, turnId: String? = nil,
            requestId: String? = nil
        ) {
            self.messageId = messageId
            self.content = content
            self.toolRequests = toolRequests
            self.originatingMessageId = originatingMessageId
            self.model = model
            self.outputTokens = outputTokens
            self.reasoningText = reasoningText
            self.turnId = turnId
            self.requestId = requestId
        }
    }

    /// A tool call requested in an ``AssistantMessage``.
    public struct ToolRequest: Sendable, Hashable, Codable {
        public var toolCallId: String
        public var name: String
        /// The parsed arguments, or the raw text as a string when it was not valid JSON.
        public var arguments: JSONValue
        public var type: String?
        public init(toolCallId: String, name: String, arguments: JSONValue, type: String? = "function") {
            self.toolCallId = toolCallId
            self.name = name
            self.arguments = arguments
            self.type = type
        }
    }

    /// `assistant.usage` (ephemeral): token counts and timing of one model call.
    public struct AssistantUsage: SessionEventData {
        public static let eventType = "assistant.usage"
        public static let isEphemeral = true
        public var payload: Payload { .assistantUsage(self) }
        public var model: String
        public var inputTokens: Int?
        public var outputTokens: Int?
        public var reasoningTokens: Int?
        /// Input tokens read from the provider's prompt cache.
        public var cacheReadTokens: Int?
        /// Input tokens written to the provider's prompt cache.
        public var cacheWriteTokens: Int?
        /// Milliseconds from request to the end of the stream.
        public var duration: Double?
        public var timeToFirstTokenMs: Double?
        public var finishReason: String?
        public var isByok: Bool?
        public var providerType: String?
        public var apiEndpoint: String?
        public var apiCallId: String?

        public init(
            model: String, inputTokens: Int? = nil, outputTokens: Int? = nil, reasoningTokens: Int? = nil,
            cacheReadTokens: Int? = nil, cacheWriteTokens: Int? = nil, duration: Double? = nil, timeToFirstTokenMs: Double? = nil,
            finishReason: String? = nil, isByok: Bool? = nil, providerType: String? = nil, apiEndpoint: String? = nil,
            apiCallId: String? = nil
        ) {
            self.model = model
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
            self.reasoningTokens = reasoningTokens
            self.cacheReadTokens = cacheReadTokens
            self.cacheWriteTokens = cacheWriteTokens
            self.duration = duration
            self.timeToFirstTokenMs = timeToFirstTokenMs
            self.finishReason = finishReason
            self.isByok = isByok
            self.providerType = providerType
            self.apiEndpoint = apiEndpoint
            self.apiCallId = apiCallId
        }
    }

    /// `assistant.turn_end`: the model call and its tool calls are done.
    public struct AssistantTurnEnd: SessionEventData {
        public static let eventType = "assistant.turn_end"
        public var payload: Payload { .assistantTurnEnd(self) }
        public var turnId: String
        public var model: String?
        public init(turnId: String, model: String? = nil) {
            self.turnId = turnId
            self.model = model
        }
    }

    /// `assistant.intent`: what the agent says it is doing now (from the `report_intent` tool).
    public struct AssistantIntent: SessionEventData {
        public static let eventType = "assistant.intent"
        public static let isEphemeral = true
        public var payload: Payload { .assistantIntent(self) }
        public var intent: String
        public init(intent: String) { self.intent = intent }
    }

    /// `tool.execution_start`: a tool call begins (before its permission is asked).
    public struct ToolExecutionStart: SessionEventData {
        public static let eventType = "tool.execution_start"
        public var payload: Payload { .toolExecutionStart(self) }
        public var toolCallId: String
        public var toolName: String
        public var arguments: JSONValue?
        public var turnId: String?
        /// The MCP server whose tool this is, for an MCP tool.
        public var mcpServerName: String?
        /// The tool's own name on its MCP server (``toolName`` is the name the model called).
        public var mcpToolName: String?
        public init(
            toolCallId: String, toolName: String, arguments: JSONValue? = nil, turnId: String? = nil, mcpServerName: String? = nil,
            mcpToolName: String? = nil
        ) {
            self.toolCallId = toolCallId
            self.toolName = toolName
            self.arguments = arguments
            self.turnId = turnId
            self.mcpServerName = mcpServerName
            self.mcpToolName = mcpToolName
        }
    }

    /// `tool.execution_complete`: a tool call finished, succeeded or not.
    public struct ToolExecutionComplete: SessionEventData {
        public static let eventType = "tool.execution_complete"
        public var payload: Payload { .toolExecutionComplete(self) }
        public var toolCallId: String
        public var success: Bool
        public var result: Result?
        public var error: Failure?
        public var turnId: String?

        /// What the tool returned to the model.
        public struct Result: Sendable, Hashable, Codable {
            public var content: String
            /// The result's blocks in their own form (an MCP tool's `text`, `image`, `resource`… blocks).
            public var contents: [JSONValue]?
            /// The structured result an MCP tool returned, as it returned it.
            public var structuredContent: JSONValue?
            public init(content: String, contents: [JSONValue]? = nil, structuredContent: JSONValue? = nil) {
                self.content = content
                self.contents = contents
                self.structuredContent = structuredContent
            }
        }

        /// Why the tool call failed.
        public struct Failure: Sendable, Hashable, Codable {
            public var message: String
            /// `denied`, `rejected`, `failure`, … when known.
            public var code: String?
            public init(message: String, code: String? = nil) {
                self.message = message
                self.code = code
            }
        }

        public init(toolCallId: String, success: Bool, result: Result? = nil, error: Failure? = nil, turnId: String? = nil) {
            self.toolCallId = toolCallId
            self.success = success
            self.result = result
            self.error = error
            self.turnId = turnId
        }
    }

    /// `permission.requested`: the runtime asks whether an action may proceed.
    public struct PermissionRequested: SessionEventData {
        public static let eventType = "permission.requested"
        public var payload: Payload { .permissionRequested(self) }
        public var requestId: String
        public var permissionRequest: PermissionRequest
        public init(requestId: String, permissionRequest: PermissionRequest) {
            self.requestId = requestId
            self.permissionRequest = permissionRequest
        }
    }

    /// `permission.completed`: the answer to a permission request.
    public struct PermissionCompleted: SessionEventData {
        public static let eventType = "permission.completed"
        public var payload: Payload { .permissionCompleted(self) }
        public var requestId: String
        public var toolCallId: String?
        public var result: Outcome

        /// The outcome, in the official vocabulary (`approved`, `denied-interactively-by-user`, …).
        public struct Outcome: Sendable, Hashable, Codable {
            public var kind: String
            public var feedback: String?
            public init(kind: String, feedback: String? = nil) {
                self.kind = kind
                self.feedback = feedback
            }
        }

        public init(requestId: String, toolCallId: String? = nil, result: Outcome) {
            self.requestId = requestId
            self.toolCallId = toolCallId
            self.result = result
        }
    }

    /// `session.error`: something failed; `session.idle` follows.
    public struct SessionError: SessionEventData {
        public static let eventType = "session.error"
        public var payload: Payload { .sessionError(self) }
        /// A category such as `model_call`, `configuration`, `authentication`, `rate_limit`, `turn_limit`.
        public var errorType: String
        public var message: String
        public var statusCode: Int?
        public var errorCode: String?
        public var originatingMessageId: String?
        public var url: String?
        public var providerCallId: String?

        public init(
            errorType: String, message: String, statusCode: Int? = nil, errorCode: String? = nil,
            originatingMessageId: String? = nil, url: String? = nil, providerCallId: String? = nil
        ) {
            self.errorType = errorType
            self.message = message
            self.statusCode = statusCode
            self.errorCode = errorCode
            self.originatingMessageId = originatingMessageId
            self.url = url
            self.providerCallId = providerCallId
        }
    }

    /// `session.warning`: something went wrong but the session carried on (e.g. a retried model call).
    public struct SessionWarning: SessionEventData {
        public static let eventType = "session.warning"
        public var payload: Payload { .sessionWarning(self) }
        public var warningType: String
        public var message: String
        public init(warningType: String, message: String) {
            self.warningType = warningType
            self.message = message
        }
    }

    /// `session.idle` (ephemeral): the session finished processing and waits for input. Always the last
    /// event of a `send`, also after errors and aborts.
    public struct SessionIdle: SessionEventData {
        public static let eventType = "session.idle"
        public static let isEphemeral = true
        public var payload: Payload { .sessionIdle(self) }
        /// `true` when processing ended because the session was aborted (`CopilotSession.abort()`).
        public var aborted: Bool?
        public init(aborted: Bool? = nil) { self.aborted = aborted }
    }

    /// `abort`: the current processing was cancelled.
    public struct Abort: SessionEventData {
        public static let eventType = "abort"
        public var payload: Payload { .abort(self) }
        /// `user_initiated` for an explicit abort.
        public var reason: String
        public init(reason: String = "user_initiated") { self.reason = reason }
    }
}
