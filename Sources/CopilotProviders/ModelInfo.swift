/// A model a provider offers, in the official SDKs' shape (`models.list`, `onListModels`).
public struct ModelInfo: Sendable, Hashable, Codable {
    /// The id to put in `SessionConfig.model`.
    public var id: String
    /// A display name.
    public var name: String
    /// What the model can do and its limits.
    public var capabilities: ModelCapabilities
    /// Reasoning efforts the model accepts, if it supports any.
    public var supportedReasoningEfforts: [String]?
    /// The effort used when none is given.
    public var defaultReasoningEffort: String?

    public init(
        id: String, name: String? = nil, capabilities: ModelCapabilities = ModelCapabilities(),
        supportedReasoningEfforts: [String]? = nil, defaultReasoningEffort: String? = nil
    ) {
        self.id = id
        self.name = name ?? id
        self.capabilities = capabilities
        self.supportedReasoningEfforts = supportedReasoningEfforts
        self.defaultReasoningEffort = defaultReasoningEffort
    }
}

/// What a model supports and how much it can take.
public struct ModelCapabilities: Sendable, Hashable, Codable {
    public var supports: ModelSupports
    public var limits: ModelLimits

    public init(supports: ModelSupports = ModelSupports(), limits: ModelLimits = ModelLimits()) {
        self.supports = supports
        self.limits = limits
    }
}

/// Feature flags of a model; `nil` means unknown.
public struct ModelSupports: Sendable, Hashable, Codable {
    /// Accepts images.
    public var vision: Bool?
    /// Accepts a reasoning effort.
    public var reasoningEffort: Bool?

    public init(vision: Bool? = nil, reasoningEffort: Bool? = nil) {
        self.vision = vision
        self.reasoningEffort = reasoningEffort
    }
}

/// Token limits of a model. On the wire these keys are snake_case, as in the official SDKs.
public struct ModelLimits: Sendable, Hashable, Codable {
    /// The most tokens a prompt may hold.
    public var maxPromptTokens: Int?
    /// The context window: prompt plus answer.
    public var maxContextWindowTokens: Int?

    public init(maxPromptTokens: Int? = nil, maxContextWindowTokens: Int? = nil) {
        self.maxPromptTokens = maxPromptTokens
        self.maxContextWindowTokens = maxContextWindowTokens
    }

    private enum CodingKeys: String, CodingKey {
        case maxPromptTokens = "max_prompt_tokens"
        case maxContextWindowTokens = "max_context_window_tokens"
    }
}
