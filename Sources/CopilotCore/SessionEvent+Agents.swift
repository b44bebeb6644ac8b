// Events of what extends an agent: skills, and the sub-agents it delegates to.

extension SessionEvent {
    /// `skill.invoked`: a skill's instructions were loaded into the conversation (the `skill` tool).
    /// A resumed session puts them back where they were.
    public struct SkillInvoked: SessionEventData {
        public static let eventType = "skill.invoked"
        public var payload: Payload { .skillInvoked(self) }
        public var name: String
        /// The skill's `SKILL.md`.
        public var path: String
        /// The instructions as the model got them.
        public var content: String
        public var description: String?
        /// Where the skill was found: `custom` (a configured folder), `project`, `personal-copilot`…
        public var source: String?
        /// The tools the skill's front matter names (`allowed-tools`).
        public var allowedTools: [String]?
        /// The turn the skill was loaded in.
        public var invokedAtTurn: Int?
        /// `agent-invoked` (the model called the `skill` tool), `context-load` (a custom agent preloads it) or `user-invoked`.
        public var trigger: String?

        public init(
            name: String, path: String, content: String, description: String? = nil, source: String? = nil, allowedTools: [String]? = nil,
            invokedAtTurn: Int? = nil, trigger: String? = nil
        ) {
            self.name = name
            self.path = path
            self.content = content
            self.description = description
            self.source = source
            self.allowedTools = allowedTools
            self.invokedAtTurn = invokedAtTurn
            self.trigger = trigger
        }
    }
}

extension SessionEvent {
    /// `subagent.started`: the main agent delegated to a sub-agent (the `task` tool); the sub-agent's
    /// own events carry its id as ``SessionEvent/agentId``.
    public struct SubagentStarted: SessionEventData {
        public static let eventType = "subagent.started"
        public var payload: Payload { .subagentStarted(self) }
        /// The `task` call that started it.
        public var toolCallId: String
        public var agentName: String
        public var agentDisplayName: String
        public var agentDescription: String
        /// The id its events carry.
        public var agentId: String?
        /// `sync` or `background`.
        public var executionMode: String?
        public var model: String?

        public init(
            toolCallId: String, agentName: String, agentDisplayName: String, agentDescription: String, agentId: String? = nil,
            executionMode: String? = nil, model: String? = nil
        ) {
            self.toolCallId = toolCallId
            self.agentName = agentName
            self.agentDisplayName = agentDisplayName
            self.agentDescription = agentDescription
            self.agentId = agentId
            self.executionMode = executionMode
            self.model = model
        }
    }

    /// `subagent.completed`: a sub-agent finished with an answer.
    public struct SubagentCompleted: SessionEventData {
        public static let eventType = "subagent.completed"
        public var payload: Payload { .subagentCompleted(self) }
        public var toolCallId: String
        public var agentName: String
        public var agentDisplayName: String
        public var model: String?
        public var durationMs: Double?
        public var totalTokens: Int?
        public var totalToolCalls: Int?

        public init(
            toolCallId: String, agentName: String, agentDisplayName: String, model: String? = nil, durationMs: Double? = nil,
            totalTokens: Int? = nil, totalToolCalls: Int? = nil
        ) {
            self.toolCallId = toolCallId
            self.agentName = agentName
            self.agentDisplayName = agentDisplayName
            self.model = model
            self.durationMs = durationMs
            self.totalTokens = totalTokens
            self.totalToolCalls = totalToolCalls
        }
    }

    /// `subagent.failed`: a sub-agent ended without an answer (an error, or it was aborted).
    public struct SubagentFailed: SessionEventData {
        public static let eventType = "subagent.failed"
        public var payload: Payload { .subagentFailed(self) }
        public var toolCallId: String
        public var agentName: String
        public var agentDisplayName: String
        public var error: String
        public var model: String?
        public var durationMs: Double?
        public var totalTokens: Int?
        public var totalToolCalls: Int?

        public init(
            toolCallId: String, agentName: String, agentDisplayName: String, error: String, model: String? = nil, durationMs: Double? = nil,
            totalTokens: Int? = nil, totalToolCalls: Int? = nil
        ) {
            self.toolCallId = toolCallId
            self.agentName = agentName
            self.agentDisplayName = agentDisplayName
            self.error = error
            self.model = model
            self.durationMs = durationMs
            self.totalTokens = totalTokens
            self.totalToolCalls = totalToolCalls
        }
    }

    /// `subagent.selected`: a custom agent now runs as the session's main agent.
    public struct SubagentSelected: SessionEventData {
        public static let eventType = "subagent.selected"
        public var payload: Payload { .subagentSelected(self) }
        public var agentName: String
        public var agentDisplayName: String
        /// The tools it may call; `nil` for all.
        public var tools: [String]?

        public init(agentName: String, agentDisplayName: String, tools: [String]? = nil) {
            self.agentName = agentName
            self.agentDisplayName = agentDisplayName
            self.tools = tools
        }
    }

    /// `subagent.deselected`: the session's default agent runs again.
    public struct SubagentDeselected: SessionEventData {
        public static let eventType = "subagent.deselected"
        public var payload: Payload { .subagentDeselected(self) }
        public init() {}
    }
}
