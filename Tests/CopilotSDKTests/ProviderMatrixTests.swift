import CopilotRuntime
import CopilotProviders
import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization
import Testing

/// Every provider path × every kind of turn, asserting the exact URL, headers and body of each request.
@Suite("Provider matrix")
struct ProviderMatrixTests {
    enum Path: String, CaseIterable, CustomTestStringConvertible {
        case completions, responses, azureVersioned, azureV1, anthropic, gemini
        var testDescription: String { rawValue }
    }

    enum Scenario: String, CaseIterable, CustomTestStringConvertible {
        case text, toolLoop, reasoning
        var testDescription: String { rawValue }
    }

    static let key = "matrix-secret-key-0001"
    static let weatherCall = ToolCall(id: "call_1_get_weather", name: "get_weather", arguments: #"{"city":"Paris"}"#)
    static let weatherSchema: JSONValue = ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]

    func provider(_ path: Path, server: ScriptedProviderServer) -> ProviderConfig {
        switch path {
        case .completions: ProviderConfig(type: .openai, baseURL: server.baseURL, apiKey: Self.key)
        case .responses: ProviderConfig(type: .openai, baseURL: server.baseURL + "/", wireAPI: .responses, apiKey: Self.key)
        case .azureVersioned: ProviderConfig(type: .azure, baseURL: server.rootURL, apiKey: Self.key, azure: .init(apiVersion: "2024-10-21"))
        case .azureV1: ProviderConfig(type: .azure, baseURL: server.rootURL, wireAPI: .responses, bearerToken: Self.key)
        case .anthropic: ProviderConfig(type: .anthropic, baseURL: server.rootURL, apiKey: Self.key)
        case .gemini: ProviderConfig(type: .gemini, baseURL: server.rootURL, apiKey: Self.key)
        }
    }

    func expectedPath(_ path: Path) -> String {
        switch path {
        case .completions: "/v1/chat/completions"
        case .responses: "/v1/responses"
        case .azureVersioned: "/openai/deployments/scripted-model/chat/completions?api-version=2024-10-21"
        case .azureV1: "/openai/v1/responses"
        case .anthropic: "/v1/messages"
        case .gemini: "/v1beta/models/scripted-model:streamGenerateContent?alt=sse"
        }
    }

    func expectAuth(_ path: Path, _ headers: HeaderFields) {
        #expect(headers["content-type"] == "application/json")
        switch path {
        case .completions, .responses, .azureV1:
            #expect(headers["authorization"] == "Bearer \(Self.key)")
            #expect(headers["api-key"] == nil && headers["x-api-key"] == nil)
        case .azureVersioned:
            #expect(headers["api-key"] == Self.key)
            #expect(headers["authorization"] == nil)
        case .anthropic:
            #expect(headers["x-api-key"] == Self.key)
            #expect(headers["anthropic-version"] == "2023-06-01")
            #expect(headers["authorization"] == nil)
        case .gemini:
            #expect(headers["x-goog-api-key"] == Self.key)
            #expect(headers["authorization"] == nil)
        }
    }

    func turns(_ scenario: Scenario) -> [ScriptedTurn] {
        switch scenario {
        case .text: [.text("Hello from the matrix.")]
        case .toolLoop: [ScriptedTurn(toolCalls: [Self.weatherCall]), .text("Paris is sunny.")]
        case .reasoning: [ScriptedTurn(reasoning: "Think first.", toolCalls: [Self.weatherCall]), .text("Paris is sunny.")]
        }
    }

    // MARK: Expected bodies

    func expectedBodies(_ path: Path, _ scenario: Scenario) -> [JSONValue] {
        switch path {
        case .completions, .azureVersioned: chatBodies(scenario)
        case .responses, .azureV1: responsesBodies(scenario)
        case .anthropic: anthropicBodies(scenario)
        case .gemini: geminiBodies(scenario)
        }
    }

    func chatBodies(_ scenario: Scenario) -> [JSONValue] {
        var base: [String: JSONValue] = ["model": "scripted-model", "stream": true, "stream_options": ["include_usage": true]]
        let first: [JSONValue] = [["role": "system", "content": "Be brief."], ["role": "user", "content": "Weather in Paris?"]]
        guard scenario != .text else { return [.object(base.merging(["messages": .array(first)]) { $1 })] }
        base["tools"] = [["type": "function", "function": ["name": "get_weather", "description": "Current weather", "parameters": Self.weatherSchema]]]
        base["tool_choice"] = "auto"
        base["parallel_tool_calls"] = true
        if scenario == .reasoning { base["reasoning_effort"] = "high" }
        let second = first + [
            ["role": "assistant", "content": nil, "tool_calls": [
                ["id": "call_1_get_weather", "type": "function", "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#]],
            ]],
            ["role": "tool", "content": "18°C in Paris", "tool_call_id": "call_1_get_weather"],
        ]
        return [.object(base.merging(["messages": .array(first)]) { $1 }), .object(base.merging(["messages": .array(second)]) { $1 })]
    }

    func responsesBodies(_ scenario: Scenario) -> [JSONValue] {
        var base: [String: JSONValue] = ["model": "scripted-model", "stream": true, "store": false, "instructions": "Be brief."]
        let first: [JSONValue] = [["type": "message", "role": "user", "content": [["type": "input_text", "text": "Weather in Paris?"]]]]
        guard scenario != .text else { return [.object(base.merging(["input": .array(first)]) { $1 })] }
        base["tools"] = [["type": "function", "name": "get_weather", "description": "Current weather", "parameters": Self.weatherSchema]]
        base["tool_choice"] = "auto"
        base["parallel_tool_calls"] = true
        var replay: [JSONValue] = []
        if scenario == .reasoning {
            base["reasoning"] = ["effort": "high", "summary": "auto"]
            base["include"] = ["reasoning.encrypted_content"]
            replay.append([
                "type": "reasoning", "id": "rs_scripted", "encrypted_content": "enc-scripted",
                "summary": [["type": "summary_text", "text": "Think first."]],
            ])
        }
        let second = first + replay + [
            ["type": "function_call", "call_id": "call_1_get_weather", "name": "get_weather", "arguments": #"{"city":"Paris"}"#],
            ["type": "function_call_output", "call_id": "call_1_get_weather", "output": "18°C in Paris"],
        ]
        return [.object(base.merging(["input": .array(first)]) { $1 }), .object(base.merging(["input": .array(second)]) { $1 })]
    }

    /// Anthropic's bodies, with the prompt-cache breakpoints it gets by default: the system prompt,
    /// the last tool, the last message's last block and the user message's before it.
    func anthropicBodies(_ scenario: Scenario) -> [JSONValue] {
        let cache: JSONValue = ["type": "ephemeral"]
        var base: [String: JSONValue] = [
            "model": "scripted-model", "stream": true, "max_tokens": 4096,
            "system": [["type": "text", "text": "Be brief.", "cache_control": cache]],
        ]
        let question: JSONValue = ["role": "user", "content": [["type": "text", "text": "Weather in Paris?", "cache_control": cache]]]
        let first: [JSONValue] = [question]
        guard scenario != .text else { return [.object(base.merging(["messages": .array(first)]) { $1 })] }
        base["tools"] = [["name": "get_weather", "description": "Current weather", "input_schema": Self.weatherSchema, "cache_control": cache]]
        base["tool_choice"] = ["type": "auto"]
        var assistant: [JSONValue] = []
        if scenario == .reasoning {
            base["thinking"] = ["type": "enabled", "budget_tokens": 16384]
            base["max_tokens"] = 17408
            assistant.append(["type": "thinking", "thinking": "Think first.", "signature": "sig-scripted"])
        }
        assistant.append(["type": "tool_use", "id": "call_1_get_weather", "name": "get_weather", "input": ["city": "Paris"]])
        let second = first + [
            ["role": "assistant", "content": .array(assistant)],
            [
                "role": "user",
                "content": [["type": "tool_result", "tool_use_id": "call_1_get_weather", "content": "18°C in Paris", "cache_control": cache]],
            ],
        ]
        return [.object(base.merging(["messages": .array(first)]) { $1 }), .object(base.merging(["messages": .array(second)]) { $1 })]
    }

    /// Gemini's bodies: the model is in the URL; a call's id and thought signature go back with it,
    /// and its result answers by name and id.
    func geminiBodies(_ scenario: Scenario) -> [JSONValue] {
        var base: [String: JSONValue] = ["systemInstruction": ["parts": [["text": "Be brief."]]]]
        let first: [JSONValue] = [["role": "user", "parts": [["text": "Weather in Paris?"]]]]
        guard scenario != .text else { return [.object(base.merging(["contents": .array(first)]) { $1 })] }
        base["tools"] = [["functionDeclarations": [["name": "get_weather", "description": "Current weather", "parametersJsonSchema": Self.weatherSchema]]]]
        // A call without a signature of its own gets Google's placeholder (Gemini 3 requires one).
        var call: [String: JSONValue] = [
            "functionCall": ["id": "call_1_get_weather", "name": "get_weather", "args": ["city": "Paris"]], "thoughtSignature": "skip_thought_signature_validator",
        ]
        if scenario == .reasoning {
            base["generationConfig"] = ["thinkingConfig": ["includeThoughts": true, "thinkingBudget": 24576]]
            call["thoughtSignature"] = "c2lnLXNjcmlwdGVk"
        }
        let second = first + [
            ["role": "model", "parts": [.object(call)]],
            ["role": "user", "parts": [["functionResponse": ["id": "call_1_get_weather", "name": "get_weather", "response": ["result": "18°C in Paris"]]]]],
        ]
        return [.object(base.merging(["contents": .array(first)]) { $1 }), .object(base.merging(["contents": .array(second)]) { $1 })]
    }

    // MARK: The test

    @Test("URL, headers, body and events", arguments: Path.allCases, Scenario.allCases)
    func matrix(path: Path, scenario: Scenario) async throws {
        try await withScriptedClient(turns: turns(scenario)) { client, server in
            let weather = Tool(name: "get_weather", description: "Current weather", parameters: Self.weatherSchema) { (args: WeatherArguments, _) in
                .success("18°C in \(args.city)")
            }
            let session = try await client.createSession(SessionConfig(
                model: "scripted-model", provider: provider(path, server: server), systemMessage: .replace("Be brief."),
                tools: scenario == .text ? [] : [weather], streaming: true,
                reasoningEffort: scenario == .reasoning ? "high" : nil, onPermissionRequest: .approveAll))
            let events = try await runToIdle(session, "Weather in Paris?")

            #expect(events.types.last == "session.idle")
            #expect(!events.types.contains("session.error"), "\(events.compactMap { if case .sessionError(let e) = $0.payload { e.message } else { nil } })")
            let answers = events.compactMap { event -> SessionEvent.AssistantMessage? in
                if case .assistantMessage(let message) = event.payload { message } else { nil }
            }
            #expect(answers.last?.content == (scenario == .text ? "Hello from the matrix." : "Paris is sunny."))
            let deltas = events.compactMap { event -> String? in
                if case .assistantMessageDelta(let delta) = event.payload { delta.deltaContent } else { nil }
            }
            #expect(deltas.joined() == answers.map(\.content).joined())
            if scenario != .text {
                #expect(answers.first?.toolRequests?.first?.arguments == ["city": "Paris"])
                let done = events.compactMap { event -> SessionEvent.ToolExecutionComplete? in
                    if case .toolExecutionComplete(let done) = event.payload { done } else { nil }
                }
                #expect(done.map(\.success) == [true])
            }
            if scenario == .reasoning {
                let reasoning = events.compactMap { event -> String? in
                    if case .assistantReasoning(let reasoning) = event.payload { reasoning.content } else { nil }
                }
                #expect(reasoning == ["Think first."])
                #expect(events.types.contains("assistant.reasoning_delta"))
            }
            let usage = events.compactMap { event -> SessionEvent.AssistantUsage? in
                if case .assistantUsage(let usage) = event.payload { usage } else { nil }
            }
            #expect(usage.first?.inputTokens == 10)
            #expect(usage.first?.outputTokens == 5)

            let requests = server.modelCalls
            let bodies = expectedBodies(path, scenario)
            #expect(requests.count == bodies.count)
            for (request, body) in zip(requests, bodies) {
                #expect(request.method == "POST")
                #expect(request.path == expectedPath(path))
                expectAuth(path, request.headers)
                #expect(request.json?.withoutDatetime == body)
            }
        }
    }
}
