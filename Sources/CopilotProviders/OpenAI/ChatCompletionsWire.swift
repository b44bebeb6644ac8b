import CopilotCore
import Foundation

/// The Chat Completions wire format: request bodies out, stream chunks in.
///
/// Pure value transforms with no I/O, so every quirk is testable without a server.
enum ChatCompletionsWire: WireFormat {
    // MARK: Request

    struct RequestBody: Encodable {
        var model: String
        var messages: [Message]
        var tools: [Tool]?
        var toolChoice: String?
        var parallelToolCalls: Bool?
        var stream: Bool
        var streamOptions: StreamOptions?
        var maxCompletionTokens: Int?
        var reasoningEffort: String?
        var temperature: Double?
        var promptCacheKey: String?
        var responseFormat: JSONValue?

        enum CodingKeys: String, CodingKey {
            case model, messages, tools, stream, temperature
            case promptCacheKey = "prompt_cache_key"
            case responseFormat = "response_format"
            case toolChoice = "tool_choice"
            case parallelToolCalls = "parallel_tool_calls"
            case streamOptions = "stream_options"
            case maxCompletionTokens = "max_completion_tokens"
            case reasoningEffort = "reasoning_effort"
        }
    }

    struct StreamOptions: Encodable {
        var includeUsage: Bool
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    struct Message: Encodable {
        var role: String
        var content: String?
        /// Content parts (text, images, documents), used instead of `content` when any are attached.
        var parts: [JSONValue]? = nil
        var toolCalls: [OutgoingToolCall]?
        var toolCallID: String?

        enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
            case toolCallID = "tool_call_id"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(role, forKey: .role)
            if let parts {
                try container.encode(parts, forKey: .content)
            } else {
                // An assistant message that only calls tools carries `content: null`, as OpenAI expects.
                try container.encode(content, forKey: .content)
            }
            try container.encodeIfPresent(toolCalls, forKey: .toolCalls)
            try container.encodeIfPresent(toolCallID, forKey: .toolCallID)
        }
    }

    struct OutgoingToolCall: Encodable {
        var id: String
        var type = "function"
        var function: Function
        struct Function: Encodable {
            var name: String
            var arguments: String
        }
    }

    struct Tool: Encodable {
        var type = "function"
        var function: Function
        struct Function: Encodable {
            var name: String
            var description: String
            var parameters: JSONValue
        }
    }

    static func requestBody(for request: ModelRequest, config: ProviderConfig) throws -> Data {
        var body = requestBody(for: request)
        if config.cachesPrompts { body.promptCacheKey = request.cacheKey }
        if let format = request.responseFormat {
            body.responseFormat = [
                "type": "json_schema",
                "json_schema": ["name": .string(format.name), "schema": format.schema, "strict": .bool(format.strict)],
            ]
        }
        return try encode(body)
    }

    /// Some OpenAI-compatible servers take a schema only in the older `json_object` form
    /// (llama-cpp-python's, which enforces it with a grammar) and refuse `json_schema` with an error
    /// that names `response_format` and the `json_object` form they take (llama-cpp-python's
    /// validation errors are HTTP 500; others say 400 or 422); they are asked again, at once, with
    /// `{"type": "json_object", "schema": …}`. A refusal of the schema itself names no other form.
    static func fallback(for request: ModelRequest, config: ProviderConfig, after error: ProviderError) throws -> WireRequestForm? {
        guard let format = request.responseFormat, let status = error.statusCode, [400, 422, 500].contains(status),
            error.message.contains("response_format"), error.message.contains("json_object")
        else { return nil }
        var body = requestBody(for: request)
        if config.cachesPrompts { body.promptCacheKey = request.cacheKey }
        body.responseFormat = ["type": "json_object", "schema": format.schema]
        return WireRequestForm(body: try encode(body))
    }

    static func requestBody(for request: ModelRequest) -> RequestBody {
        var messages: [Message] = []
        if let system = request.systemPrompt, !system.isEmpty {
            messages.append(Message(role: "system", content: system))
        }
        for item in request.messages {
            switch item {
            case .user(let text, let media) where !media.isEmpty:
                let parts: [JSONValue] = [["type": "text", "text": .string(text)]]
                    + media.map { item in
                        item.isDocument
                            ? ["type": "file", "file": ["filename": .string(item.title ?? "document.pdf"), "file_data": .string(item.dataURL)]]
                            : ["type": "image_url", "image_url": ["url": .string(item.dataURL)]]
                    }
                messages.append(Message(role: "user", content: nil, parts: parts))
            case .user(let text, _):
                messages.append(Message(role: "user", content: text))
            case .assistant(let text, let toolCalls, _):
                let calls = toolCalls.map {
                    OutgoingToolCall(id: $0.id, function: .init(name: $0.name, arguments: $0.arguments))
                }
                messages.append(
                    Message(
                        role: "assistant", content: text.isEmpty && !calls.isEmpty ? nil : text,
                        toolCalls: calls.isEmpty ? nil : calls))
            case .toolResult(let callID, let content):
                messages.append(Message(role: "tool", content: content, toolCallID: callID))
            }
        }
        let tools = request.tools.map {
            Tool(function: .init(name: $0.name, description: $0.description, parameters: $0.parameters))
        }
        return RequestBody(
            model: request.model,
            messages: messages,
            tools: tools.isEmpty ? nil : tools,
            toolChoice: tools.isEmpty ? nil : "auto",
            parallelToolCalls: tools.isEmpty ? nil : true,
            stream: request.stream,
            streamOptions: request.stream ? StreamOptions(includeUsage: true) : nil,
            maxCompletionTokens: request.maxOutputTokens,
            reasoningEffort: request.reasoningEffort,
            temperature: request.temperature)
    }

    // MARK: Stream

    /// One `chat.completion.chunk` (or a whole `chat.completion`), decoded leniently: a field of an
    /// unexpected type is treated as absent rather than failing the chunk.
    // The chunk types read their fields from a parsed `JSONValue` (see `JSONParser`), leniently: a
    // missing, null or mistyped field is absent, since servers differ in what they send.

    struct Chunk {
        var model: String?
        var choices: [Choice]
        var usage: Usage?
        var error: JSONValue?

        init(json: JSONValue) {
            model = json["model"]?.stringValue
            choices = json["choices"]?.arrayValue?.compactMap { $0.objectValue != nil ? Choice(json: $0) : nil } ?? []
            usage = json["usage"].flatMap { $0.objectValue != nil ? Usage(json: $0) : nil }
            error = json["error"]
        }
    }

    struct Choice {
        var delta: Delta?
        var message: Delta?
        var finishReason: String?

        init(json: JSONValue) {
            delta = json["delta"].flatMap(Delta.init(json:))
            message = json["message"].flatMap(Delta.init(json:))
            finishReason = json["finish_reason"]?.stringValue
        }
    }

    struct Delta {
        var content: String?
        var reasoningContent: String?
        var reasoning: String?
        var toolCalls: [ToolCallDelta]?

        init?(json: JSONValue) {
            guard json.objectValue != nil else { return nil }
            content = json["content"]?.stringValue
            reasoningContent = json["reasoning_content"]?.stringValue
            reasoning = json["reasoning"]?.stringValue
            toolCalls = json["tool_calls"]?.arrayValue?.compactMap(ToolCallDelta.init(json:))
        }
    }

    struct ToolCallDelta {
        var index: Int?
        var id: String?
        var function: FunctionDelta?

        init?(json: JSONValue) {
            guard json.objectValue != nil else { return nil }
            index = json["index"]?.intValue
            id = json["id"]?.stringValue
            function = json["function"].flatMap(FunctionDelta.init(json:))
        }
    }

    struct FunctionDelta {
        var name: String?
        var arguments: String?

        init?(json: JSONValue) {
            guard json.objectValue != nil else { return nil }
            name = json["name"]?.stringValue
            // Some servers send arguments as an object instead of JSON text.
            switch json["arguments"] {
            case .string(let text): arguments = text
            case .some(let object) where object != .null: arguments = object.jsonString
            default: arguments = nil
            }
        }
    }

    struct Usage {
        var promptTokens: Int?
        var completionTokens: Int?
        var cachedTokens: Int?
        var reasoningTokens: Int?

        init(json: JSONValue) {
            promptTokens = json["prompt_tokens"]?.tokenCount
            completionTokens = json["completion_tokens"]?.tokenCount
            cachedTokens = json["prompt_tokens_details"]?["cached_tokens"]?.tokenCount
            reasoningTokens = json["completion_tokens_details"]?["reasoning_tokens"]?.tokenCount
        }

        var tokenUsage: TokenUsage {
            TokenUsage(inputTokens: promptTokens, outputTokens: completionTokens, reasoningTokens: reasoningTokens, cacheReadTokens: cachedTokens)
        }
    }

    /// Reads `data:` chunks until `[DONE]`; a finish reason without `[DONE]` also counts as complete.
    struct Decoder: WireStreamDecoder {
        private(set) var accumulator = Accumulator()
        private(set) var sawDone = false

        var isComplete: Bool { sawDone }
        var hasFinished: Bool { sawDone || accumulator.finishReason != nil }

        mutating func apply(_ event: SSEEvent, context: WireContext) throws -> [ModelStreamEvent] {
            let data = event.data.trimmingBlanks
            if data.isEmpty { return [] }
            if data == "[DONE]" {
                sawDone = true
                return []
            }
            return try apply(chunk: context.parse(data), context: context) { data }
        }

        mutating func applyWholeBody(_ data: Data, context: WireContext) throws -> [ModelStreamEvent] {
            try apply(chunk: context.parse(data), context: context) { String(decoding: data.prefix(200), as: UTF8.self) }
        }

        private mutating func apply(chunk json: JSONValue, context: WireContext, text: () -> String) throws -> [ModelStreamEvent] {
            guard json.objectValue != nil else { throw context.malformed(text()) }
            let chunk = Chunk(json: json)
            if let error = chunk.error, error != .null {
                throw context.streamError(
                    message: error["message"]?.stringValue ?? error.stringValue ?? error.jsonString,
                    type: error["code"]?.stringValue ?? error["type"]?.stringValue)
            }
            return accumulator.apply(chunk)
        }

        func makeResponse() -> ModelResponse {
            ModelResponse(
                text: accumulator.text, reasoning: accumulator.reasoning.isEmpty ? nil : accumulator.reasoning,
                toolCalls: accumulator.toolCalls, usage: accumulator.usage, finishReason: accumulator.finishReason,
                model: accumulator.model)
        }
    }

    /// Assembles a streamed answer chunk by chunk.
    ///
    /// Tool calls are keyed by `index`; without one, by `id`; without either, a fragment continues
    /// the last call. Repeated ids and names on continuation chunks do not start new calls.
    struct Accumulator {
        private(set) var text = ""
        private(set) var reasoning = ""
        private(set) var finishReason: String?
        private(set) var usage: TokenUsage?
        private(set) var model: String?
        private var calls: [PartialCall] = []

        private struct PartialCall {
            var key: Int
            var id: String
            var name: String
            var arguments: String
        }

        /// Applies one chunk and returns the fragments to stream to the user.
        mutating func apply(_ chunk: Chunk) -> [ModelStreamEvent] {
            var events: [ModelStreamEvent] = []
            if let reported = chunk.model, !reported.isEmpty { model = reported }
            if let reported = chunk.usage { usage = reported.tokenUsage }
            for choice in chunk.choices {
                if let delta = choice.delta ?? choice.message {
                    if let piece = delta.reasoningContent ?? delta.reasoning, !piece.isEmpty {
                        reasoning += piece
                        events.append(.reasoningDelta(piece))
                    }
                    if let piece = delta.content, !piece.isEmpty {
                        text += piece
                        events.append(.textDelta(piece))
                    }
                    for (position, call) in (delta.toolCalls ?? []).enumerated() {
                        apply(call, position: position)
                    }
                }
                if let reason = choice.finishReason, !reason.isEmpty { finishReason = reason }
            }
            return events
        }

        private mutating func apply(_ delta: ToolCallDelta, position: Int) {
            let slot: Int
            if let index = delta.index {
                slot = calls.firstIndex { $0.key == index } ?? appendCall(key: index)
            } else if let id = delta.id, !id.isEmpty {
                slot = calls.firstIndex { $0.id == id } ?? appendCall(key: -1 - calls.count)
            } else if !calls.isEmpty {
                slot = calls.count - 1
            } else {
                slot = appendCall(key: position)
            }
            if let id = delta.id, !id.isEmpty, calls[slot].id.isEmpty { calls[slot].id = id }
            if let name = delta.function?.name, !name.isEmpty, calls[slot].name.isEmpty { calls[slot].name = name }
            if let arguments = delta.function?.arguments { calls[slot].arguments += arguments }
        }

        private mutating func appendCall(key: Int) -> Int {
            calls.append(PartialCall(key: key, id: "", name: "", arguments: ""))
            return calls.count - 1
        }

        /// The tool calls assembled so far, in index order; a call the server sent without an id gets one.
        var toolCalls: [ToolCall] {
            calls.enumerated().sorted { lhs, rhs in
                lhs.element.key >= 0 && rhs.element.key >= 0 ? lhs.element.key < rhs.element.key : lhs.offset < rhs.offset
            }.map { offset, call in
                ToolCall(
                    id: call.id.isEmpty ? "call_\(offset)" : call.id, name: call.name,
                    arguments: call.arguments.isEmpty ? "{}" : call.arguments)
            }
        }
    }
}
