@testable import CopilotCore
@testable import CopilotProviders
import CopilotRuntime
import CopilotProviders
import Foundation
import Testing

@Suite("Chat Completions wire format")
struct ChatCompletionsWireTests {
    private func accumulate(_ chunks: [String]) throws -> (ChatCompletionsWire.Accumulator, [ModelStreamEvent]) {
        var accumulator = ChatCompletionsWire.Accumulator()
        var events: [ModelStreamEvent] = []
        for chunk in chunks {
            let decoded = ChatCompletionsWire.Chunk(json: try JSONValue(parsing: chunk))
            events += accumulator.apply(decoded)
        }
        return (accumulator, events)
    }

    @Test("interleaved parallel tool calls are assembled by index")
    func interleavedToolCalls() throws {
        let (result, _) = try accumulate([
            #"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Let me check."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{\"tz\":"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\"UTC\"}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            #"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19,"completion_tokens_details":{"reasoning_tokens":3}}}"#,
        ])
        #expect(result.text == "Let me check.")
        #expect(result.toolCalls == [
            ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#),
            ToolCall(id: "call_2", name: "get_time", arguments: #"{"tz":"UTC"}"#),
        ])
        #expect(result.finishReason == "tool_calls")
        #expect(result.usage == TokenUsage(inputTokens: 12, outputTokens: 7, reasoningTokens: 3))
    }

    @Test("repeated id and name on every chunk (llama.cpp) do not start new calls")
    func repeatedIDAndName() throws {
        let (result, _) = try accumulate([
            #"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_x","type":"function","function":{"name":"get_weather","arguments":"{\"ci"}}]}}]}"#,
            #"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_x","type":"function","function":{"name":"get_weather","arguments":"ty\": \"Paris\"}"}}]}}]}"#,
            #"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_x","function":{"name":"","arguments":""}}]},"finish_reason":"stop"}]}"#,
        ])
        #expect(result.toolCalls == [ToolCall(id: "call_x", name: "get_weather", arguments: #"{"city": "Paris"}"#)])
        #expect(result.finishReason == "stop")
    }

    @Test("tool-call deltas without an index are keyed by id, then by position")
    func missingIndex() throws {
        let (result, _) = try accumulate([
            #"{"choices":[{"delta":{"tool_calls":[{"id":"a","function":{"name":"one","arguments":"{"}}]}}]}"#,
            #"{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"}"}}]}}]}"#,
            #"{"choices":[{"delta":{"tool_calls":[{"id":"b","function":{"name":"two","arguments":{"k":1}}}]}}]}"#,
            #"{"choices":[{"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        #expect(result.toolCalls == [
            ToolCall(id: "a", name: "one", arguments: "{}"),
            ToolCall(id: "b", name: "two", arguments: #"{"k":1}"#),
        ])
    }

    @Test("reasoning arrives as reasoning_content or reasoning, and both stream")
    func reasoningFields() throws {
        let (result, events) = try accumulate([
            #"{"choices":[{"delta":{"reasoning_content":"Think "}}]}"#,
            #"{"choices":[{"delta":{"reasoning":"more."}}]}"#,
            #"{"choices":[{"delta":{"content":"Answer"}}],"usage":null}"#,
            #"{"choices":[{"index":0,"delta":{}}],"usage":{"prompt_tokens":1,"completion_tokens":2}}"#,
        ])
        #expect(result.reasoning == "Think more.")
        #expect(events == [.reasoningDelta("Think "), .reasoningDelta("more."), .textDelta("Answer")])
        #expect(result.usage?.outputTokens == 2)
    }

    @Test("odd field types (created as float, object missing, null content) are tolerated")
    func lenientDecoding() throws {
        let (result, _) = try accumulate([
            #"{"id":"x","created":1.5,"choices":[{"delta":{"content":null,"role":"assistant"},"finish_reason":null,"logprobs":null}]}"#,
            #"{"choices":[{"delta":{"content":"ok"},"finish_reason":"stop"}]}"#,
        ])
        #expect(result.text == "ok")
    }

    @Test("request body: system prompt, tool calls with null content, tool results")
    func requestBody() throws {
        let request = ModelRequest(
            model: "gpt-test", systemPrompt: "Be brief.",
            messages: [
                .user("Weather?"),
                .assistant(text: "", toolCalls: [ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)]),
                .toolResult(callID: "call_1", content: "18°C"),
            ],
            tools: [ToolDefinition(name: "get_weather", description: "Weather", parameters: ["type": "object"])],
            maxOutputTokens: 100, reasoningEffort: "low")
        let json = try JSONValue(encoding: ChatCompletionsWire.requestBody(for: request))
        let expected: JSONValue = [
            "model": "gpt-test", "stream": true, "stream_options": ["include_usage": true],
            "max_completion_tokens": 100, "reasoning_effort": "low", "tool_choice": "auto", "parallel_tool_calls": true,
            "messages": [
                ["role": "system", "content": "Be brief."],
                ["role": "user", "content": "Weather?"],
                ["role": "assistant", "content": nil, "tool_calls": [
                    ["id": "call_1", "type": "function", "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#]],
                ]],
                ["role": "tool", "content": "18°C", "tool_call_id": "call_1"],
            ],
            "tools": [["type": "function", "function": ["name": "get_weather", "description": "Weather", "parameters": ["type": "object"]]]],
        ]
        #expect(json == expected)
    }
}

@Suite("Anthropic request bodies")
struct AnthropicWireTests {
    @Test("a tool call's input goes back as the model wrote it, key order and all")
    func toolInputVerbatim() throws {
        let arguments = #"{"zeta":1,"alpha":{"y":[2,"}"],"b":"\"q\""}}"#
        let request = ModelRequest(model: "claude", messages: [
            .user("Go"), .assistant(text: "", toolCalls: [ToolCall(id: "t1", name: "run", arguments: arguments)]),
            .toolResult(callID: "t1", content: "done"),
        ])
        let body = String(decoding: try AnthropicWire.requestBody(for: request, config: ProviderConfig(type: .anthropic, baseURL: "http://127.0.0.1:9")), as: UTF8.self)
        #expect(body.contains(#""input":"# + arguments))
        let json = try JSONValue(parsing: body)
        let input = json["messages"]?.arrayValue?[1]["content"]?.arrayValue?.first?["input"]
        #expect(input?["alpha"]?["b"] == "\"q\"", "the body is still valid JSON")
    }
}
