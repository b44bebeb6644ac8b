import CopilotCore
import Foundation

/// The OpenAI Responses wire format (`POST …/responses`), used statelessly (`store: false`): every call
/// replays the whole conversation as input items.
enum ResponsesWire: WireFormat {
    static func requestBody(for request: ModelRequest, config: ProviderConfig) throws -> Data {
        var input: [JSONValue] = []
        for item in request.messages {
            switch item {
            case .user(let text, let media):
                let parts: [JSONValue] = [["type": "input_text", "text": .string(text)]]
                    + media.map { item in
                        item.isDocument
                            ? ["type": "input_file", "filename": .string(item.title ?? "document.pdf"), "file_data": .string(item.dataURL)]
                            : ["type": "input_image", "image_url": .string(item.dataURL)]
                    }
                input.append(["type": "message", "role": "user", "content": .array(parts)])
            case .assistant(let text, let toolCalls, let reasoning):
                // Reasoning is replayed only with its encrypted content: a bare id fails when nothing is stored.
                for trace in reasoning where trace.encryptedContent != nil {
                    var item: [String: JSONValue] = [
                        "type": "reasoning", "encrypted_content": .string(trace.encryptedContent ?? ""),
                        "summary": trace.text.isEmpty ? [] : [["type": "summary_text", "text": .string(trace.text)]],
                    ]
                    if let id = trace.itemID { item["id"] = .string(id) }
                    input.append(.object(item))
                }
                if !text.isEmpty {
                    input.append(["type": "message", "role": "assistant", "content": [["type": "output_text", "text": .string(text)]]])
                }
                for call in toolCalls {
                    input.append([
                        "type": "function_call", "call_id": .string(call.id), "name": .string(call.name),
                        "arguments": .string(call.arguments),
                    ])
                }
            case .toolResult(let callID, let content):
                input.append(["type": "function_call_output", "call_id": .string(callID), "output": .string(content)])
            }
        }
        var body: [String: JSONValue] = [
            "model": .string(request.model), "stream": true, "store": false, "input": .array(input),
        ]
        if let system = request.systemPrompt, !system.isEmpty { body["instructions"] = .string(system) }
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map {
                ["type": "function", "name": .string($0.name), "description": .string($0.description), "parameters": $0.parameters]
            })
            body["tool_choice"] = "auto"
            body["parallel_tool_calls"] = true
        }
        if let maxOutputTokens = request.maxOutputTokens { body["max_output_tokens"] = .int(maxOutputTokens) }
        if let temperature = request.temperature { body["temperature"] = .double(temperature) }
        if let effort = request.reasoningEffort {
            body["reasoning"] = ["effort": .string(effort), "summary": "auto"]
            body["include"] = ["reasoning.encrypted_content"]
        }
        if config.cachesPrompts, let key = request.cacheKey { body["prompt_cache_key"] = .string(key) }
        if let format = request.responseFormat {
            body["text"] = [
                "format": ["type": "json_schema", "name": .string(format.name), "schema": format.schema, "strict": .bool(format.strict)],
            ]
        }
        return try encode(JSONValue.object(body))
    }

    /// Tracks output items by `output_index`: deltas name the item (`fc_…`), results must echo its `call_id`.
    struct Decoder: WireStreamDecoder {
        private struct Item {
            var type: String
            var id: String?
            var callID: String?
            var name: String?
            var arguments = ""
            var text = ""
            var encryptedContent: String?
        }

        private var items: [Int: Item] = [:]
        private var text = ""
        private var reasoning = ""
        private var usage: TokenUsage?
        private var model: String?
        private var finishReason: String?
        private(set) var isComplete = false
        var hasFinished: Bool { isComplete }

        init() {}

        mutating func apply(_ event: SSEEvent, context: WireContext) throws -> [ModelStreamEvent] {
            guard let (type, payload) = try context.typedPayload(of: event) else { return [] }
            let data = event.data
            let index = payload["output_index"]?.intValue ?? -1

            switch type {
            case "response.created", "response.in_progress", "response.queued":
                if let reported = payload["response"]?["model"]?.stringValue { model = reported }
            case "response.output_item.added":
                if let item = payload["item"] { items[index] = merged(items[index], with: item) }
            case "response.output_text.delta":
                guard let delta = payload["delta"]?.stringValue, !delta.isEmpty else { return [] }
                text += delta
                items[index, default: Item(type: "message")].text += delta
                return [.textDelta(delta)]
            case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
                guard let delta = payload["delta"]?.stringValue, !delta.isEmpty else { return [] }
                reasoning += delta
                items[index, default: Item(type: "reasoning")].text += delta
                return [.reasoningDelta(delta)]
            case "response.function_call_arguments.delta":
                guard let delta = payload["delta"]?.stringValue else { return [] }
                items[slot(for: payload, index: index), default: Item(type: "function_call")].arguments += delta
            case "response.function_call_arguments.done":
                if let arguments = payload["arguments"]?.stringValue {
                    items[slot(for: payload, index: index), default: Item(type: "function_call")].arguments = arguments
                }
            case "response.output_item.done":
                if let item = payload["item"] {
                    var updated = merged(items[index], with: item)
                    if let arguments = item["arguments"]?.stringValue, !arguments.isEmpty { updated.arguments = arguments }
                    items[index] = updated
                }
            case "response.completed", "response.incomplete":
                finish(payload["response"], status: type == "response.completed" ? "completed" : "incomplete")
            case "response.failed":
                let error = payload["response"]?["error"]
                throw context.streamError(
                    message: error?["message"]?.stringValue ?? "the response failed", type: error?["code"]?.stringValue)
            case "error":
                throw context.streamError(
                    message: payload["message"]?.stringValue ?? payload["error"]?["message"]?.stringValue ?? data,
                    type: payload["code"]?.stringValue ?? payload["error"]?["type"]?.stringValue)
            default:
                break
            }
            return []
        }

        mutating func applyWholeBody(_ data: Data, context: WireContext) throws -> [ModelStreamEvent] {
            let response = try context.parse(data)
            if let error = response["error"], error != .null {
                throw context.streamError(message: error["message"]?.stringValue ?? error.jsonString, type: error["code"]?.stringValue)
            }
            finish(response, status: response["status"]?.stringValue ?? "completed")
            var fragments: [ModelStreamEvent] = []
            if !reasoning.isEmpty { fragments.append(.reasoningDelta(reasoning)) }
            if !text.isEmpty { fragments.append(.textDelta(text)) }
            return fragments
        }

        /// The item a function-call delta belongs to: by `output_index`, else by `item_id`.
        private func slot(for payload: JSONValue, index: Int) -> Int {
            if index >= 0 { return index }
            if let id = payload["item_id"]?.stringValue, let match = items.first(where: { $0.value.id == id }) { return match.key }
            return items.keys.max() ?? 0
        }

        private func merged(_ existing: Item?, with item: JSONValue) -> Item {
            var result = existing ?? Item(type: item["type"]?.stringValue ?? "message")
            result.type = item["type"]?.stringValue ?? result.type
            result.id = item["id"]?.stringValue ?? result.id
            result.callID = item["call_id"]?.stringValue ?? result.callID
            result.name = item["name"]?.stringValue ?? result.name
            result.encryptedContent = item["encrypted_content"]?.stringValue ?? result.encryptedContent
            if result.type == "reasoning", result.text.isEmpty {
                let summary = item["summary"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined() ?? ""
                result.text = summary
            }
            return result
        }

        /// Takes usage, status and any items the stream did not describe from the final response object.
        private mutating func finish(_ response: JSONValue?, status: String) {
            isComplete = true
            if let response {
                if let reported = response["model"]?.stringValue { model = reported }
                if let usage = response["usage"], usage != .null {
                    self.usage = TokenUsage(
                        inputTokens: usage["input_tokens"]?.tokenCount, outputTokens: usage["output_tokens"]?.tokenCount,
                        reasoningTokens: usage["output_tokens_details"]?["reasoning_tokens"]?.tokenCount,
                        cacheReadTokens: usage["input_tokens_details"]?["cached_tokens"]?.tokenCount)
                }
                for (position, item) in (response["output"]?.arrayValue ?? []).enumerated() where items[position] == nil {
                    var added = merged(nil, with: item)
                    added.arguments = item["arguments"]?.stringValue ?? ""
                    if added.type == "message" {
                        added.text = item["content"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined() ?? ""
                        text += added.text
                    } else if added.type == "reasoning" {
                        reasoning += added.text
                    }
                    items[position] = added
                }
            }
            let hasCalls = items.values.contains { $0.type == "function_call" }
            if status == "incomplete" {
                let reason = response?["incomplete_details"]?["reason"]?.stringValue
                finishReason = reason == "max_output_tokens" ? "length" : (reason ?? "incomplete")
            } else {
                finishReason = hasCalls ? "tool_calls" : "stop"
            }
        }

        func makeResponse() -> ModelResponse {
            let ordered = items.sorted { $0.key < $1.key }.map(\.value)
            let calls = ordered.filter { $0.type == "function_call" }.enumerated().map { offset, item in
                ToolCall(
                    id: item.callID ?? item.id ?? "call_\(offset)", name: item.name ?? "",
                    arguments: item.arguments.isEmpty ? "{}" : item.arguments)
            }
            let traces = ordered.filter { $0.type == "reasoning" }.map {
                ReasoningTrace(text: $0.text, encryptedContent: $0.encryptedContent, itemID: $0.id)
            }
            return ModelResponse(
                text: text, reasoning: reasoning.isEmpty ? nil : reasoning, reasoningTraces: traces, toolCalls: calls,
                usage: usage, finishReason: finishReason, model: model)
        }
    }
}
