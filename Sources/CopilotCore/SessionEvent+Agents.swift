// Events of what extends an agent: skills (and, with them, the agents that use them).

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
