import CopilotCore
import CopilotRuntime
import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization
import Testing

/// A forecast: the answer type of these tests.
struct Forecast: StructuredOutput, Equatable {
    var city: String
    var celsius: Double
    var sky: String

    static let jsonSchema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["city", "celsius", "sky"],
        "properties": [
            "city": ["type": "string", "minLength": 1], "celsius": ["type": "number", "minimum": -90, "maximum": 60],
            "sky": ["type": "string", "enum": ["clear", "cloudy", "rain"]],
        ],
    ]
}

/// Structured output: the schema on each wire, the answer checked, asked for again once, decoded.
@Suite("Structured output")
struct StructuredOutputTests {
    static let oslo = #"{"city":"Oslo","celsius":4.5,"sky":"cloudy"}"#

    static func provider(_ wire: String, _ server: ScriptedProviderServer) -> ProviderConfig {
        switch wire {
        case "anthropic": ProviderConfig(type: .anthropic, baseURL: server.rootURL, apiKey: "sk-ant-test")
        case "gemini": ProviderConfig(type: .gemini, baseURL: server.rootURL, apiKey: "goog-test")
        case "responses": ProviderConfig(type: .openai, baseURL: server.baseURL, wireAPI: .responses)
        default: ProviderConfig(type: .openai, baseURL: server.baseURL)
        }
    }

    @Test("each wire sends the schema the way it asks for it, and the answer decodes", arguments: ["completions", "responses", "anthropic", "gemini"])
    func wires(wire: String) async throws {
        try await withScriptedClient(turns: [.text(Self.oslo)]) { client, server in
            var config = scriptedConfig(server)
            config.provider = Self.provider(wire, server)
            if wire == "anthropic" { config.provider?.headers = ["anthropic-beta": "other-beta"] }
            let session = try await client.createSession(config)
            let forecast = try await session.sendAndWait("The weather in Oslo?", returning: Forecast.self)
            #expect(forecast == Forecast(city: "Oslo", celsius: 4.5, sky: "cloudy"))
            let call = try #require(server.modelCalls.first)
            let body = try #require(call.json)
            switch wire {
            case "completions":
                #expect(body["response_format"] == [
                    "type": "json_schema", "json_schema": ["name": "Forecast", "schema": Forecast.jsonSchema, "strict": true],
                ])
            case "responses":
                #expect(body["text"] == ["format": ["type": "json_schema", "name": "Forecast", "schema": Forecast.jsonSchema, "strict": true]])
            case "gemini":
                // Gemini takes JSON Schema whole in responseJsonSchema.
                #expect(body["generationConfig"] == ["responseMimeType": "application/json", "responseJsonSchema": Forecast.jsonSchema])
            default:
                // The bounds Anthropic refuses travel as words; the runtime still checks them.
                let schema = try #require(body["output_format"]?["schema"])
                #expect(body["output_format"]?["type"] == "json_schema" && schema["required"] == Forecast.jsonSchema["required"])
                #expect(schema["properties"]?["celsius"] == ["type": "number", "description": "(minimum: -90, maximum: 60)"])
                #expect(schema["properties"]?["city"] == ["type": "string", "description": "(minLength: 1)"])
                #expect(call.headers["anthropic-beta"] == "other-beta,structured-outputs-2025-11-13", "beside the provider's own beta")
            }
            // A message without a schema asks for none.
            _ = try? await session.sendAndWait("Thanks")
            let last = server.modelCalls.last?.json
            #expect(last?["response_format"] == nil && last?["output_format"] == nil && last?["generationConfig"] == nil)
            #expect(server.modelCalls.last?.headers["anthropic-beta"] == (wire == "anthropic" ? "other-beta" : nil))
            await session.disconnect()
        }
    }

    @Test("an answer outside the schema is asked for once more, with what was wrong and a warning; the second answer is the result", arguments: [false, true])
    func askedAgain(remote: Bool) async throws {
        let options = remote
            ? CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary())) : CopilotClientOptions(retryPolicy: .none)
        let turns: [ScriptedTurn] = [.text(#"{"city":"Oslo","celsius":4.5,"sky":"foggy"}"#), .text("```json\n" + Self.oslo + "\n```")]
        try await withScriptedClient(turns: turns, options: options) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            let warnings = Mutex<[String]>([])
            session.on(.sessionWarning) { warning in warnings.withLock { $0.append(warning.message) } }
            let forecast = try await session.sendAndWait("The weather in Oslo?", returning: Forecast.self)
            #expect(forecast.sky == "cloudy", "the second answer, its code fence taken off")
            #expect(server.modelCalls.count == 2)
            let correction = server.modelCalls.last?.json?["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
            #expect(correction.contains("$.sky: must be one of \"clear\", \"cloudy\", \"rain\""), "\(correction)")
            #expect(server.modelCalls.last?.json?["response_format"] != nil, "the second call is held to the schema too")
            let deadline = ContinuousClock.now + .seconds(5)
            while warnings.withLock({ $0.isEmpty }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(warnings.withLock { $0 }.contains { $0.contains("does not match the JSON schema `Forecast`") })
            await session.disconnect()
        }
    }

    @Test("a server that takes a schema only as json_object (llama-cpp-python) is asked again in that form, once")
    func olderJSONObjectForm() async throws {
        // Like llama-cpp-python's server: a validation error naming response_format for json_schema, as HTTP 500.
        let refusal = ScriptedTurn.error(status: 500, message: "1 validation error: ('body', 'response_format', 'type'): Input should be 'text' or 'json_object'")
        let responder: @Sendable (RecordedRequest) -> ScriptedTurn? = { request in
            request.json?["response_format"]?["type"] == "json_schema" ? refusal : nil
        }
        try await withScriptedClient(turns: [.text(Self.oslo), .error(status: 422, message: "too long")], responder: responder) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            let forecast = try await session.sendAndWait("The weather in Oslo?", returning: Forecast.self)
            #expect(forecast == Forecast(city: "Oslo", celsius: 4.5, sky: "cloudy"))
            let formats = server.modelCalls.map { $0.json?["response_format"] }
            #expect(formats.count == 2)
            #expect(formats.last == ["type": "json_object", "schema": Forecast.jsonSchema])
            // Later calls start in the form the server took; a refusal of another kind is the error.
            await #expect(throws: CopilotError.self) { try await session.sendAndWait("Again?", returning: Forecast.self) }
            #expect(server.modelCalls.count == 3, "the second message went out in the json_object form at once")
            #expect(server.modelCalls.last?.json?["response_format"]?["type"] == "json_object")
            await session.disconnect()
        }
    }

    @Test("an Anthropic model that refuses output_format is asked for the schema as a tool call it must make; that call is the answer")
    func anthropicForcedTool() async throws {
        let responder: @Sendable (RecordedRequest) -> ScriptedTurn? = { request in
            if request.json?["output_format"] != nil {
                return .error(status: 400, message: "output_format: this model does not support structured outputs", type: "invalid_request_error")
            }
            return ScriptedTurn(toolCalls: [ToolCall(id: "toolu_1", name: "structured_answer", arguments: Self.oslo)])
        }
        try await withScriptedClient(turns: [], responder: responder) { client, server in
            var config = scriptedConfig(server, tools: [Tool(name: "ping", description: "Ping") { _ in "pong" }])
            config.provider = Self.provider("anthropic", server)
            config.reasoningEffort = "high"
            let session = try await client.createSession(config)
            let forecast = try await session.sendAndWait("The weather in Oslo?", returning: Forecast.self)
            #expect(forecast == Forecast(city: "Oslo", celsius: 4.5, sky: "cloudy"))
            let calls = server.modelCalls
            #expect(calls.count == 2)
            #expect(calls.first?.headers["anthropic-beta"] == "structured-outputs-2025-11-13")
            let body = try #require(calls.last?.json)
            #expect(body["output_format"] == nil && body["thinking"] == nil && calls.last?.headers["anthropic-beta"] == nil)
            // Beside the app's own tool the model must call one of them; the schema's is the answer.
            #expect(body["tool_choice"] == ["type": "any"])
            let tools = try #require(body["tools"]?.arrayValue)
            #expect(tools.map { $0["name"] } == ["ping", "structured_answer"])
            #expect(tools.last?["input_schema"] == Forecast.jsonSchema)
            await session.disconnect()
        }
    }

    @Test("Gemini 2.x refuses a JSON response beside functions: the schema becomes a function it must call, named unlike the app's tools")
    func geminiForcedFunction() async throws {
        let responder: @Sendable (RecordedRequest) -> ScriptedTurn? = { request in
            if request.json?["generationConfig"]?["responseMimeType"] != nil {
                return .error(
                    status: 400, message: "Function calling with a response mime type: 'application/json' is unsupported", type: "INVALID_ARGUMENT")
            }
            return ScriptedTurn(toolCalls: [ToolCall(id: "fc-9", name: "structured_answer_", arguments: Self.oslo)])
        }
        try await withScriptedClient(turns: [], responder: responder) { client, server in
            // The app has a tool of the name the schema's function would take; it gets another.
            var config = scriptedConfig(server, tools: [Tool(name: "structured_answer", description: "The app's own") { _ in "mine" }])
            config.provider = Self.provider("gemini", server)
            let session = try await client.createSession(config)
            let forecast = try await session.sendAndWait("The weather in Oslo?", returning: Forecast.self)
            #expect(forecast == Forecast(city: "Oslo", celsius: 4.5, sky: "cloudy"))
            let body = try #require(server.modelCalls.last?.json)
            #expect(server.modelCalls.count == 2)
            #expect(body["generationConfig"] == nil)
            #expect(body["toolConfig"] == ["functionCallingConfig": ["mode": "ANY"]])
            let declarations = try #require(body["tools"]?.arrayValue?.first?["functionDeclarations"]?.arrayValue)
            #expect(declarations.map { $0["name"] } == ["structured_answer", "structured_answer_"])
            #expect(declarations.last?["parametersJsonSchema"] == Forecast.jsonSchema)
            await session.disconnect()
        }
    }

    @Test("a refusal of the schema itself is not a reason to try the json_object form")
    func schemaRefusalIsNotAFormRefusal() async throws {
        let turns: [ScriptedTurn] = [.error(status: 400, message: "Invalid schema for response_format 'Forecast': 'minimum' is not permitted.")]
        try await withScriptedClient(turns: turns) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            await #expect(throws: CopilotError.self) { try await session.sendAndWait("The weather in Oslo?", returning: Forecast.self) }
            #expect(server.modelCalls.count == 1)
            await session.disconnect()
        }
    }

    @Test("an answer that misses the schema twice fails the message with what was wrong")
    func failsAfterSecondTry() async throws {
        let turns: [ScriptedTurn] = [.text("It is cold."), .text(#"{"city":"Oslo"}"#)]
        let hookCalls = Mutex(0)
        try await withScriptedClient(turns: turns) { client, server in
            var config = scriptedConfig(server)
            config.hooks = SessionHooks(onErrorOccurred: { _ in
                hookCalls.withLock { $0 += 1 }
                return ErrorOccurredOutput(errorHandling: "retry", retryCount: 3)
            })
            let session = try await client.createSession(config)
            do {
                _ = try await session.sendAndWait("The weather in Oslo?", returning: Forecast.self)
                Issue.record("an answer outside the schema was accepted")
            } catch let error as CopilotError {
                #expect(error.code == .sessionError)
                #expect(error.message.contains("also when asked again") && error.message.contains("is missing `celsius`"), "\(error.message)")
            }
            #expect(server.modelCalls.count == 2, "asked once more, not again and again")
            #expect(hookCalls.withLock { $0 } == 0, "not a failed model call: the errorOccurred hook is not asked to retry it")
            await session.disconnect()
        }
    }

    @Test("a steering message cannot ask for its own format: it joins an answer already under way", arguments: [false, true])
    func steeringRefused(remote: Bool) async throws {
        let options = remote
            ? CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary())) : CopilotClientOptions(retryPolicy: .none)
        // The answer takes long enough to be under way however loaded the machine; the abort ends it.
        try await withScriptedClient(turns: [.text("Slow.", delivery: .init(initialDelay: .seconds(30)))], options: options) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            try await session.send("Take your time")
            let deadline = ContinuousClock.now + .seconds(20)
            while try await !session.isProcessing(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let steering = MessageOptions(
                prompt: "And as JSON", mode: .immediate, responseFormat: ResponseFormat(name: "Forecast", schema: Forecast.jsonSchema))
            do {
                try await session.send(steering)
                Issue.record("a steering message with a format was taken")
            } catch let error as CopilotError {
                #expect(error.code == .invalidInput && error.message.contains("send it queued"), "\(error.message)")
            }
            await session.abort()
            await session.disconnect()
        }
    }

    @Test("a session's own schema holds every answer; a message's wins over it")
    func sessionSchema() async throws {
        let other: JSONValue = ["type": "object", "required": ["ok"], "properties": ["ok": ["type": "boolean"]]]
        try await withScriptedClient(turns: [.text(#"{"ok":true}"#), .text(Self.oslo)]) { client, server in
            var config = scriptedConfig(server)
            config.responseFormat = ResponseFormat(name: "status", schema: other)
            let session = try await client.createSession(config)
            let reply = try await session.sendAndWait("Status?")
            #expect(reply.content == #"{"ok":true}"#)
            #expect(server.modelCalls.first?.json?["response_format"]?["json_schema"]?["name"] == "status")
            #expect(server.modelCalls.first?.json?["response_format"]?["json_schema"]?["strict"] == false, "not closed: OpenAI would refuse strict")
            #expect(ResponseFormat(name: "Forecast — Å-1", schema: Forecast.jsonSchema).name == "Forecast-1" && ResponseFormat(schema: Forecast.jsonSchema).strict)
            _ = try await session.sendAndWait("The weather in Oslo?", returning: Forecast.self)
            #expect(server.modelCalls.last?.json?["response_format"]?["json_schema"]?["name"] == "Forecast")
            await session.disconnect()
        }
    }
}

/// The schema check itself.
@Suite("JSON Schema check")
struct JSONSchemaCheckTests {
    func problems(_ json: String, _ schema: JSONValue = Forecast.jsonSchema) throws -> [String] {
        JSONSchemaCheck.problems(try JSONValue(parsing: json), against: schema)
    }

    @Test("types, required members, extra members, enums, bounds, arrays and alternatives")
    func keywords() throws {
        #expect(try problems(StructuredOutputTests.oslo).isEmpty)
        #expect(try problems(#"{"city":"","celsius":99,"sky":"clear","wind":3}"#) == [
            "$.celsius: must be at most 60", "$.city: must have at least 1 characters", "$: has `wind`, which the schema does not allow",
        ], "in member order")
        #expect(try problems(#"[1]"#) == ["$: must be object, not an array"])
        #expect(try problems(#"{"city":"Oslo","sky":"rain"}"#) == ["$: is missing `celsius`"])
        let list: JSONValue = ["type": "array", "minItems": 1, "items": ["type": "integer"]]
        #expect(try problems("[1, 2.5, \"x\"]", list) == ["$[1]: must be integer, not a number", "$[2]: must be integer, not a string"])
        #expect(try problems("[]", list) == ["$: must have at least 1 items"])
        let either: JSONValue = ["anyOf": [["type": "string"], ["type": "null"]]]
        #expect(try problems("null", either).isEmpty && problems("3", either) == ["$: matches none of the anyOf schemas"])
        #expect(try problems("3", ["type": ["integer", "null"]]).isEmpty && problems("3.0", ["type": "integer"]).isEmpty)
        // A nested type by reference, as Pydantic and Zod write it; allOf; a pattern the check leaves to the provider.
        let referring: JSONValue = [
            "type": "object", "properties": ["home": ["$ref": "#/$defs/Place"]], "required": ["home"],
            "$defs": ["Place": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]],
        ]
        #expect(try problems(#"{"home":{"city":"Oslo"}}"#, referring).isEmpty)
        #expect(try problems(#"{"home":{}}"#, referring) == ["$.home: is missing `city`"])
        #expect(try problems(#"{"home":1}"#, ["properties": ["home": ["$ref": "#/$defs/Gone"]]]) == ["$.home: the schema's $ref #/$defs/Gone points nowhere in it"])
        let both: JSONValue = ["allOf": [["type": "string"], ["maxLength": 2]]]
        #expect(try problems(#""abc""#, both) == ["$: must have at most 2 characters"] && problems(#""é""#, ["maxLength": 1]).isEmpty)
        let patterned: JSONValue = ["type": "object", "patternProperties": ["^x-": ["type": "string"]], "additionalProperties": false]
        #expect(try problems(#"{"x-a":"b"}"#, patterned).isEmpty)
    }
}
