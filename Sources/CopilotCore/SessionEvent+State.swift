// Event types about the session's state that clients change over the protocol (mode, plan, name,
// workspace files, context) and what the runtime reports about its use (context window, queue,
// shutdown), in the official runtime's shapes.

extension SessionEvent {
    /// `session.mode_changed`: the agent mode changed (`interactive`, `plan`, `autopilot`).
    public struct SessionModeChanged: SessionEventData {
        public static let eventType = "session.mode_changed"
        public var payload: Payload { .sessionModeChanged(self) }
        public var previousMode: String
        public var newMode: String
        public init(previousMode: String, newMode: String) {
            self.previousMode = previousMode
            self.newMode = newMode
        }
    }

    /// `session.plan_changed`: the session's plan was created, updated or deleted.
    public struct SessionPlanChanged: SessionEventData {
        public static let eventType = "session.plan_changed"
        public var payload: Payload { .sessionPlanChanged(self) }
        /// `create`, `update` or `delete`.
        public var operation: String
        public init(operation: String) { self.operation = operation }
    }

    /// `session.title_changed`: the session's name changed.
    public struct SessionTitleChanged: SessionEventData {
        public static let eventType = "session.title_changed"
        public var payload: Payload { .sessionTitleChanged(self) }
        public var title: String
        public init(title: String) { self.title = title }
    }

    /// `session.workspace_file_changed`: a file in the session's workspace was created or updated.
    public struct SessionWorkspaceFileChanged: SessionEventData {
        public static let eventType = "session.workspace_file_changed"
        public var payload: Payload { .sessionWorkspaceFileChanged(self) }
        /// The path relative to the workspace's files folder.
        public var path: String
        /// `create` or `update`.
        public var operation: String
        public init(path: String, operation: String) {
            self.path = path
            self.operation = operation
        }
    }

    /// `session.context_changed`: where the session works (directory, repository, branch) changed.
    public struct SessionContextChanged: SessionEventData {
        public static let eventType = "session.context_changed"
        public var payload: Payload { .sessionContextChanged(self) }
        public var cwd: String
        public var gitRoot: String?
        public var branch: String?
        public var repository: String?
        public var repositoryHost: String?
        public var baseCommit: String?
        public var headCommit: String?
        /// `github` or `ado`.
        public var hostType: String?
        public init(
            cwd: String, gitRoot: String? = nil, branch: String? = nil, repository: String? = nil, repositoryHost: String? = nil,
            baseCommit: String? = nil, headCommit: String? = nil, hostType: String? = nil
        ) {
            self.cwd = cwd
            self.gitRoot = gitRoot
            self.branch = branch
            self.repository = repository
            self.repositoryHost = repositoryHost
            self.baseCommit = baseCommit
            self.headCommit = headCommit
            self.hostType = hostType
        }
    }

    /// `session.usage_info`: how full the context window is, after a model call.
    public struct SessionUsageInfo: SessionEventData {
        public static let eventType = "session.usage_info"
        public static let isEphemeral = true
        public var payload: Payload { .sessionUsageInfo(self) }
        /// Estimated tokens of the next request (system prompt, tools and conversation).
        public var currentTokens: Int
        /// Entries in the conversation.
        public var messagesLength: Int
        /// The model's context window, in tokens.
        public var tokenLimit: Int
        public var systemTokens: Int?
        public var conversationTokens: Int?
        public var toolDefinitionsTokens: Int?
        /// Input tokens the provider read from its prompt cache, over the session so far (this
        /// runtime's own field; absent until a provider reports one).
        public var cacheReadTokens: Int?
        /// Input tokens the provider wrote to its prompt cache, over the session so far (this runtime's own field).
        public var cacheWriteTokens: Int?
        public init(
            currentTokens: Int, messagesLength: Int, tokenLimit: Int, systemTokens: Int? = nil, conversationTokens: Int? = nil,
            toolDefinitionsTokens: Int? = nil, cacheReadTokens: Int? = nil, cacheWriteTokens: Int? = nil
        ) {
            self.currentTokens = currentTokens
            self.messagesLength = messagesLength
            self.tokenLimit = tokenLimit
            self.systemTokens = systemTokens
            self.conversationTokens = conversationTokens
            self.toolDefinitionsTokens = toolDefinitionsTokens
            self.cacheReadTokens = cacheReadTokens
            self.cacheWriteTokens = cacheWriteTokens
        }
    }

    /// `pending_messages.modified`: the messages waiting for their turn changed (one queued or taken up).
    public struct PendingMessagesModified: SessionEventData {
        public static let eventType = "pending_messages.modified"
        public static let isEphemeral = true
        public var payload: Payload { .pendingMessagesModified(self) }
        public init() {}
    }

    /// `tool.execution_partial_result`: output a running tool produced so far (the shell's, as it prints).
    public struct ToolExecutionPartialResult: SessionEventData {
        public static let eventType = "tool.execution_partial_result"
        public static let isEphemeral = true
        public var payload: Payload { .toolExecutionPartialResult(self) }
        public var toolCallId: String
        public var partialOutput: String
        public init(toolCallId: String, partialOutput: String) {
            self.toolCallId = toolCallId
            self.partialOutput = partialOutput
        }
    }

    /// `session.shutdown`: the session ended, with what it used.
    public struct SessionShutdown: SessionEventData {
        public static let eventType = "session.shutdown"
        public var payload: Payload { .sessionShutdown(self) }
        /// `routine` or `error`.
        public var shutdownType: String
        public var errorReason: String?
        /// When the session started, in milliseconds since 1970.
        public var sessionStartTime: Int
        public var totalApiDurationMs: Double
        public var codeChanges: CodeChanges
        /// Requests and tokens, by model.
        public var modelMetrics: [String: ModelMetric]
        public var currentModel: String?

        /// Files the session's tools changed.
        public struct CodeChanges: Sendable, Hashable, Codable {
            public var filesModified: [String]
            public var linesAdded: Int
            public var linesRemoved: Int
            public init(filesModified: [String] = [], linesAdded: Int = 0, linesRemoved: Int = 0) {
                self.filesModified = filesModified
                self.linesAdded = linesAdded
                self.linesRemoved = linesRemoved
            }
        }

        public init(
            shutdownType: String, errorReason: String? = nil, sessionStartTime: Int, totalApiDurationMs: Double, codeChanges: CodeChanges,
            modelMetrics: [String: ModelMetric], currentModel: String? = nil
        ) {
            self.shutdownType = shutdownType
            self.errorReason = errorReason
            self.sessionStartTime = sessionStartTime
            self.totalApiDurationMs = totalApiDurationMs
            self.codeChanges = codeChanges
            self.modelMetrics = modelMetrics
            self.currentModel = currentModel
        }
    }
}

/// What one model was used for in a session: the official `ModelMetric`.
public struct ModelMetric: Sendable, Hashable, Codable {
    public var requests: Requests
    public var usage: Usage

    /// Calls made, and what they cost (always 0 here: BYOK calls are billed by the provider).
    public struct Requests: Sendable, Hashable, Codable {
        public var count: Int
        public var cost: Double
        public init(count: Int = 0, cost: Double = 0) {
            self.count = count
            self.cost = cost
        }
    }

    /// Tokens, as the provider reported them.
    public struct Usage: Sendable, Hashable, Codable {
        public var inputTokens: Int
        public var outputTokens: Int
        public var cacheReadTokens: Int
        public var cacheWriteTokens: Int
        public var reasoningTokens: Int?
        public init(inputTokens: Int = 0, outputTokens: Int = 0, cacheReadTokens: Int = 0, cacheWriteTokens: Int = 0, reasoningTokens: Int? = nil) {
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
            self.cacheReadTokens = cacheReadTokens
            self.cacheWriteTokens = cacheWriteTokens
            self.reasoningTokens = reasoningTokens
        }
    }

    public init(requests: Requests = Requests(), usage: Usage = Usage()) {
        self.requests = requests
        self.usage = usage
    }
}
