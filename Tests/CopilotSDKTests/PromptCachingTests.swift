import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization
import Testing

/// Prompt caching: what each wire asks of the provider, checked on the requests the scripted
/// server received, and what the provider says it cached, in the events.
@Suite("Prompt caching")
struct PromptCachingTests {
    /// A tool whose schema has enough keys that a dictionary's own order would show.
    static let lookup = Tool(
        name: "lookup", description: "Looks a record up",
        parameters: [
            "type": "object", "additionalProperties": false, "required": ["id", "kind"],
            "properties": [
                "id": ["type": "string", "description": "The record's id"], "kind": ["type": "string", "enum": ["a", "b", "c"]],
                "limit": ["type": "integer", "minimum": 1, "maximum": 50], "verbose": ["type": "boolean"],
                "fields": ["type": "array", "items": ["type": "string"]], "since": ["type": "string", "format": "date-time"],
            ],
        ]
    ) { _ in .success("found") }

    static func config(_ server: ScriptedProviderServer, _ provider: ProviderConfig) -> SessionConfig {
        var config = scriptedConfig(server, tools: [lookup])
        config.provider = provider
        config.systemMessage = .append("Answer briefly.")
        return config
    }

    /// The text of the JSON value after `key` in `body` (`key` includes its colon), as it was sent.
    static func member(_ key: String, in body: String) -> Substring? {
        guard let start = body.range(of: key)?.upperBound else { return nil }
        var depth = 0, inString = false, escaped = false, index = start
        while index < body.endIndex {
            let character = body[index]
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == "[" || character == "{" {
                depth += 1
            } else if character == "]" || character == "}" {
                depth -= 1
                if depth == 0 { return body[start...index] }
            }
            if depth == 0, !inString, character == "\"", index != start { return body[start...index] }
            index = body.index(after: index)
        }
        return nil
    }

    /// The breakpoints in an Anthropic request body, by where they are.
    static func breakpoints(_ body: JSONValue) -> [String] {
        var found: [String] = []
        if case .array(let blocks)? = body["system"], blocks.contains(where: { $0["cache_control"] != nil }) { found.append("system") }
        for (index, tool) in (body["tools"]?.arrayValue ?? []).enumerated() where tool["cache_control"] != nil { found.append("tool \(index)") }
        for (index, message) in (body["messages"]?.arrayValue ?? []).enumerated() {
            for block in message["content"]?.arrayValue ?? [] where block["cache_control"] != nil {
                found.append("message \(index) \(block["type"]?.stringValue ?? "?")")
            }
        }
        return found
    }

    @Test("Anthropic: breakpoints on the tool list, the system prompt, the last message and the user message before it — four at most; none when turned off")
    func anthropicBreakpoints() async throws {
        let turns: [ScriptedTurn] = [
            .toolCalls([("lookup", #"{"id":"1","kind":"a"}"#)]), .text("Found it."),
            .text("Still there."),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            let provider = ProviderConfig(type: .anthropic, baseURL: server.rootURL, apiKey: "sk-ant-test")
            let session = try await client.createSession(Self.config(server, provider))
            _ = try await session.sendAndWait("Find record 1")
            _ = try await session.sendAndWait("Is it still there?")
            let bodies = server.modelCalls.compactMap(\.json)
            #expect(bodies.count == 3)
            let toolCount = bodies[0]["tools"]?.arrayValue?.count ?? 0
            #expect(Self.breakpoints(bodies[0]) == ["system", "tool \(toolCount - 1)", "message 0 text"], "first call: one user message")
            // Second call: user, assistant (tool_use), user (tool_result): the result is the last message,
            // the question the user message before it.
            #expect(Self.breakpoints(bodies[1]) == ["system", "tool \(toolCount - 1)", "message 0 text", "message 2 tool_result"])
            // Third call: the new question, and the tool result before it (the prefix the second call wrote).
            let third = Self.breakpoints(bodies[2])
            #expect(third.count == 4 && third.suffix(2) == ["message 2 tool_result", "message 4 text"], "\(third)")
            #expect(bodies[2]["system"]?.arrayValue?.first?["text"]?.stringValue?.contains("Answer briefly.") == true)
            await session.disconnect()
        }
        try await withScriptedClient(turns: [.text("ok")]) { client, server in
            var provider = ProviderConfig(type: .anthropic, baseURL: server.rootURL, apiKey: "sk-ant-test")
            provider.promptCaching = false
            let session = try await client.createSession(Self.config(server, provider))
            _ = try await session.sendAndWait("Hello")
            let body = try #require(server.modelCalls.first?.json)
            #expect(Self.breakpoints(body).isEmpty && body["system"]?.stringValue != nil, "off: no breakpoints, the system prompt a string")
            await session.disconnect()
        }
    }

    @Test("OpenAI wires: the prefix (system prompt, tools, earlier turns) is the same bytes every turn; prompt_cache_key names the session when caching is on", arguments: [false, true])
    func openAIPrefix(responses: Bool) async throws {
        let turns: [ScriptedTurn] = [.toolCalls([("lookup", #"{"id":"1","kind":"a"}"#)]), .text("Found it."), .text("Still there.")]
        try await withScriptedClient(turns: turns) { client, server in
            var provider = ProviderConfig(type: .openai, baseURL: server.baseURL, wireAPI: responses ? .responses : .completions)
            #expect(!provider.cachesPrompts, "a server that is not OpenAI's own is not sent fields it may refuse")
            provider.promptCaching = true
            let session = try await client.createSession(Self.config(server, provider))
            _ = try await session.sendAndWait("Find record 1")
            _ = try await session.sendAndWait("Is it still there?")
            let bodies = server.modelCalls.map { String(decoding: $0.body, as: UTF8.self) }
            #expect(bodies.count == 3)
            let conversation = responses ? "\"input\":" : "\"messages\":"
            for (earlier, later) in zip(bodies, bodies.dropFirst()) {
                let before = try #require(Self.member(conversation, in: earlier)), after = try #require(Self.member(conversation, in: later))
                // Every earlier item is sent again exactly: the earlier array, without its close, begins the later one.
                #expect(after.hasPrefix(before.dropLast()), "the conversation so far is the later call's prefix, byte for byte")
                let tools = try #require(Self.member("\"tools\":", in: earlier))
                #expect(tools.contains("\"additionalProperties\":false") && tools.hasSuffix("]"))
                #expect(tools == Self.member("\"tools\":", in: later), "the tools are the same bytes")
                // Chat Completions sends the system prompt as the first message (checked above); Responses as instructions.
                if responses {
                    let instructions = Self.member("\"instructions\":", in: earlier)
                    #expect(instructions?.contains("Answer briefly.") == true && instructions == Self.member("\"instructions\":", in: later))
                }
            }
            #expect(server.modelCalls.allSatisfy { $0.json?["prompt_cache_key"]?.stringValue == session.sessionId })
            await session.disconnect()
        }
    }

    @Test("the switch reaches a remote runtime: on, an OpenAI-compatible server gets prompt_cache_key; off, Anthropic gets no breakpoints")
    func remoteSwitch() async throws {
        let options = CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary()))
        try await withScriptedClient(turns: [.text("one"), .text("two")], options: options) { client, server in
            var openAI = ProviderConfig(type: .openai, baseURL: server.baseURL)
            openAI.promptCaching = true
            let first = try await client.createSession(Self.config(server, openAI))
            _ = try await first.sendAndWait("Hello")
            #expect(server.modelCalls.last?.json?["prompt_cache_key"]?.stringValue == first.sessionId)
            var anthropic = ProviderConfig(type: .anthropic, baseURL: server.rootURL, apiKey: "sk-ant-test")
            anthropic.promptCaching = false
            let second = try await client.createSession(Self.config(server, anthropic))
            _ = try await second.sendAndWait("Hello")
            let body = try #require(server.modelCalls.last?.json)
            #expect(Self.breakpoints(body).isEmpty && body["system"]?.stringValue != nil)
            await first.disconnect()
            await second.disconnect()
        }
    }

    @Test("without caching asked, an OpenAI-compatible server gets no prompt_cache_key; OpenAI's own API does by default")
    func openAIDefault() async throws {
        try await withScriptedClient(turns: [.text("ok")]) { client, server in
            let session = try await client.createSession(Self.config(server, ProviderConfig(type: .openai, baseURL: server.baseURL)))
            _ = try await session.sendAndWait("Hello")
            #expect(server.modelCalls.first?.json?["prompt_cache_key"] == nil)
            await session.disconnect()
        }
        #expect(ProviderConfig(type: .openai, baseURL: "https://api.openai.com/v1").cachesPrompts)
        #expect(ProviderConfig(type: .anthropic, baseURL: "https://api.anthropic.com").cachesPrompts)
        #expect(!ProviderConfig(type: .azure, baseURL: "https://example.openai.azure.com").cachesPrompts)
    }

    @Test("what the provider read from and wrote to its cache reaches assistant.usage and the session's usage, on each wire", arguments: ["anthropic", "completions", "responses"])
    func cachedTokens(wire: String) async throws {
        let turn = ScriptedTurn(text: "ok", usage: TokenUsage(inputTokens: 100, outputTokens: 5, cacheReadTokens: 80, cacheWriteTokens: 20))
        try await withScriptedClient(turns: [turn]) { client, server in
            let provider = wire == "anthropic"
                ? ProviderConfig(type: .anthropic, baseURL: server.rootURL, apiKey: "sk-ant-test")
                : ProviderConfig(type: .openai, baseURL: server.baseURL, wireAPI: wire == "responses" ? .responses : .completions)
            let session = try await client.createSession(Self.config(server, provider))
            let usage = Mutex<SessionEvent.AssistantUsage?>(nil)
            let info = Mutex<SessionEvent.SessionUsageInfo?>(nil)
            session.on(.assistantUsage) { event in usage.withLock { $0 = event } }
            session.on(.sessionUsageInfo) { event in info.withLock { $0 = event } }
            _ = try await session.sendAndWait("Hello")
            let reported = try #require(usage.withLock { $0 })
            #expect(reported.inputTokens == 100, "the whole prompt on every wire (Anthropic's input_tokens leaves the cached part out)")
            #expect(reported.cacheReadTokens == 80)
            // Only Anthropic reports what it wrote.
            #expect(reported.cacheWriteTokens == (wire == "anthropic" ? 20 : nil))
            let totals = try #require(info.withLock { $0 })
            #expect(totals.cacheReadTokens == 80 && totals.cacheWriteTokens == (wire == "anthropic" ? 20 : 0), "the session's totals so far")
            let metric = try #require(try await session.usage().byModel["scripted-model"])
            #expect(metric.usage.cacheReadTokens == 80 && metric.usage.cacheWriteTokens == (wire == "anthropic" ? 20 : 0))
            await session.disconnect()
        }
    }
}
