@testable import CopilotCore
@testable import CopilotProviders
import CopilotTesting
import Foundation
import Testing

@Suite("Gemini wire format")
struct GeminiWireTests {
    let config = ProviderConfig(type: .gemini, baseURL: "http://127.0.0.1:1", apiKey: "goog-key-123456")

    /// SSE bytes for `chunks`, one `data:` event each (CRLF line ends when `crlf`).
    func stream(_ chunks: [String], crlf: Bool = false) -> [UInt8] {
        let end = crlf ? "\r\n" : "\n"
        return Array(chunks.map { "data: \($0)\(end)\(end)" }.joined().utf8)
    }

    static let toolStream = [
        #"{"candidates":[{"content":{"role":"model","parts":[{"text":"Weighing it.","thought":true}]},"index":0}],"modelVersion":"gemini-2.5-flash"}"#,
        #"{"candidates":[{"content":{"role":"model","parts":[{"text":"Let me "}]},"index":0}]}"#,
        #"{"candidates":[{"content":{"role":"model","parts":[{"text":"check."}]},"index":0}]}"#,
        #"{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"id":"fc-1","name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"U0lH"},{"functionCall":{"name":"get_time","args":{}}}]},"index":0,"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":12,"thoughtsTokenCount":30,"cachedContentTokenCount":32,"totalTokenCount":82}}"#,
    ]

    @Test("a stream cut at every byte gives the same answer: thoughts, text, calls (one without an id), signature, usage")
    func everyBoundary() throws {
        let bytes = stream(Self.toolStream, crlf: true)
        let whole = try config.decodeStream([bytes])
        #expect(whole.text == "Let me check.")
        #expect(whole.reasoning == "Weighing it.")
        #expect(whole.toolCalls.count == 2)
        #expect(whole.toolCalls[0] == ToolCall(id: "fc-1", name: "get_weather", arguments: #"{"city":"Paris"}"#))
        #expect(whole.toolCalls[1].name == "get_time" && whole.toolCalls[1].arguments == "{}")
        #expect(whole.toolCalls[1].id.hasPrefix(GeminiWire.madeUpCallIDPrefix))
        #expect(whole.reasoningTraces == [ReasoningTrace(text: "Weighing it.", thoughtSignature: "U0lH")])
        #expect(whole.finishReason == "tool_calls")
        #expect(whole.model == "gemini-2.5-flash")
        // Output counts the thoughts, as the other wires' completion tokens do.
        #expect(whole.usage == TokenUsage(inputTokens: 40, outputTokens: 42, reasoningTokens: 30, cacheReadTokens: 32))
        for cut in 1..<bytes.count {
            let split = try config.decodeStream([Array(bytes[..<cut]), Array(bytes[cut...])])
            #expect(split.text == whole.text && split.reasoning == whole.reasoning && split.usage == whole.usage)
            #expect(split.toolCalls.map(\.name) == ["get_weather", "get_time"] && split.toolCalls[0].id == "fc-1")
        }
    }

    @Test("a stream without a finish reason ended early; an in-stream error and a blocked prompt are errors")
    func endsAndErrors() throws {
        #expect {
            try config.decodeStream([stream(Array(Self.toolStream.prefix(3)))])
        } throws: { ($0 as? ProviderError)?.code == .streamEndedEarly }
        #expect {
            try config.decodeStream([stream([Self.toolStream[0], #"{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}"#])])
        } throws: { error in
            let error = error as? ProviderError
            return error?.code == .streamError && error?.providerErrorType == "INTERNAL" && error?.message.contains("Internal error encountered") == true
        }
        #expect {
            try config.decodeStream([stream([#"{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":3}}"#])])
        } throws: { error in
            let error = error as? ProviderError
            return error?.code == .requestRejected && error?.message.contains("SAFETY") == true
        }
        #expect(throws: ProviderError.self) { try config.decodeStream([stream(["[1,2]"])]) }
        let stopped = try config.decodeStream([stream([#"{"candidates":[{"content":{"parts":[{"text":"Cut"}]},"finishReason":"MAX_TOKENS"}]}"#])])
        #expect(stopped.finishReason == "length" && stopped.text == "Cut")
    }

    @Test("request body: roles alternate, images inline, a made-up call id stays home, the signature rides on the first call")
    func requestBody() throws {
        let image = MediaContent(mimeType: "image/png", base64Data: "iVBORw0KGgo=")
        var request = ModelRequest(
            model: "gemini-2.5-flash", systemPrompt: "Be brief.",
            messages: [
                .user("What is in this picture, and the weather?", media: [image]),
                .assistant(
                    text: "", toolCalls: [ToolCall(id: "fc-1", name: "get_weather", arguments: #"{"city":"Paris"}"#),
                        ToolCall(id: GeminiWire.madeUpCallIDPrefix + "x", name: "get_time", arguments: "not json")],
                    reasoning: [ReasoningTrace(text: "Weighing it.", thoughtSignature: "U0lH")]),
                .toolResult(callID: "fc-1", content: "18°C"),
                .toolResult(callID: GeminiWire.madeUpCallIDPrefix + "x", content: "noon"),
                .assistant(text: "Sunny, noon.", toolCalls: [], reasoning: [ReasoningTrace(text: "", thoughtSignature: "TEFTVA==")]),
                .user("Thanks"),
            ],
            tools: [ToolDefinition(name: "get_weather", description: "Weather", parameters: ["type": "object", "additionalProperties": false])],
            maxOutputTokens: 1000, reasoningEffort: "medium")
        request.temperature = 0.2
        request.responseFormat = ResponseFormat(schema: ["type": "object"])
        let body = try JSONValue(parsing: GeminiWire.requestBody(for: request, config: config))
        let expected: JSONValue = [
            "systemInstruction": ["parts": [["text": "Be brief."]]],
            "contents": [
                ["role": "user", "parts": [["text": "What is in this picture, and the weather?"], ["inlineData": ["mimeType": "image/png", "data": "iVBORw0KGgo="]]]],
                ["role": "model", "parts": [
                    ["functionCall": ["id": "fc-1", "name": "get_weather", "args": ["city": "Paris"]], "thoughtSignature": "U0lH"],
                    ["functionCall": ["name": "get_time", "args": [:]]],
                ]],
                ["role": "user", "parts": [
                    ["functionResponse": ["id": "fc-1", "name": "get_weather", "response": ["result": "18°C"]]],
                    ["functionResponse": ["name": "get_time", "response": ["result": "noon"]]],
                ]],
                ["role": "model", "parts": [["text": "Sunny, noon.", "thoughtSignature": "TEFTVA=="]]],
                ["role": "user", "parts": [["text": "Thanks"]]],
            ],
            "tools": [["functionDeclarations": [["name": "get_weather", "description": "Weather", "parametersJsonSchema": ["type": "object", "additionalProperties": false]]]]],
            "generationConfig": [
                // Thoughts count against the limit: it grows to the budget plus room for the answer.
                "maxOutputTokens": 9216, "temperature": 0.2, "thinkingConfig": ["includeThoughts": true, "thinkingBudget": 8192],
                "responseMimeType": "application/json", "responseJsonSchema": ["type": "object"],
            ],
        ]
        #expect(body == expected)
        // "none" turns thinking off rather than asking for thoughts.
        request.reasoningEffort = "none"
        let off = try JSONValue(parsing: GeminiWire.requestBody(for: request, config: config))
        #expect(off["generationConfig"]?["thinkingConfig"] == ["thinkingBudget": 0])
    }

    @Test("a finish reason that says the model failed, with nothing answered, is an error; a null error field is no error; huge counts do not trap")
    func failuresAndOddValues() throws {
        #expect {
            try config.decodeStream([stream([#"{"candidates":[{"content":{"role":"model","parts":[]},"finishReason":"MALFORMED_FUNCTION_CALL"}]}"#])])
        } throws: { error in
            let error = error as? ProviderError
            return error?.code == .streamError && error?.providerErrorType == "MALFORMED_FUNCTION_CALL" && RetryPolicy.default.isRetryable(error!)
        }
        let answer = try config.decodeStream([stream([
            #"{"error":null,"candidates":[{"content":{"parts":[{"text":"ok"}]},"finishReason":"STOP"}],"#
                + #""usageMetadata":{"promptTokenCount":9223372036854775807,"candidatesTokenCount":9223372036854775807,"thoughtsTokenCount":9223372036854775807,"toolUsePromptTokenCount":5}}"#,
        ])])
        #expect(answer.text == "ok")
        #expect(answer.usage?.outputTokens == 2 << 40 && answer.usage?.inputTokens == (1 << 40) + 5)
    }

    @Test("a whole JSON answer (generateContent, or an array from a server that ignored alt=sse) reads like the stream")
    func wholeBody() throws {
        let scripted = ScriptedTurn(text: "Hello there.", toolCalls: [ToolCall(id: "c1", name: "ping", arguments: "{}")])
        let chunks = scripted.events(for: .gemini).map(\.data)
        var decoder = GeminiWire.Decoder()
        let context = WireContext(url: "http://h", requestID: nil, redactor: SecretRedactor(config: config))
        _ = try decoder.applyWholeBody(Data(("[" + chunks.joined(separator: ",") + "]").utf8), context: context)
        let answer = decoder.makeResponse()
        #expect(answer.text == "Hello there." && answer.toolCalls == [ToolCall(id: "c1", name: "ping", arguments: "{}")])
        #expect(answer.finishReason == "tool_calls" && decoder.isComplete)
    }
}

/// The official `google-genai` package reads the scripted server's Gemini streams: the oracle that
/// what the Swift tests play is the wire Google's own client understands.
@Suite("Gemini wire against google-genai")
struct GeminiOracleTests {
    static var hasPackage: Bool {
        let lib = repositoryRoot.appendingPathComponent(".venv/lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
        return versions.contains { FileManager.default.fileExists(atPath: lib.appendingPathComponent("\($0)/site-packages/google/genai").path) }
    }

    /// What `google-genai` made of one model call to `server`.
    static func oracle(_ server: ScriptedProviderServer) async throws -> JSONValue {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interopPython)
        process.arguments = [repositoryRoot.appendingPathComponent("Tests/Interop/gemini_oracle.py").path, server.rootURL, "scripted-model"]
        let output = Pipe()
        process.standardOutput = output
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        #expect(status == 0, "the oracle script failed")
        return try JSONValue(parsing: output.fileHandleForReading.readDataToEndOfFile())
    }

    @Test(
        "google-genai reads a scripted answer as the Swift decoder does: thoughts, text, a call with its id, the signature, usage; and the error body",
        .enabled(if: hasPackage, "needs google-genai in .venv (scripts/test.sh installs it)"))
    func oracleAgrees() async throws {
        let turn = ScriptedTurn(
            text: "Let me check.", reasoning: "Weighing it.", toolCalls: [ToolCall(id: "fc-1", name: "get_weather", arguments: #"{"city":"Paris"}"#)],
            usage: TokenUsage(inputTokens: 12, outputTokens: 7, reasoningTokens: 4))
        let server = try await ScriptedProviderServer.start(turns: [turn, .error(status: 429, message: "Quota exceeded.", type: "RESOURCE_EXHAUSTED")])
        defer { Task { try? await server.shutdown() } }

        let read = try await Self.oracle(server)
        let ours = try ProviderConfig(type: .gemini, baseURL: server.rootURL).decodeStream([turn.renderedStream(for: .gemini, model: "scripted-model")])
        #expect(read["text"]?.stringValue == ours.text && ours.text == "Let me check.")
        #expect(read["thoughts"]?.stringValue == ours.reasoning && ours.reasoning == "Weighing it.")
        #expect(read["calls"] == [["id": "fc-1", "name": "get_weather", "args": ["city": "Paris"]]])
        #expect(ours.toolCalls == turn.toolCalls)
        #expect(read["signatures"] == ["sig-scripted"])
        #expect(read["finish"] == "STOP" && ours.finishReason == "tool_calls")
        #expect(read["usage"] == ["prompt": 12, "answer": 7, "thoughts": 4])
        #expect(ours.usage == TokenUsage(inputTokens: 12, outputTokens: 11, reasoningTokens: 4))
        #expect(server.modelCalls.first?.path == "/v1beta/models/scripted-model:streamGenerateContent?alt=sse")

        let failed = try await Self.oracle(server)
        #expect(failed["error"] == ["code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded."])
    }
}
