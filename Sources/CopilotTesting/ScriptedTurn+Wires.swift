import CopilotCore
import CopilotProviders

/// One server-sent event as the scripted server writes it.
public struct ScriptedSSEEvent: Sendable, Hashable {
    /// The `event:` line, if the wire format uses one.
    public var event: String?
    public var data: String

    /// The bytes on the wire, with the blank line that ends the event.
    public var wireBytes: [UInt8] {
        Array(((event.map { "event: \($0)\n" } ?? "") + "data: \(data)\n\n").utf8)
    }
}

/// The wire format a request asked for, chosen by its path.
public enum ScriptedWire: String, Sendable, Hashable, CaseIterable {
    case chatCompletions
    case responses
    case anthropicMessages
    case gemini

    /// The format served at `path`, or `nil` for paths that are not model calls.
    public init?(path: String) {
        if path.hasSuffix(":streamGenerateContent") || path.hasSuffix(":generateContent") {
            self = .gemini
        } else if path.hasSuffix("/chat/completions") {
            self = .chatCompletions
        } else if path.hasSuffix("/responses") {
            self = .responses
        } else if path.hasSuffix("/v1/messages") {
            self = .anthropicMessages
        } else {
            return nil
        }
    }
}

extension ScriptedTurn {
    /// The turn rendered as `wire`'s stream, cut short if ``Delivery/truncateAfterEvents`` says so.
    public func events(for wire: ScriptedWire, model: String = "scripted-model") -> [ScriptedSSEEvent] {
        let events: [ScriptedSSEEvent]
        switch wire {
        case .chatCompletions: events = chatCompletionsEvents(model: model).map { ScriptedSSEEvent(data: $0) }
        case .responses: events = responsesEvents(model: model)
        case .anthropicMessages: events = anthropicEvents(model: model)
        case .gemini: events = geminiEvents(model: model)
        }
        if let cut = delivery.truncateAfterEvents { return Array(events.prefix(cut)) }
        return events
    }

    /// The whole stream as bytes on the wire.
    public func renderedStream(for wire: ScriptedWire, model: String = "scripted-model") -> [UInt8] {
        events(for: wire, model: model).flatMap(\.wireBytes)
    }

    /// The error body in `wire`'s shape (Gemini's has the HTTP status as its code and the type as its status).
    static func errorBody(message: String, type: String, status: Int, wire: ScriptedWire) -> String {
        let body: JSONValue =
            switch wire {
            case .anthropicMessages: ["type": "error", "error": ["type": .string(type), "message": .string(message)]]
            case .gemini: ["error": ["code": .int(status), "message": .string(message), "status": .string(type)]]
            case .chatCompletions, .responses: ["error": ["message": .string(message), "type": .string(type), "code": .null]]
            }
        return body.jsonString
    }

    /// The turn as Gemini `GenerateContentResponse` chunks: thoughts, then text a word at a time,
    /// then each function call whole, the last chunk with the finish reason and usage. A thought
    /// signature rides on the first call, or on the last text.
    func geminiEvents(model: String) -> [ScriptedSSEEvent] {
        var parts: [JSONValue] = []
        for piece in Self.pieces(of: reasoning ?? "") { parts.append(["text": .string(piece), "thought": true]) }
        for piece in Self.pieces(of: text) { parts.append(["text": .string(piece)]) }
        for call in toolCalls {
            let args = (try? JSONValue(parsing: call.arguments)) ?? [:]
            parts.append(["functionCall": ["id": .string(call.id), "name": .string(call.name), "args": args]])
        }
        if reasoning?.isEmpty == false {
            let signed = toolCalls.isEmpty ? parts.count - 1 : parts.count - toolCalls.count
            if case .object(var part) = parts[signed] {
                part["thoughtSignature"] = "c2lnLXNjcmlwdGVk"
                parts[signed] = .object(part)
            }
        }
        let finish =
            switch finishReason {
            case nil, "stop", "tool_calls": "STOP"
            case "length": "MAX_TOKENS"
            case "content_filter": "SAFETY"
            case let other?: other.uppercased()
            }
        var counts: [String: JSONValue] = [
            "promptTokenCount": .int(usage.inputTokens ?? 0), "candidatesTokenCount": .int(usage.outputTokens ?? 0),
            "totalTokenCount": .int((usage.inputTokens ?? 0) + (usage.outputTokens ?? 0) + (usage.reasoningTokens ?? 0)),
        ]
        if let thoughts = usage.reasoningTokens { counts["thoughtsTokenCount"] = .int(thoughts) }
        if let cached = usage.cacheReadTokens { counts["cachedContentTokenCount"] = .int(cached) }
        func chunk(_ parts: [JSONValue], last: Bool) -> ScriptedSSEEvent {
            var candidate: [String: JSONValue] = ["content": ["role": "model", "parts": .array(parts)], "index": 0]
            var response: [String: JSONValue] = ["modelVersion": .string(model), "responseId": "scripted-response"]
            if last {
                candidate["finishReason"] = .string(finish)
                response["usageMetadata"] = .object(counts)
            }
            response["candidates"] = [.object(candidate)]
            return ScriptedSSEEvent(data: JSONValue.object(response).jsonString)
        }
        guard !parts.isEmpty else { return [chunk([["text": ""]], last: true)] }
        return parts.indices.map { chunk([parts[$0]], last: $0 == parts.count - 1) }
    }

    func responsesEvents(model: String) -> [ScriptedSSEEvent] {
        var events: [ScriptedSSEEvent] = []
        var sequence = 0
        func emit(_ type: String, _ fields: [String: JSONValue]) {
            var payload = fields
            payload["type"] = .string(type)
            payload["sequence_number"] = .int(sequence)
            sequence += 1
            events.append(ScriptedSSEEvent(event: type, data: JSONValue.object(payload).jsonString))
        }
        let response: JSONValue = ["id": "resp_scripted", "object": "response", "model": .string(model), "status": "in_progress", "output": []]
        emit("response.created", ["response": response])
        emit("response.in_progress", ["response": response])
        var output: [JSONValue] = []
        var index = 0
        if let reasoning, !reasoning.isEmpty {
            let item: JSONValue = ["type": "reasoning", "id": "rs_scripted", "summary": [], "encrypted_content": "enc-scripted"]
            emit("response.output_item.added", ["output_index": .int(index), "item": item])
            for piece in Self.pieces(of: reasoning) {
                emit("response.reasoning_summary_text.delta", ["item_id": "rs_scripted", "output_index": .int(index), "summary_index": 0, "delta": .string(piece)])
            }
            let done: JSONValue = [
                "type": "reasoning", "id": "rs_scripted", "encrypted_content": "enc-scripted",
                "summary": [["type": "summary_text", "text": .string(reasoning)]],
            ]
            emit("response.output_item.done", ["output_index": .int(index), "item": done])
            output.append(done)
            index += 1
        }
        if !text.isEmpty {
            let id = "msg_scripted"
            emit("response.output_item.added", ["output_index": .int(index), "item": ["type": "message", "id": .string(id), "role": "assistant", "content": []]])
            emit("response.content_part.added", ["item_id": .string(id), "output_index": .int(index), "content_index": 0, "part": ["type": "output_text", "text": ""]])
            for piece in Self.pieces(of: text) {
                emit("response.output_text.delta", ["item_id": .string(id), "output_index": .int(index), "content_index": 0, "delta": .string(piece)])
            }
            emit("response.output_text.done", ["item_id": .string(id), "output_index": .int(index), "content_index": 0, "text": .string(text)])
            let done: JSONValue = [
                "type": "message", "id": .string(id), "role": "assistant", "status": "completed",
                "content": [["type": "output_text", "text": .string(text), "annotations": []]],
            ]
            emit("response.output_item.done", ["output_index": .int(index), "item": done])
            output.append(done)
            index += 1
        }
        for call in toolCalls {
            // Item ids differ from call ids on purpose: results must echo the call id.
            let itemID = "fc_item_\(index)"
            emit("response.output_item.added", ["output_index": .int(index), "item": [
                "type": "function_call", "id": .string(itemID), "call_id": .string(call.id), "name": .string(call.name),
                "arguments": "", "status": "in_progress",
            ]])
            for piece in Self.halves(of: call.arguments) {
                emit("response.function_call_arguments.delta", ["item_id": .string(itemID), "output_index": .int(index), "delta": .string(piece)])
            }
            emit("response.function_call_arguments.done", ["item_id": .string(itemID), "output_index": .int(index), "arguments": .string(call.arguments)])
            let done: JSONValue = [
                "type": "function_call", "id": .string(itemID), "call_id": .string(call.id), "name": .string(call.name),
                "arguments": .string(call.arguments), "status": "completed",
            ]
            emit("response.output_item.done", ["output_index": .int(index), "item": done])
            output.append(done)
            index += 1
        }
        let completed: JSONValue = [
            "id": "resp_scripted", "object": "response", "model": .string(model), "status": "completed", "output": .array(output),
            "usage": [
                "input_tokens": .int(usage.inputTokens ?? 0), "output_tokens": .int(usage.outputTokens ?? 0),
                "total_tokens": .int((usage.inputTokens ?? 0) + (usage.outputTokens ?? 0)),
                "input_tokens_details": ["cached_tokens": .int(usage.cacheReadTokens ?? 0)], "output_tokens_details": ["reasoning_tokens": 0],
            ],
        ]
        emit("response.completed", ["response": completed])
        return events
    }

    func anthropicEvents(model: String) -> [ScriptedSSEEvent] {
        var events: [ScriptedSSEEvent] = []
        func emit(_ type: String, _ fields: [String: JSONValue]) {
            var payload = fields
            payload["type"] = .string(type)
            events.append(ScriptedSSEEvent(event: type, data: JSONValue.object(payload).jsonString))
        }
        // Anthropic's `input_tokens` leaves out the cached part of the prompt.
        let uncached = (usage.inputTokens ?? 0) - (usage.cacheReadTokens ?? 0) - (usage.cacheWriteTokens ?? 0)
        var counts: [String: JSONValue] = ["input_tokens": .int(max(uncached, 0)), "output_tokens": 1]
        if let read = usage.cacheReadTokens { counts["cache_read_input_tokens"] = .int(read) }
        if let written = usage.cacheWriteTokens { counts["cache_creation_input_tokens"] = .int(written) }
        emit("message_start", ["message": [
            "id": "msg_scripted", "type": "message", "role": "assistant", "model": .string(model), "content": [],
            "stop_reason": .null, "stop_sequence": .null, "usage": .object(counts),
        ]])
        emit("ping", [:])
        var index = 0
        if let reasoning, !reasoning.isEmpty {
            emit("content_block_start", ["index": .int(index), "content_block": ["type": "thinking", "thinking": "", "signature": ""]])
            for piece in Self.pieces(of: reasoning) {
                emit("content_block_delta", ["index": .int(index), "delta": ["type": "thinking_delta", "thinking": .string(piece)]])
            }
            emit("content_block_delta", ["index": .int(index), "delta": ["type": "signature_delta", "signature": "sig-scripted"]])
            emit("content_block_stop", ["index": .int(index)])
            index += 1
        }
        if !text.isEmpty {
            emit("content_block_start", ["index": .int(index), "content_block": ["type": "text", "text": ""]])
            for piece in Self.pieces(of: text) {
                emit("content_block_delta", ["index": .int(index), "delta": ["type": "text_delta", "text": .string(piece)]])
            }
            emit("content_block_stop", ["index": .int(index)])
            index += 1
        }
        for call in toolCalls {
            emit("content_block_start", ["index": .int(index), "content_block": ["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": [:]]])
            emit("content_block_delta", ["index": .int(index), "delta": ["type": "input_json_delta", "partial_json": ""]])
            for piece in Self.halves(of: call.arguments) {
                emit("content_block_delta", ["index": .int(index), "delta": ["type": "input_json_delta", "partial_json": .string(piece)]])
            }
            emit("content_block_stop", ["index": .int(index)])
            index += 1
        }
        let stop = finishReason.map { $0 == "stop" ? "end_turn" : $0 } ?? (toolCalls.isEmpty ? "end_turn" : "tool_use")
        emit("message_delta", ["delta": ["stop_reason": .string(stop), "stop_sequence": .null], "usage": ["output_tokens": .int(usage.outputTokens ?? 0)]])
        emit("message_stop", [:])
        return events
    }
}
