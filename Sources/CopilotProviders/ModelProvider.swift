/// A model endpoint that runs one model call ("turn") at a time and streams its answer.
///
/// One implementation per wire format. The agent loop knows only this protocol.
public protocol ModelProvider: Sendable {
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
public struct ModelRequest: Sendable, Hashable {
    /// The model (or Azure deployment) name sent on the wire.
    public var model: String
    /// The system prompt, if any.
    public var systemPrompt: String?
    /// The conversation so far, oldest first.
    public var messages: [ConversationItem]
    /// The tools the model may call.
    public var tools: [ToolDefinition]
    /// Upper bound for the answer's length, when the caller sets one.
    public var maxOutputTokens: Int?
    /// Reasoning effort (`low`, `medium`, `high`, …) for models that support it.
    public var reasoningEffort: String?

    public init(
        model: String, systemPrompt: String? = nil, messages: [ConversationItem], tools: [ToolDefinition] = [],
        maxOutputTokens: Int? = nil, reasoningEffort: String? = nil
    ) {
        self.model = model
        self.systemPrompt = systemPrompt
        self.messages = messages
        self.tools = tools
        self.maxOutputTokens = maxOutputTokens
        self.reasoningEffort = reasoningEffort
    }
}

/// One entry of the conversation sent to the model, independent of the wire format.
public enum ConversationItem: Sendable, Hashable, Codable {
    /// What the user said, with any images attached.
    case user(String, images: [ImageContent] = [])
    /// What the model answered: text, the tools it asked for, and any reasoning to replay verbatim.
    case assistant(text: String, toolCalls: [ToolCall], reasoning: [ReasoningTrace] = [])
    /// The result of one tool call, matched to it by `callID`.
    case toolResult(callID: String, content: String)
}

/// A tool call the model asked for.
public struct ToolCall: Sendable, Hashable, Codable {
    /// The provider's id for this call; the result must echo it.
    public var id: String
    /// The tool's name.
    public var name: String
    /// The arguments exactly as the model wrote them: JSON text, possibly malformed.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// An image sent to the model, base64-encoded.
public struct ImageContent: Sendable, Hashable, Codable {
    /// `image/png`, `image/jpeg`, `image/gif` or `image/webp`.
    public var mimeType: String
    /// The image bytes, base64-encoded.
    public var base64Data: String

    public init(mimeType: String, base64Data: String) {
        self.mimeType = mimeType
        self.base64Data = base64Data
    }

    /// A `data:` URL, as the OpenAI formats take it.
    public var dataURL: String { "data:\(mimeType);base64,\(base64Data)" }
}

/// A piece of model reasoning, kept so it can be sent back unchanged on the next call.
///
/// Anthropic requires thinking blocks (with their `signature`) to be replayed when tools are used;
/// the Responses API replays reasoning items by `encrypted_content`. Other formats ignore it.
public struct ReasoningTrace: Sendable, Hashable, Codable {
    /// The readable reasoning text (may be empty when the provider only sent an opaque form).
    public var text: String
    /// Anthropic's thinking-block signature.
    public var signature: String?
    /// The Responses API reasoning item's `encrypted_content`.
    public var encryptedContent: String?
    /// The provider's id for the reasoning item (`rs_…`).
    public var itemID: String?
    /// Anthropic `redacted_thinking` data.
    public var redactedData: String?

    public init(text: String, signature: String? = nil, encryptedContent: String? = nil, itemID: String? = nil, redactedData: String? = nil) {
        self.text = text
        self.signature = signature
        self.encryptedContent = encryptedContent
        self.itemID = itemID
        self.redactedData = redactedData
    }
}

/// A tool as declared to the model.
public struct ToolDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    /// A JSON Schema for the arguments object.
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// A fragment streamed while a model call runs.
public enum ModelStreamEvent: Sendable, Hashable {
    /// A piece of the visible answer.
    case textDelta(String)
    /// A piece of the model's reasoning (from `reasoning_content`, `reasoning`, thinking blocks).
    case reasoningDelta(String)
    /// The call failed after streaming some fragments and is being retried: discard what was streamed.
    case restart(reason: String)
}

/// Token counts reported by the provider.
public struct TokenUsage: Sendable, Hashable, Codable {
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var reasoningTokens: Int?
    public var cacheReadTokens: Int?

    public init(inputTokens: Int? = nil, outputTokens: Int? = nil, reasoningTokens: Int? = nil, cacheReadTokens: Int? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.reasoningTokens = reasoningTokens
        self.cacheReadTokens = cacheReadTokens
    }
}

/// The complete answer of one model call.
public struct ModelResponse: Sendable, Hashable {
    /// The visible answer text ("" when the model only called tools).
    public var text: String
    /// Reasoning text, if the provider streamed any.
    public var reasoning: String?
    /// Reasoning in the provider's replayable form (signatures, encrypted content).
    public var reasoningTraces: [ReasoningTrace]
    /// The tools the model asked for, in the order it listed them.
    public var toolCalls: [ToolCall]
    /// Token counts, if the provider reported them.
    public var usage: TokenUsage?
    /// The provider's finish reason (`stop`, `tool_calls`, `length`, …).
    public var finishReason: String?
    /// The model name the provider reported.
    public var model: String?
    /// The provider's request id.
    public var requestID: String?
    /// The API path that served the call, e.g. `/chat/completions`.
    public var apiEndpoint: String?

    public init(
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
