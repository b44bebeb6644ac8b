import CopilotCore
import Foundation

/// Gemini's `generateContent` wire: `contents` of `parts` (text, `inlineData`, `functionCall`,
/// `functionResponse`), thinking as parts marked `thought`, and a stream of whole
/// `GenerateContentResponse` objects, one per SSE event, with no end marker of its own.
package enum GeminiWire: WireFormat {
    /// The reasoning efforts a thinking model takes (as thinking budgets).
    static let reasoningEfforts = ["low", "medium", "high"]

    /// Thinking budgets for the reasoning efforts the other wire formats take by name; `-1` lets
    /// the model decide.
    static func thinkingBudget(for effort: String) -> Int {
        switch effort.lowercased() {
        case "none": 0
        case "minimal", "low": 1024
        case "medium": 8192
        case "high": 24576
        default: -1
        }
    }

    /// Marks the ids this wire made up for calls that came without one: they are not sent back.
    package static let madeUpCallIDPrefix = "gemini-call-"

    /// Stands in for a thought signature on a function call that has none (a call made by another
    /// provider, or history rebuilt without reasoning): Google's documented value that tells
    /// Gemini 3, which requires one on every call of the current turn, to skip the check.
    static let placeholderSignature = "skip_thought_signature_validator"

    static func requestBody(for request: ModelRequest, config: ProviderConfig) throws -> Data {
        try requestBody(for: request, answerTool: nil)
    }

    /// Gemini 2.x refuses a JSON response type beside function declarations ("Function calling with
    /// a response mime type … is unsupported"); the schema is then asked for as the arguments of a
    /// function the model must call (`mode: ANY`, so it may still call the app's first), and a call
    /// of it is the answer.
    static func fallback(for request: ModelRequest, config: ProviderConfig, after error: ProviderError) throws -> WireRequestForm? {
        guard request.responseFormat != nil, !request.tools.isEmpty, error.code == .requestRejected, error.statusCode == 400,
            error.message.lowercased().contains("mime type")
        else { return nil }
        let tool = WireRequestForm.answerToolName(for: request)
        return WireRequestForm(body: try requestBody(for: request, answerTool: tool), answer: WireRequestForm.answered(byTool: tool))
    }

    /// The body; with `answerTool`, the schema is that function's parameters and a call is required.
    private static func requestBody(for request: ModelRequest, answerTool: String?) throws -> Data {
        var contents = RoleRuns()
        var callNames: [String: String] = [:]
        for item in request.messages {
            switch item {
            case .user(let text, let media):
                var parts: [JSONValue] = media.isEmpty || !text.isEmpty ? [["text": .string(text)]] : []
                parts += media.map { ["inlineData": ["mimeType": .string($0.mimeType), "data": .string($0.base64Data)]] }
                contents.append(role: "user", parts)
            case .assistant(let text, let toolCalls, let reasoning):
                var parts: [JSONValue] = text.isEmpty ? [] : [["text": .string(text)]]
                for call in toolCalls {
                    callNames[call.id] = call.name
                    let arguments = (try? JSONValue(parsing: call.arguments)).flatMap { $0.objectValue == nil ? nil : $0 } ?? [:]
                    var function: [String: JSONValue] = ["name": .string(call.name), "args": arguments]
                    if !call.id.hasPrefix(madeUpCallIDPrefix) { function["id"] = .string(call.id) }
                    parts.append(["functionCall": .object(function)])
                }
                // The signature goes back where it came: on the first call, else on the last part.
                if let signature = reasoning.compactMap(\.thoughtSignature).last ?? (toolCalls.isEmpty ? nil : placeholderSignature) {
                    let index = toolCalls.isEmpty ? parts.count - 1 : parts.count - toolCalls.count
                    if parts.indices.contains(index), case .object(var part) = parts[index] {
                        part["thoughtSignature"] = .string(signature)
                        parts[index] = .object(part)
                    } else {
                        parts.append(["text": "", "thoughtSignature": .string(signature)])
                    }
                }
                contents.append(role: "model", parts)
            case .toolResult(let callID, let content):
                var response: [String: JSONValue] = ["name": .string(callNames[callID] ?? ""), "response": ["result": .string(content)]]
                if !callID.hasPrefix(madeUpCallIDPrefix) { response["id"] = .string(callID) }
                contents.append(role: "user", [["functionResponse": .object(response)]])
            }
        }
        var body: [String: JSONValue] = ["contents": .array(contents.json(itemsKey: "parts"))]
        if let system = request.systemPrompt, !system.isEmpty {
            body["systemInstruction"] = ["parts": [["text": .string(system)]]]
        }
        var declarations: [JSONValue] = request.tools.map {
            ["name": .string($0.name), "description": .string($0.description), "parametersJsonSchema": $0.parameters]
        }
        let formatTool = answerTool.flatMap { name in request.responseFormat.map { (name, $0) } }
        if let (name, format) = formatTool {
            declarations.append(["name": .string(name), "description": .string(WireRequestForm.answerToolDescription), "parametersJsonSchema": format.schema])
            body["toolConfig"] = ["functionCallingConfig": ["mode": "ANY"]]
        }
        if !declarations.isEmpty { body["tools"] = [["functionDeclarations": .array(declarations)]] }
        var generation: [String: JSONValue] = [:]
        var maxTokens = request.maxOutputTokens
        if let temperature = request.temperature { generation["temperature"] = .double(temperature) }
        if let effort = request.reasoningEffort {
            let budget = thinkingBudget(for: effort)
            generation["thinkingConfig"] = budget == 0 ? ["thinkingBudget": 0] : ["includeThoughts": true, "thinkingBudget": .int(budget)]
            // Thoughts count against maxOutputTokens: leave the answer room beside the budget.
            if let limit = maxTokens, budget > 0 { maxTokens = max(limit, budget + 1024) }
        }
        if let maxTokens { generation["maxOutputTokens"] = .int(maxTokens) }
        if let format = request.responseFormat, formatTool == nil {
            generation["responseMimeType"] = "application/json"
            generation["responseJsonSchema"] = format.schema
        }
        if !generation.isEmpty { body["generationConfig"] = .object(generation) }
        return try encode(JSONValue.object(body))
    }

    /// Assembles the answer from whole `GenerateContentResponse` chunks; the answer is whole once a
    /// candidate has a finish reason (the stream then ends with the connection).
    struct Decoder: WireStreamDecoder {
        private var text = ""
        private var reasoning = ""
        private var calls: [ToolCall] = []
        /// The signature on the first function call, else the last one seen.
        private var signature: String?
        private var signatureIsOnCall = false
        private var finishReason: String?
        private var model: String?
        private var usage: JSONValue?

        private(set) var isComplete = false
        var hasFinished: Bool { isComplete || finishReason != nil }

        init() {}

        mutating func apply(_ event: SSEEvent, context: WireContext) throws -> [ModelStreamEvent] {
            let data = event.data.trimmingBlanks
            if data.isEmpty || data == "[DONE]" { return [] }
            return try apply(chunk: context.parse(data), context: context)
        }

        mutating func applyWholeBody(_ data: Data, context: WireContext) throws -> [ModelStreamEvent] {
            // `generateContent` answers with one response; `streamGenerateContent` without SSE with an array.
            let body = try context.parse(data)
            var fragments: [ModelStreamEvent] = []
            for chunk in body.arrayValue ?? [body] {
                fragments += try apply(chunk: chunk, context: context)
            }
            isComplete = true
            return fragments
        }

        private mutating func apply(chunk: JSONValue, context: WireContext) throws -> [ModelStreamEvent] {
            if let error = chunk["error"], error != .null {
                throw context.streamError(
                    message: error["message"]?.stringValue ?? error.jsonString, type: error["status"]?.stringValue ?? error["code"]?.stringValue)
            }
            guard chunk.objectValue != nil else { throw context.malformed(chunk.jsonString) }
            model = chunk["modelVersion"]?.stringValue ?? model
            if let usage = chunk["usageMetadata"], usage.objectValue != nil { self.usage = usage }
            let candidate = chunk["candidates"]?.arrayValue?.first
            if candidate == nil, let reason = chunk["promptFeedback"]?["blockReason"]?.stringValue {
                throw ProviderError(
                    code: .requestRejected, message: "The provider at \(context.url) blocked the prompt (\(reason)); nothing was generated.",
                    requestID: context.requestID, providerErrorType: reason, url: context.url)
            }
            var fragments: [ModelStreamEvent] = []
            for part in candidate?["content"]?["parts"]?.arrayValue ?? [] {
                if let call = part["functionCall"] {
                    let id = call["id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? Self.madeUpCallID()
                    calls.append(ToolCall(id: id, name: call["name"]?.stringValue ?? "", arguments: (call["args"] ?? [:]).jsonString))
                    if let signature = part["thoughtSignature"]?.stringValue, !signatureIsOnCall {
                        self.signature = signature
                        signatureIsOnCall = true
                    }
                    continue
                }
                if let signature = part["thoughtSignature"]?.stringValue, !signatureIsOnCall { self.signature = signature }
                guard let piece = part["text"]?.stringValue, !piece.isEmpty else { continue }
                if part["thought"] == true {
                    reasoning += piece
                    fragments.append(.reasoningDelta(piece))
                } else {
                    text += piece
                    fragments.append(.textDelta(piece))
                }
            }
            if let reason = candidate?["finishReason"]?.stringValue, reason != "FINISH_REASON_UNSPECIFIED" {
                finishReason = reason
                // A reason that says the model failed (MALFORMED_FUNCTION_CALL, MISSING_THOUGHT_SIGNATURE, …)
                // with nothing answered is an error, not an empty answer.
                if text.isEmpty, calls.isEmpty, !Self.answerReasons.contains(reason) {
                    throw context.streamError(message: "The model stopped without an answer (\(reason)).", type: reason)
                }
            }
            return fragments
        }

        /// Finish reasons of an answer, even an empty or a filtered one.
        static let answerReasons: Set<String> = [
            "STOP", "MAX_TOKENS", "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE", "OTHER",
        ]

        private static func madeUpCallID() -> String {
            madeUpCallIDPrefix + UUID().uuidString.lowercased()
        }

        func makeResponse() -> ModelResponse {
            let finish: String? =
                switch finishReason {
                case nil: nil
                case "STOP": calls.isEmpty ? "stop" : "tool_calls"
                case "MAX_TOKENS": "length"
                case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY": "content_filter"
                case let other?: other.lowercased()
                }
            let thoughts = usage?["thoughtsTokenCount"]?.tokenCount
            let answer = usage?["candidatesTokenCount"]?.tokenCount
            let output: Int? = answer == nil && thoughts == nil ? nil : (answer ?? 0) + (thoughts ?? 0)
            let prompt = usage?["promptTokenCount"]?.tokenCount
            let toolPrompt = usage?["toolUsePromptTokenCount"]?.tokenCount
            let traces = reasoning.isEmpty && signature == nil ? [] : [ReasoningTrace(text: reasoning, thoughtSignature: signature)]
            return ModelResponse(
                text: text, reasoning: reasoning.isEmpty ? nil : reasoning, reasoningTraces: traces, toolCalls: calls,
                usage: TokenUsage(
                    inputTokens: prompt.map { $0 + (toolPrompt ?? 0) }, outputTokens: output, reasoningTokens: thoughts,
                    cacheReadTokens: usage?["cachedContentTokenCount"]?.tokenCount),
                finishReason: finish, model: model)
        }
    }
}
