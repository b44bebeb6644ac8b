public import CopilotCore

/// A model endpoint that runs one model call ("turn") at a time and streams its answer.
///
/// One implementation per wire format. The agent loop knows only this protocol.
package protocol ModelProvider: Sendable {
    /// Runs one model call. Calls `onEvent` for every text or reasoning fragment as it arrives and
    /// returns the assembled answer once the provider says it is complete.
    ///
    /// - Throws: ``ProviderError`` for every provider-side failure, including a stream that ends
    ///   before the provider marked it complete; `CancellationError` when the task is cancelled.
    func complete(
        _ request: ModelRequest,
        onEvent: @Sendable (ModelStreamEvent) async -> Void
    ) async throws -> ModelResponse
}

/// What the agent loop asks of a model in one call.
package struct ModelRequest: Sendable, Hashable {
    /// The model (or Azure deployment) name sent on the wire.
    package var model: String
    /// The system prompt, if any.
    package var systemPrompt: String?
    /// The conversation so far, oldest first.
    package var messages: [ConversationItem]
    /// The tools the model may call.
    package var tools: [ToolDefinition]
    /// Upper bound for the answer's length, when the caller sets one.
    package var maxOutputTokens: Int?
    /// Reasoning effort (`low`, `medium`, `high`, …) for models that support it.
    package var reasoningEffort: String?
    /// Whether the caller wants the answer as it is generated. The Chat Completions wire then asks
    /// for a stream; without it, for one JSON answer, as the official runtime does (a server that
    /// answers with several choices has them all read). The other wires always stream.
    package var stream: Bool
    /// Headers for this call only (the official per-message `requestHeaders`, and the
    /// `User-Agent` naming the client); the provider's own headers and auth win over them.
    package var headers: [String: String]
    /// Anthropic: documents are sent with citations enabled.
    package var citations = false
    /// Sampling temperature; the provider's default when nil (Anthropic ignores it while thinking).
    package var temperature: Double?

    /// The agent the call is for (passed on to the transport).
    package var origin: ModelCallOrigin?
    /// The JSON Schema the answer must match, sent the way the wire asks for it.
    package var responseFormat: ResponseFormat?
    /// Names the conversation whose prefix the provider may cache (OpenAI `prompt_cache_key`):
    /// one per agent of a session, so calls that share a prefix go to the same cache.
    package var cacheKey: String?

    package init(
        model: String, systemPrompt: String? = nil, messages: [ConversationItem], tools: [ToolDefinition] = [],
        maxOutputTokens: Int? = nil, reasoningEffort: String? = nil, stream: Bool = true, headers: [String: String] = [:]
    ) {
        self.headers = headers
        self.model = model
        self.systemPrompt = systemPrompt
        self.messages = messages
        self.tools = tools
        self.maxOutputTokens = maxOutputTokens
        self.reasoningEffort = reasoningEffort
        self.stream = stream
    }
}

/// A tool as declared to the model.
package struct ToolDefinition: Sendable, Hashable, Codable {
    package var name: String
    package var description: String
    /// A JSON Schema for the arguments object.
    package var parameters: JSONValue

    package init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// A fragment streamed while a model call runs.
package enum ModelStreamEvent: Sendable, Hashable {
    /// A piece of the visible answer.
    case textDelta(String)
    /// A piece of the model's reasoning (from `reasoning_content`, `reasoning`, thinking blocks).
    case reasoningDelta(String)
    /// The call failed and is being retried as attempt `attempt` of `of`: whatever this call
    /// streamed so far is void.
    case restart(reason: String, attempt: Int, of: Int)
}

/// Token counts reported by the provider.
public struct TokenUsage: Sendable, Hashable, Codable {
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var reasoningTokens: Int?
    /// Input tokens read from the provider's prompt cache.
    public var cacheReadTokens: Int?
    /// Input tokens written to the provider's prompt cache (Anthropic's `cache_creation_input_tokens`).
    public var cacheWriteTokens: Int?

    public init(
        inputTokens: Int? = nil, outputTokens: Int? = nil, reasoningTokens: Int? = nil, cacheReadTokens: Int? = nil, cacheWriteTokens: Int? = nil
    ) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.reasoningTokens = reasoningTokens
        self.cacheReadTokens = cacheReadTokens
        self.cacheWriteTokens = cacheWriteTokens
    }
}

extension JSONValue {
    /// A token count a provider reported, as every wire reads one: a whole number clamped to
    /// 0...2^40 (no real answer comes near), so counts added up over a session cannot overflow.
    var tokenCount: Int? { intValue.map { min(max($0, 0), 1 << 40) } }
}

/// The complete answer of one model call.
public struct ModelResponse: Sendable, Hashable {
    /// The visible answer text ("" when the model only called tools).
    package var text: String
    /// Reasoning text, if the provider streamed any.
    package var reasoning: String?
    /// Reasoning in the provider's replayable form (signatures, encrypted content).
    package var reasoningTraces: [ReasoningTrace]
    /// The tools the model asked for, in the order it listed them.
    package var toolCalls: [ToolCall]
    /// Token counts, if the provider reported them.
    package var usage: TokenUsage?
    /// The provider's finish reason (`stop`, `tool_calls`, `length`, …).
    package var finishReason: String?
    /// The model name the provider reported.
    package var model: String?
    /// The provider's request id.
    package var requestID: String?
    /// The API path that served the call, e.g. `/chat/completions`.
    package var apiEndpoint: String?

    package init(
        text: String, reasoning: String? = nil, reasoningTraces: [ReasoningTrace] = [], toolCalls: [ToolCall] = [],
        usage: TokenUsage? = nil,
        finishReason: String? = nil, model: String? = nil, requestID: String? = nil, apiEndpoint: String? = nil
    ) {
        self.text = text
        self.reasoning = reasoning
        self.reasoningTraces = reasoningTraces
        self.toolCalls = toolCalls
        self.usage = usage
        self.finishReason = finishReason
        self.model = model
        self.requestID = requestID
        self.apiEndpoint = apiEndpoint
    }
}
