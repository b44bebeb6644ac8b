import CopilotCore
import Foundation

/// Anthropic's Messages API (`POST …/v1/messages`): content blocks, `tool_use` / `tool_result`, thinking.
enum AnthropicWire: WireFormat {
    /// `max_tokens` is required by the API; this is used when the session sets none.
    static let defaultMaxTokens = 4096

    /// Thinking budgets for the reasoning efforts the other wire formats take by name.
    static func thinkingBudget(for effort: String) -> Int {
        switch effort.lowercased() {
        case "minimal", "low": 1024
        case "medium": 4096
        case "high": 16384
        default: 32768
        }
    }

    /// The beta that enables `output_format` (structured outputs).
    static let structuredOutputsBeta = "structured-outputs-2025-11-13"

    static func headers(for request: ModelRequest) -> [String: String] {
        request.responseFormat == nil ? [:] : ["anthropic-beta": structuredOutputsBeta]
    }

    static func requestBody(for request: ModelRequest, config: ProviderConfig) throws -> Data {
        try requestBody(for: request, config: config, answerTool: nil)
    }

    /// A model without structured outputs (or an API that no longer takes the beta's
    /// `output_format`) refuses it with a 400 that names it; the schema is then asked for as the
    /// input of a tool the model must call (every Claude model with tools can do that): the only
    /// tool, or beside the app's with `tool_choice: any`, so the model may still use those first.
    /// A call of it is the answer, in place of any other call beside it. Thinking is off in that
    /// form: Anthropic refuses it when a tool call is required.
    static func fallback(for request: ModelRequest, config: ProviderConfig, after error: ProviderError) throws -> WireRequestForm? {
        guard request.responseFormat != nil, error.code == .requestRejected, error.statusCode == 400 else { return nil }
        let message = error.message.lowercased()
        guard message.contains("output_format") || message.contains("structured output") || message.contains("structured-outputs") else { return nil }
        let tool = WireRequestForm.answerToolName(for: request)
        return WireRequestForm(body: try requestBody(for: request, config: config, answerTool: tool), answer: WireRequestForm.answered(byTool: tool))
    }

    /// The body; with `answerTool`, the schema is that tool's input and a tool call is required.
    private static func requestBody(for request: ModelRequest, config: ProviderConfig, answerTool: String?) throws -> Data {
        var messages = RoleRuns()
        // A tool call's input goes back exactly as the model wrote it (key order too): it is put
        // in after encoding, in place of a marker, rather than parsed and encoded again.
        let marker = "copilot-raw-input-\(UUID().uuidString)-"
        var rawInputs: [String] = []
        for item in request.messages {
            switch item {
            case .user(let text, let media):
                // The text, then the images and documents, in the order the official runtime sends them.
                let blocks: [JSONValue] = [["type": "text", "text": .string(text)]] + media.map { item in
                    let source: JSONValue = ["type": "base64", "media_type": .string(item.mimeType), "data": .string(item.base64Data)]
                    guard item.isDocument else { return ["type": "image", "source": source] }
                    var document: [String: JSONValue] = ["type": "document", "source": source]
                    if let title = item.title { document["title"] = .string(title) }
                    // Citations cannot be combined with structured output.
                    if request.citations, request.responseFormat == nil { document["citations"] = ["enabled": true] }
                    return .object(document)
                }
                messages.append(role: "user", blocks)
            case .assistant(let text, let toolCalls, let reasoning):
                var blocks: [JSONValue] = []
                for trace in reasoning {
                    if let data = trace.redactedData {
                        blocks.append(["type": "redacted_thinking", "data": .string(data)])
                    } else if let signature = trace.signature {
                        blocks.append(["type": "thinking", "thinking": .string(trace.text), "signature": .string(signature)])
                    }
                }
                if !text.isEmpty { blocks.append(["type": "text", "text": .string(text)]) }
                for call in toolCalls {
                    var input: JSONValue = [:]
                    if (try? JSONValue(parsing: call.arguments))?.objectValue != nil {
                        input = .string(marker + String(rawInputs.count))
                        rawInputs.append(call.arguments.trimmingCharacters(in: .whitespacesAndNewlines))
                    }
                    blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": input])
                }
                messages.append(role: "assistant", blocks)
            case .toolResult(let callID, let content):
                messages.append(role: "user", [["type": "tool_result", "tool_use_id": .string(callID), "content": .string(content)]])
            }
        }
        var maxTokens = request.maxOutputTokens ?? defaultMaxTokens
        let caching = config.cachesPrompts
        var body: [String: JSONValue] = [
            "model": .string(request.model), "stream": true, "messages": .array(caching ? cachedMessages(messages) : messages.json(itemsKey: "content")),
        ]
        if let system = request.systemPrompt, !system.isEmpty {
            body["system"] = caching ? [["type": "text", "text": .string(system), "cache_control": cacheControl]] : .string(system)
        }
        var tools: [JSONValue] = request.tools.map {
            ["name": .string($0.name), "description": .string($0.description), "input_schema": $0.parameters]
        }
        let formatTool = answerTool.flatMap { name in request.responseFormat.map { (name, $0) } }
        if let (name, format) = formatTool {
            tools.append(["name": .string(name), "description": .string(WireRequestForm.answerToolDescription), "input_schema": format.schema])
        }
        if !tools.isEmpty {
            if caching { tools[tools.count - 1] = withCacheControl(tools[tools.count - 1]) }
            body["tools"] = .array(tools)
            body["tool_choice"] =
                formatTool.map { request.tools.isEmpty ? ["type": "tool", "name": .string($0.0)] : ["type": "any"] } ?? ["type": "auto"]
        }
        if let effort = request.reasoningEffort, effort != "none", formatTool == nil {
            let budget = thinkingBudget(for: effort)
            maxTokens = max(maxTokens, budget + 1024)
            body["thinking"] = ["type": "enabled", "budget_tokens": .int(budget)]
        } else if let temperature = request.temperature {
            // With thinking on, Anthropic takes only its default temperature.
            body["temperature"] = .double(temperature)
        }
        body["max_tokens"] = .int(maxTokens)
        if let format = request.responseFormat, formatTool == nil {
            body["output_format"] = ["type": "json_schema", "schema": outputSchema(format.schema)]
        }
        let encoded = try encode(JSONValue.object(body))
        guard !rawInputs.isEmpty else { return encoded }
        var text = String(decoding: encoded, as: UTF8.self)
        for (index, raw) in rawInputs.enumerated().reversed() {
            text = text.replacingOccurrences(of: "\"\(marker)\(index)\"", with: raw)
        }
        return Data(text.utf8)
    }

    /// The messages with cache breakpoints on the conversation: the last block of the last message
    /// (what the next call reads back) and of the user message before it (what this call reads,
    /// written by the previous one). With the tools' and the system prompt's, four: the API's limit.
    private static func cachedMessages(_ messages: RoleRuns) -> [JSONValue] {
        var marked = messages.runs
        let users = marked.indices.filter { marked[$0].role == "user" }
        for index in Set([marked.indices.last, users.dropLast().last].compactMap { $0 }) {
            // Thinking blocks and empty text cannot carry a breakpoint; the last other block can.
            guard let block = marked[index].items.lastIndex(where: cacheable) else { continue }
            marked[index].items[block] = withCacheControl(marked[index].items[block])
        }
        return marked.map { ["role": .string($0.role), "content": .array($0.items)] }
    }

    private static func cacheable(_ block: JSONValue) -> Bool {
        switch block["type"]?.stringValue {
        case "thinking", "redacted_thinking": false
        case "text": block["text"]?.stringValue?.isEmpty == false
        default: true
        }
    }

    /// Keywords Anthropic's structured outputs refuse: bounds on numbers, strings and arrays.
    static let unsupportedKeywords: [String] = [
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems",
    ]

    /// `schema` as Anthropic's structured outputs take it: the bounds it refuses become words in
    /// the description (the runtime still checks them in the answer).
    static func outputSchema(_ schema: JSONValue) -> JSONValue {
        switch schema {
        case .object(var rules):
            var moved: [String] = []
            for keyword in unsupportedKeywords {
                if let value = rules.removeValue(forKey: keyword) { moved.append("\(keyword): \(value.jsonString)") }
            }
            for (key, value) in rules where key != "enum" && key != "const" { rules[key] = outputSchema(value) }
            if !moved.isEmpty {
                let note = "(" + moved.joined(separator: ", ") + ")"
                rules["description"] = .string(rules["description"]?.stringValue.map { "\($0) \(note)" } ?? note)
            }
            return .object(rules)
        case .array(let items):
            return .array(items.map(outputSchema))
        default:
            return schema
        }
    }

    /// A prompt-cache breakpoint (five minutes, Anthropic's default).
    static let cacheControl: JSONValue = ["type": "ephemeral"]

    /// `block` (a tool or a content block) marked as a cache breakpoint.
    static func withCacheControl(_ block: JSONValue) -> JSONValue {
        guard case .object(var fields) = block else { return block }
        fields["cache_control"] = cacheControl
        return .object(fields)
    }

    /// Assembles content blocks by `index`; complete at `message_stop` (or a stop reason at end of stream).
    struct Decoder: WireStreamDecoder {
        private struct Block {
            var type: String
            var id: String?
            var name: String?
            var text = ""
            var json = ""
            var signature: String?
            var data: String?
        }

        private var blocks: [Int: Block] = [:]
        private var model: String?
        private var inputTokens: Int?
        private var cacheReadTokens: Int?
        private var cacheWriteTokens: Int?
        private var outputTokens: Int?

        /// The whole prompt, as the other wires count it: Anthropic's `input_tokens` leaves out what
        /// was read from or written to the cache, which is most of a cached prompt.
        private var promptTokens: Int? {
            guard let inputTokens else { return nil }
            return inputTokens + (cacheReadTokens ?? 0) + (cacheWriteTokens ?? 0)
        }
        private var stopReason: String?
        private(set) var isComplete = false
        var hasFinished: Bool { isComplete || stopReason != nil }

        init() {}

        mutating func apply(_ event: SSEEvent, context: WireContext) throws -> [ModelStreamEvent] {
            guard let (type, payload) = try context.typedPayload(of: event) else { return [] }
            let data = event.data
            let index = payload["index"]?.intValue ?? 0

            switch type {
            case "message_start":
                let message = payload["message"]
                model = message?["model"]?.stringValue ?? model
                inputTokens = message?["usage"]?["input_tokens"]?.tokenCount ?? inputTokens
                cacheReadTokens = message?["usage"]?["cache_read_input_tokens"]?.tokenCount ?? cacheReadTokens
                cacheWriteTokens = message?["usage"]?["cache_creation_input_tokens"]?.tokenCount ?? cacheWriteTokens
                outputTokens = message?["usage"]?["output_tokens"]?.tokenCount ?? outputTokens
            case "content_block_start":
                let block = payload["content_block"]
                var started = Block(type: block?["type"]?.stringValue ?? "text")
                started.id = block?["id"]?.stringValue
                started.name = block?["name"]?.stringValue
                started.data = block?["data"]?.stringValue
                blocks[index] = started
                // Some servers put the first text or thinking in the start block itself.
                if let text = block?["text"]?.stringValue, !text.isEmpty { return append(text: text, at: index, reasoning: false) }
                if let text = block?["thinking"]?.stringValue, !text.isEmpty { return append(text: text, at: index, reasoning: true) }
            case "content_block_delta":
                let delta = payload["delta"]
                switch delta?["type"]?.stringValue {
                case "text_delta":
                    return append(text: delta?["text"]?.stringValue ?? "", at: index, reasoning: false)
                case "thinking_delta":
                    return append(text: delta?["thinking"]?.stringValue ?? "", at: index, reasoning: true)
                case "input_json_delta":
                    blocks[index, default: Block(type: "tool_use")].json += delta?["partial_json"]?.stringValue ?? ""
                case "signature_delta":
                    blocks[index, default: Block(type: "thinking")].signature = (blocks[index]?.signature ?? "") + (delta?["signature"]?.stringValue ?? "")
                default:
                    break
                }
            case "message_delta":
                stopReason = payload["delta"]?["stop_reason"]?.stringValue ?? stopReason
                outputTokens = payload["usage"]?["output_tokens"]?.tokenCount ?? outputTokens
                inputTokens = payload["usage"]?["input_tokens"]?.tokenCount ?? inputTokens
            case "message_stop":
                isComplete = true
            case "error":
                let error = payload["error"]
                throw context.streamError(
                    message: error?["message"]?.stringValue ?? data, type: error?["type"]?.stringValue)
            default:
                break  // ping and future event types
            }
            return []
        }

        private mutating func append(text: String, at index: Int, reasoning: Bool) -> [ModelStreamEvent] {
            guard !text.isEmpty else { return [] }
            blocks[index, default: Block(type: reasoning ? "thinking" : "text")].text += text
            return [reasoning ? .reasoningDelta(text) : .textDelta(text)]
        }

        mutating func applyWholeBody(_ data: Data, context: WireContext) throws -> [ModelStreamEvent] {
            let message = try context.parse(data)
            if message["type"]?.stringValue == "error" {
                throw context.streamError(
                    message: message["error"]?["message"]?.stringValue ?? message.jsonString, type: message["error"]?["type"]?.stringValue)
            }
            model = message["model"]?.stringValue
            inputTokens = message["usage"]?["input_tokens"]?.tokenCount
            outputTokens = message["usage"]?["output_tokens"]?.tokenCount
            cacheReadTokens = message["usage"]?["cache_read_input_tokens"]?.tokenCount
            cacheWriteTokens = message["usage"]?["cache_creation_input_tokens"]?.tokenCount
            stopReason = message["stop_reason"]?.stringValue
            var fragments: [ModelStreamEvent] = []
            for (index, block) in (message["content"]?.arrayValue ?? []).enumerated() {
                var item = Block(type: block["type"]?.stringValue ?? "text")
                item.id = block["id"]?.stringValue
                item.name = block["name"]?.stringValue
                item.text = block["text"]?.stringValue ?? block["thinking"]?.stringValue ?? ""
                item.signature = block["signature"]?.stringValue
                item.data = block["data"]?.stringValue
                if let input = block["input"] { item.json = input.jsonString }
                blocks[index] = item
                if item.type == "text", !item.text.isEmpty { fragments.append(.textDelta(item.text)) }
                if item.type == "thinking", !item.text.isEmpty { fragments.append(.reasoningDelta(item.text)) }
            }
            isComplete = true
            return fragments
        }

        func makeResponse() -> ModelResponse {
            let ordered = blocks.sorted { $0.key < $1.key }.map(\.value)
            let text = ordered.filter { $0.type == "text" }.map(\.text).joined()
            let reasoning = ordered.filter { $0.type == "thinking" }.map(\.text).joined()
            let traces = ordered.compactMap { block -> ReasoningTrace? in
                switch block.type {
                case "thinking": ReasoningTrace(text: block.text, signature: block.signature)
                case "redacted_thinking": ReasoningTrace(text: "", redactedData: block.data)
                default: nil
                }
            }
            let calls = ordered.filter { $0.type == "tool_use" }.enumerated().map { offset, block in
                ToolCall(id: block.id ?? "toolu_\(offset)", name: block.name ?? "", arguments: block.json.isEmpty ? "{}" : block.json)
            }
            let finish: String? =
                switch stopReason {
                case "end_turn", "stop_sequence": "stop"
                case "tool_use": "tool_calls"
                case "max_tokens": "length"
                default: stopReason
                }
            return ModelResponse(
                text: text, reasoning: reasoning.isEmpty ? nil : reasoning, reasoningTraces: traces, toolCalls: calls,
                usage: TokenUsage(
                    inputTokens: promptTokens, outputTokens: outputTokens, cacheReadTokens: cacheReadTokens, cacheWriteTokens: cacheWriteTokens),
                finishReason: finish, model: model)
        }
    }
}
