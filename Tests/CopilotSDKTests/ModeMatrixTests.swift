import CopilotCore
import CopilotRuntime
import CopilotSDK
import CopilotTesting
import Foundation
import Testing

/// The same `SessionConfig` must mean the same in every mode: in-process, through the Swift remote
/// client (`.spawn(path:)` → `copilot-swift`), and through `copilot-swift` driven by the official Python
/// SDK. Each scenario runs against a fresh scripted model server per mode; what reached the model
/// (system prompt, tools offered, messages) and the events of the message are compared across modes.
@Suite("One config, one behaviour: in-process, Swift remote, official Python SDK")
struct ModeMatrixTests {
    /// One scenario: the config both Swift modes use, the same config as the Python driver's JSON,
    /// and the scripted model turns.
    struct Scenario: Sendable, CustomTestStringConvertible {
        var name: String
        var turns: [ScriptedTurn]
        var configure: @Sendable (inout SessionConfig) -> Void
        /// The scenario for `Tests/Interop/matrix_driver.py`; `nil` when the official SDK cannot say it
        /// (built-in tools and the turn limit are this runtime's own options).
        var python: [String: JSONValue]?
        /// The messages sent, one after the other, each waited for until `session.idle`.
        var prompts = [ModeMatrixTests.prompt]
        /// Answers model calls whose order is not fixed (a compaction's summary request).
        var responder: (@Sendable (RecordedRequest) -> ScriptedTurn?)?
        var testDescription: String { name }
    }

    static let prompt = "What is the weather in Paris?"
    static let paragraph = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 8)
    /// The summary a compaction asks for, recognised by its own system prompt.
    static let summarise: @Sendable (RecordedRequest) -> ScriptedTurn? = { request in
        let system = request.json?["messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
        return system.hasPrefix("You summarise") ? .text("SUMMARY: paragraphs about a fox.") : nil
    }

    static let weatherCall = ToolCall(id: "call_w", name: "get_weather", arguments: #"{"city":"Paris"}"#)
    static let toolTurns = [ScriptedTurn(toolCalls: [weatherCall]), .text("Paris is mild.")]

    static func tool(_ name: String) -> Tool {
        Tool(
            name: name, description: name == "get_weather" ? "Current weather for a city" : "The current time",
            parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]
        ) { invocation in
            .success(name == "get_weather" ? "18C in \(invocation.arguments["city"]?.stringValue ?? "")" : "12:00")
        }
    }

    /// A folder with the skill `metric` ("Report temperatures in Celsius."), made once for every mode.
    static let skillFolder: String = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("copilot-matrix-skills-\(UUID().uuidString)")
        let skill = folder.appendingPathComponent("metric")
        try? FileManager.default.createDirectory(at: skill, withIntermediateDirectories: true)
        try? "---\nname: metric\ndescription: Units for weather reports\n---\nReport temperatures in Celsius.\n".write(
            to: skill.appendingPathComponent("SKILL.md"), atomically: true, encoding: .utf8)
        return folder.path
    }()

    /// The main agent delegates to the `forecaster` agent (which preloads the `metric` skill and may
    /// only call get_weather); it calls the tool and answers; the main agent passes the answer on.
    static let delegationTurns: [ScriptedTurn] = [
        .toolCalls([("task", #"{"agent_type":"forecaster","prompt":"Weather in Paris?","description":"Forecast"}"#)]),
        ScriptedTurn(toolCalls: [weatherCall]), .text("18C in Paris."), .text("The forecaster says 18C."),
    ]

    static let scenarios: [Scenario] = [
        Scenario(name: "custom agents and skills: the main agent delegates to a sub-agent with its own prompt, tools and skill", turns: delegationTurns, configure: {
            $0.tools = [tool("get_weather")]
            $0.builtInTools = [.task]
            $0.skillDirectories = [skillFolder]
            $0.customAgents = [CustomAgent(name: "forecaster", description: "Forecasts weather", prompt: "You forecast weather.", tools: ["get_weather"], skills: ["metric"])]
        }, python: [
            "tools": ["get_weather"], "skillDirectories": [.string(skillFolder)],
            "availableTools": ["custom:*", "builtin:task", "builtin:read_agent", "builtin:list_agents", "builtin:skill"],
            "customAgents": [["name": "forecaster", "description": "Forecasts weather", "prompt": "You forecast weather.", "tools": ["get_weather"], "skills": ["metric"]]],
        ]),
        Scenario(name: "excludedTools: an excluded tool is never offered", turns: toolTurns, configure: {
            $0.tools = [tool("get_weather"), tool("get_time")]
            $0.excludedTools = ["get_time"]
        }, python: ["tools": ["get_weather", "get_time"], "excludedTools": ["get_time"]]),
        Scenario(name: "availableTools: only the listed tools are offered", turns: toolTurns, configure: {
            $0.tools = [tool("get_weather"), tool("get_time")]
            $0.availableTools = ["get_weather"]
        }, python: ["tools": ["get_weather", "get_time"], "availableTools": ["get_weather"]]),
        Scenario(name: "tool selectors: custom:* and an excluded custom:NAME", turns: toolTurns, configure: {
            $0.tools = [tool("get_weather"), tool("get_time")]
            $0.availableTools = ["custom:*"]
            $0.excludedTools = ["custom:get_time"]
        }, python: ["tools": ["get_weather", "get_time"], "availableTools": ["custom:*"], "excludedTools": ["custom:get_time"]]),
        Scenario(name: "systemMessage append", turns: [.text("Brief.")], configure: {
            $0.systemMessage = .append("Be brief.")
        }, python: ["systemMessage": ["mode": "append", "content": "Be brief."]]),
        Scenario(name: "systemMessage replace", turns: [.text("Tested.")], configure: {
            $0.systemMessage = .replace("You are a test.")
        }, python: ["systemMessage": ["mode": "replace", "content": "You are a test."]]),
        Scenario(name: "a denied permission ends the message", turns: toolTurns, configure: {
            $0.tools = [tool("get_weather")]
            $0.onPermissionRequest = PermissionHandler { _, _ in .reject(feedback: "not allowed here") }
        }, python: ["tools": ["get_weather"], "permission": "deny"]),
        Scenario(name: "a preToolUse hook that denies", turns: toolTurns, configure: {
            $0.tools = [tool("get_weather")]
            $0.hooks = SessionHooks(onPreToolUse: { _ in
                PreToolUseOutput(permissionDecision: "deny", permissionDecisionReason: "blocked by policy")
            })
        }, python: ["tools": ["get_weather"], "hooks": "deny"]),
        Scenario(
            name: "model capabilities: prompt and output limits reach the model, and older turns are compacted",
            turns: (0..<4).map { ScriptedTurn.text("Answer \($0): " + paragraph) },
            configure: {
                $0.systemMessage = .replace("Be brief.")
                $0.modelCapabilities = ModelCapabilities(limits: ModelLimits(maxPromptTokens: 400))
                $0.maxOutputTokens = 64
            },
            python: [
                "systemMessage": ["mode": "replace", "content": "Be brief."],
                "modelCapabilities": ["limits": ["maxPromptTokens": 400, "maxOutputTokens": 64]],
            ],
            prompts: (0..<4).map { "Message \($0): " + paragraph }, responder: summarise),
        Scenario(name: "built-in tools are offered as configured", turns: [.text("Looked.")], configure: {
            $0.builtInTools = [.view, .grep]
            $0.excludedTools = ["grep"]
        }, python: nil),
        Scenario(name: "the turn limit stops the message", turns: toolTurns, configure: {
            $0.tools = [tool("get_weather")]
            $0.maxTurns = 1
        }, python: nil),
    ]

    /// What one mode did: every model request (normalised) and the event types of the message.
    struct Observation: Equatable, CustomStringConvertible {
        var requests: [JSONValue]
        var events: [String]
        var description: String { "requests: \(requests.map(\.jsonString))\nevents: \(events)" }
    }

    /// The parts of a Chat Completions request that a config decides: system prompt, tool names,
    /// messages, the output limit.
    static func normalise(_ request: RecordedRequest) -> JSONValue {
        let body = request.json ?? .null
        let tools = (body["tools"]?.arrayValue ?? []).compactMap { $0["function"]?["name"]?.stringValue }.sorted()
        return [
            "tools": .array(tools.map(JSONValue.string)), "messages": body["messages"]?.withoutDatetime ?? .null,
            "max_completion_tokens": body["max_completion_tokens"] ?? body["max_tokens"] ?? .null,
        ]
    }

    /// Event types (`hook.start:TYPE` for a hook event), without the ones only a protocol transport
    /// has: `external_tool.*` is how a remote runtime hands a tool call to its client, and a client
    /// with hooks is asked at every hook point, so a point the scenario has no hook for shows up
    /// only there.
    static func normalise(_ types: [String], _ scenario: Scenario) -> [String] {
        var config = SessionConfig()
        scenario.configure(&config)
        let handled = Set(HookPoints.all.filter { config.hooks.map($0.isHandled(by:)) ?? false }.map(\.name))
        return types.filter { type in
            if type.hasPrefix("external_tool.") { return false }
            guard type.hasPrefix("hook."), let point = type.split(separator: ":").last else { return true }
            return handled.contains(String(point))
        }
    }

    /// The type of `event` as ``normalise(_:_:)`` takes it.
    static func label(_ event: SessionEvent) -> String {
        switch event.payload {
        case .hookStart(let start): "\(event.type):\(start.hookType)"
        case .hookEnd(let end): "\(event.type):\(end.hookType)"
        default: event.type
        }
    }

    static func config(for server: ScriptedProviderServer, _ scenario: Scenario) -> SessionConfig {
        var config = SessionConfig(
            model: "scripted-model", provider: ProviderConfig(type: .openai, baseURL: server.baseURL),
            onPermissionRequest: .approveAll)
        scenario.configure(&config)
        return config
    }

    static func runSwift(_ scenario: Scenario, remote: Bool) async throws -> Observation {
        let options = remote
            ? CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary())) : CopilotClientOptions(retryPolicy: .none)
        return try await withScriptedClient(turns: scenario.turns, options: options, responder: scenario.responder) { client, server in
            let session = try await client.createSession(config(for: server, scenario))
            var events: [SessionEvent] = []
            for prompt in scenario.prompts { events += try await runToIdle(session, prompt) }
            await session.disconnect()
            return Observation(requests: server.modelCalls.map(normalise), events: normalise(events.map(label), scenario))
        }
    }

    static var hasOfficialSDK: Bool { FileManager.default.isExecutableFile(atPath: interopPython) }

    static func runPython(_ scenario: Scenario, _ driverScenario: [String: JSONValue]) async throws -> Observation {
        let server = try await ScriptedProviderServer.start(turns: scenario.turns, responder: scenario.responder)
        defer { Task { try? await server.shutdown() } }
        var input = driverScenario
        // An official SDK's session gets the official runtime's built-in tools; the Swift configs
        // here name none, which the official SDK says with the `builtin:*` selector.
        if driverScenario["availableTools"] == nil {
            input["excludedTools"] = .array((driverScenario["excludedTools"]?.arrayValue ?? []) + ["builtin:*"])
        }
        input["baseURL"] = .string(server.baseURL)
        input["model"] = "scripted-model"
        input["prompts"] = .array(scenario.prompts.map(JSONValue.string))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interopPython)
        process.arguments = [repositoryRoot.appendingPathComponent("Tests/Interop/matrix_driver.py").path, JSONValue.object(input).jsonString]
        var environment = ProcessInfo.processInfo.environment
        environment["COPILOT_CLI_PATH"] = try copilotSwiftBinary()
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        // Wait for the exit without holding one of the few cooperative threads (the other tests run
        // beside this one); the driver prints a few hundred bytes, well within the pipe's buffer.
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        #expect(status == 0, "the Python driver failed")
        let types = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { try? JSONValue(parsing: String($0)).stringValue }
        return Observation(requests: server.modelCalls.map(normalise), events: normalise(types, scenario))
    }

    @Test("in-process and the Swift remote client send the model the same and emit the same", arguments: scenarios)
    func swiftModes(_ scenario: Scenario) async throws {
        let local = try await Self.runSwift(scenario, remote: false)
        let remote = try await Self.runSwift(scenario, remote: true)
        #expect(!local.requests.isEmpty)
        #expect(local == remote)
        try Self.checkScenarioOutcome(scenario, local)
    }

    @Test(
        "the official Python SDK through copilot-swift sends the model the same and sees the same events",
        .enabled(if: hasOfficialSDK, "needs the official SDK in .venv (scripts/test.sh installs it)"),
        arguments: scenarios.filter { $0.python != nil })
    func officialSDK(_ scenario: Scenario) async throws {
        let local = try await Self.runSwift(scenario, remote: false)
        let python = try await Self.runPython(scenario, scenario.python ?? [:])
        #expect(local == python)
        try Self.checkScenarioOutcome(scenario, python)
    }

    /// What each scenario must show, whatever the mode (so three modes that agree on a wrong answer still fail).
    static func checkScenarioOutcome(_ scenario: Scenario, _ observation: Observation) throws {
        let first = try #require(observation.requests.first)
        let tools = first["tools"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let system = first["messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
        let lastToolResult = observation.requests.last?["messages"]?.arrayValue?.last { $0["role"] == "tool" }?["content"]?.stringValue
        switch scenario.name {
        case let name where name.hasPrefix("excludedTools"):
            #expect(tools == ["get_weather"], "get_time was excluded")
        case let name where name.hasPrefix("availableTools") || name.hasPrefix("tool selectors"):
            #expect(tools == ["get_weather"])
        case "systemMessage append":
            #expect(system.hasPrefix(SystemMessage.defaultPrompt) && system.hasSuffix("Be brief."))
        case "systemMessage replace":
            #expect(system == "You are a test.")
        case let name where name.hasPrefix("a denied permission"):
            // A rejection ends the message: the tool never ran and the model is not called again.
            #expect(observation.requests.count == 1)
            #expect(observation.events.contains("permission.completed") && observation.events.contains("tool.execution_complete"))
        case let name where name.hasPrefix("a preToolUse hook"):
            #expect(lastToolResult?.contains("blocked by policy") == true)
        case let name where name.hasPrefix("model capabilities"):
            let answers = observation.requests.filter { $0["messages"]?.arrayValue?.first?["content"] == "Be brief." }
            #expect(answers.count == 4)
            #expect(answers.allSatisfy { $0["max_completion_tokens"] == 64 })
            #expect(observation.events.contains("session.compaction_start") && observation.events.contains("session.compaction_complete"))
            for request in observation.requests {
                let characters = request["messages"]?.arrayValue?.reduce(0) { $0 + ($1["content"]?.stringValue?.count ?? 0) } ?? 0
                #expect(characters / 4 <= 400, "a request of about \(characters / 4) tokens exceeded the prompt limit")
            }
            let last = answers.last?["messages"]?.arrayValue ?? []
            #expect(last.contains { $0["content"]?.stringValue?.contains("SUMMARY: paragraphs about a fox.") == true })
        case let name where name.hasPrefix("built-in tools"):
            #expect(tools == ["view"])
        case let name where name.hasPrefix("custom agents and skills"):
            #expect(observation.requests.count == 4)
            #expect(tools == ["get_weather", "list_agents", "read_agent", "skill", "task"])
            let forecaster = observation.requests[1]
            #expect(forecaster["tools"] == ["get_weather"], "the sub-agent's own tools")
            let system = forecaster["messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
            #expect(system.hasPrefix("You forecast weather.") && system.contains("Report temperatures in Celsius."), "its prompt and preloaded skill")
            #expect(observation.requests[3]["messages"]?.arrayValue?.last?["content"] == "18C in Paris.")
            #expect(observation.events.contains("subagent.started") && observation.events.contains("subagent.completed"))
        case let name where name.hasPrefix("the turn limit"):
            #expect(observation.requests.count == 1)
            #expect(observation.events.contains("session.error"))
        default:
            Issue.record("no outcome check for \(scenario.name)")
        }
        #expect(observation.events.first == "user.message" && observation.events.last == "session.idle")
    }
}
