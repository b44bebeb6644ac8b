public import Foundation

/// One of a session's custom agents, as a client sees it.
public struct AgentInfo: Sendable, Hashable, Codable {
    /// What selects it (its name).
    public var id: String
    /// Its name: what the `task` tool and `selectAgent` take.
    public var name: String
    public var displayName: String
    public var description: String
    /// The tools it may call; `nil` for all.
    public var tools: [String]?
    /// The model it runs on, when not the session's.
    public var model: String?

    public init(name: String, displayName: String, description: String, tools: [String]? = nil, model: String? = nil) {
        self.id = name
        self.name = name
        self.displayName = displayName
        self.description = description
        self.tools = tools
        self.model = model
    }
}

/// A sub-agent the session started (the official "task"): what it was asked, how it is going,
/// and its answer once it has one.
public struct AgentTaskInfo: Sendable, Hashable, Codable {
    /// Its agent id (what `read_agent` and events take).
    public var id: String
    /// Always `agent`: the kind of task, as the official runtime lists them.
    public var type: String
    public var agentType: String
    public var description: String
    public var prompt: String
    /// `running`, `completed`, `failed` or `cancelled`.
    public var status: String
    /// `sync` or `background`.
    public var executionMode: String
    /// The `task` call that started it (empty when a client started it).
    public var toolCallId: String
    public var startedAt: Date
    public var completedAt: Date?
    public var result: String?
    public var error: String?

    public init(
        id: String, agentType: String, description: String, prompt: String, status: String, executionMode: String, toolCallId: String,
        startedAt: Date, completedAt: Date? = nil, result: String? = nil, error: String? = nil
    ) {
        self.id = id
        self.type = "agent"
        self.agentType = agentType
        self.description = description
        self.prompt = prompt
        self.status = status
        self.executionMode = executionMode
        self.toolCallId = toolCallId
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.result = result
        self.error = error
    }

    private enum CodingKeys: String, CodingKey {
        case id, type, agentType, description, prompt, status, executionMode, toolCallId, startedAt, completedAt, result, error
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        type = try container.decodeIfPresent(String.self, forKey: .type) ?? "agent"
        agentType = try container.decode(String.self, forKey: .agentType)
        description = try container.decode(String.self, forKey: .description)
        prompt = try container.decode(String.self, forKey: .prompt)
        status = try container.decode(String.self, forKey: .status)
        executionMode = try container.decodeIfPresent(String.self, forKey: .executionMode) ?? "background"
        toolCallId = try container.decodeIfPresent(String.self, forKey: .toolCallId) ?? ""
        startedAt = try Self.date(container, .startedAt) ?? Date(timeIntervalSince1970: 0)
        completedAt = try Self.date(container, .completedAt)
        result = try container.decodeIfPresent(String.self, forKey: .result)
        error = try container.decodeIfPresent(String.self, forKey: .error)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(agentType, forKey: .agentType)
        try container.encode(description, forKey: .description)
        try container.encode(prompt, forKey: .prompt)
        try container.encode(status, forKey: .status)
        try container.encode(executionMode, forKey: .executionMode)
        try container.encode(toolCallId, forKey: .toolCallId)
        // Times as the official runtime writes them (ISO 8601, milliseconds, UTC).
        try container.encode(EventTimestamp.format(startedAt), forKey: .startedAt)
        try container.encodeIfPresent(completedAt.map(EventTimestamp.format), forKey: .completedAt)
        try container.encodeIfPresent(result, forKey: .result)
        try container.encodeIfPresent(error, forKey: .error)
    }

    private static func date(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Date? {
        try container.decodeIfPresent(String.self, forKey: key).flatMap(EventTimestamp.parse)
    }
}
