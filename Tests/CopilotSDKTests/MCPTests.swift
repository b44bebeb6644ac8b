import CopilotCore
import CopilotMCP
import CopilotRuntime
import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The package's root folder (this file is Tests/CopilotSDKTests/MCPTests.swift).
private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
/// The Python that has the official `mcp` package (scripts/test.sh installs it in .venv).
private let python = packageRoot.appendingPathComponent(".venv/bin/python").path
/// The test server: Tests/Interop/mcp_server.py, on the Python `mcp` package.
private let serverScript = packageRoot.appendingPathComponent("Tests/Interop/mcp_server.py").path
private let haveMCP = FileManager.default.isExecutableFile(atPath: python)
    && (try? String(contentsOfFile: packageRoot.appendingPathComponent("Tests/Interop/requirements.txt").path, encoding: .utf8))?.contains("mcp==") == true

private func results(_ events: [SessionEvent]) -> [SessionEvent.ToolExecutionComplete] {
    events.compactMap { event in
        if case .toolExecutionComplete(let complete) = event.payload { complete } else { nil }
    }
}

private func offered(_ request: RecordedRequest) -> [String] {
    request.json?["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue } ?? []
}

private func alive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    return stat.split(separator: ")").last?.split(separator: " ").first != "Z"
}

@Suite(
    "MCP servers: an official Python MCP server's tools in a session", .serialized,
    .enabled(if: haveMCP, "needs .venv with the mcp package (scripts/test.sh)"))
struct MCPTests {
    func config(_ server: ScriptedProviderServer, directory: String, tools: [String]? = nil, timeout: Duration? = nil) -> SessionConfig {
        var config = scriptedConfig(server)
        config.mcpServers = [
            "test": .stdio(
                command: python, arguments: [serverScript], environment: ["MCP_TEST_VALUE": "hello-env"], workingDirectory: directory,
                tools: tools, timeout: timeout)
        ]
        return config
    }

    @Test("a custom agent's own MCP server is offered to that sub-agent alone, answers its call, and ends when it ends", arguments: [false, true])
    func agentOwnServer(remote: Bool) async throws {
        let options = remote
            ? CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary())) : CopilotClientOptions(retryPolicy: .none)
        let responder: @Sendable (RecordedRequest) -> ScriptedTurn = { request in
            let messages = request.json?["messages"]?.arrayValue ?? []
            let system = messages.first?["content"]?.stringValue ?? ""
            let answered = messages.last?["role"] == "tool"
            if system.hasPrefix("You forecast.") {
                return answered ? .text("Forecast: \(messages.last?["content"]?.stringValue ?? "")") : .toolCalls([("weather-forecast", #"{"city":"Oslo"}"#)])
            }
            return answered ? .text("Done.") : .toolCalls([("task", #"{"agent_type":"forecaster","prompt":"Oslo?","description":"Forecast"}"#)])
        }
        try await withScriptedClient(turns: [], options: options, responder: responder) { client, server in
            var config = scriptedConfig(server)
            config.builtInTools = [.task]
            config.customAgents = [CustomAgent(
                name: "forecaster", prompt: "You forecast.",
                mcpServers: ["weather": .stdio(command: python, arguments: [serverScript], tools: ["forecast"])])]
            let session = try await client.createSession(config)
            let events = try await runToIdle(session, "Forecast Oslo", timeout: .seconds(60))
            let calls = server.modelCalls
            let main = calls.filter { !($0.json?["messages"]?.arrayValue?.first?["content"]?.stringValue ?? "").hasPrefix("You forecast.") }
            let forecaster = calls.filter { ($0.json?["messages"]?.arrayValue?.first?["content"]?.stringValue ?? "").hasPrefix("You forecast.") }
            let mainOffers = main.map(offered)
            #expect(!mainOffers.isEmpty && !mainOffers.contains { $0.contains("weather-forecast") }, "the main agent is not offered it: \(mainOffers)")
            #expect(forecaster.first.map(offered) == ["weather-forecast"])
            let done = try #require(results(events).first { $0.success })
            #expect(done.result?.content.contains("Oslo") == true, "\(done)")
            #expect(events.compactMap { SessionEventKind.subagentCompleted.data(of: $0) }.count == 1)
            #expect(try await session.mcpServers().isEmpty, "the session's own servers are unchanged")
        }
    }

    @Test("a stdio server's tool answers the model: its env and folder reach the server, never the runtime's keys; a tools filter hides a tool; the server ends with the session")
    func toolCall() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        setenv("OPENAI_API_KEY", "sk-must-not-reach-mcp", 1)
        defer { unsetenv("OPENAI_API_KEY") }
        let call = #"{"names":["MCP_TEST_VALUE","OPENAI_API_KEY"]}"#
        try await withScriptedClient(turns: [.toolCalls([(name: "test-describe_process", arguments: call)]), .text("done")]) { client, server in
            var asked: [PermissionRequest] = []
            let requests = Mutex<[PermissionRequest]>([])
            var sessionConfig = config(server, directory: directory, tools: ["describe_process", "nap"])
            sessionConfig.onPermissionRequest = PermissionHandler { request, _ in
                requests.withLock { $0.append(request) }
                return .approveOnce
            }
            let session = try await client.createSession(sessionConfig)
            let events = try await runToIdle(session, "Describe the MCP server's process", timeout: .seconds(60))
            #expect(offered(server.modelCalls[0]) == ["test-describe_process", "test-nap"])
            let done = try #require(results(events).first)
            #expect(done.success, "\(done)")
            let text = done.result?.content ?? ""
            #expect(text.contains("cwd=\(URL(fileURLWithPath: directory).resolvingSymlinksInPath().path)") || text.contains("cwd=\(directory)"))
            #expect(text.contains("MCP_TEST_VALUE=hello-env") && text.contains("OPENAI_API_KEY=<unset>"), "\(text)")
            let toolMessage = server.modelCalls[1].json?["messages"]?.arrayValue?.last
            #expect(toolMessage?["role"] == "tool" && toolMessage?["content"]?.stringValue == text)
            asked = requests.withLock { $0 }
            #expect(asked.map(\.kind) == [.mcp])
            #expect(asked.first?.serverName == "test" && asked.first?.toolName == "describe_process" && asked.first?.readOnly == false)

            let pid = try #require(text.split(separator: " ").first { $0.hasPrefix("pid=") }.flatMap { Int32($0.dropFirst(4)) })
            #expect(alive(pid))
            await session.disconnect()
            #expect(!alive(pid), "the MCP server outlived its session")
        }
    }

    @Test("a server that exits mid-call gives a tool error and a warning, and the next call starts it again; a hanging call is cancelled at its timeout; a changed tool list shows in the next request")
    func failuresAndChanges() async throws {
        let directory = FileManager.default.temporaryDirectory.path
        let turns: [ScriptedTurn] = [
            .toolCalls([(name: "test-crash", arguments: "{}")]), .text("it crashed"),
            .toolCalls([(name: "test-describe_process", arguments: #"{"names":[]}"#)]), .text("it works again"),
            .toolCalls([(name: "test-nap", arguments: #"{"seconds":60}"#)]), .text("it hung"),
            .toolCalls([(name: "test-grow", arguments: "{}")]), .text("it grew"),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            let session = try await client.createSession(config(server, directory: directory, timeout: .seconds(20)))
            let crashed = try await runToIdle(session, "crash", timeout: .seconds(60))
            let crash = try #require(results(crashed).first)
            #expect(!crash.success && crash.toolCallId.hasSuffix("test-crash"))
            let warnings = crashed.compactMap { event -> String? in
                if case .sessionWarning(let warning) = event.payload { warning.message } else { nil }
            }
            #expect(warnings.contains { $0.contains("`test`") && $0.contains("exited with status 3") && $0.contains("crashing on purpose") }, "\(warnings)")

            let again = try await runToIdle(session, "again", timeout: .seconds(60))
            #expect(results(again).first?.success == true, "the server is started again on next use")

            let started = ContinuousClock.now
            let hung = try await runToIdle(session, "nap", timeout: .seconds(60))
            #expect(results(hung).first?.success == false)
            #expect(started.duration(to: .now) < .seconds(50), "the call was given up at its 20 s timeout")

            let grew = try await runToIdle(session, "grow", timeout: .seconds(60))
            #expect(results(grew).first?.success == true)
            #expect(!offered(server.modelCalls[6]).contains("test-grown"))
            #expect(offered(server.modelCalls[7]).contains("test-grown"), "the list changed before the next request")
            await session.disconnect()
        }
    }

    @Test("the app stops, starts, restarts, disables, enables and reloads a session's server; its tools come and go with it", arguments: [false, true])
    func serverControl(remote: Bool) async throws {
        let options = remote
            ? CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary())) : CopilotClientOptions(retryPolicy: .none)
        try await withScriptedClient(turns: [], options: options) { client, server in
            let session = try await client.createSession(config(server, directory: FileManager.default.temporaryDirectory.path))
            /// Waits until the server's status is `expected`; returns whether the session offers its tools.
            func settle(_ expected: String) async throws -> Bool {
                let deadline = ContinuousClock.now + .seconds(30)
                while try await session.mcpServers().first?.status != expected, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(try await session.mcpServers().first?.status == expected)
                return try await session.tools().contains { $0.name.hasPrefix("test-") }
            }
            try await session.startMCPServer("test")
            #expect(try await settle("connected"), "a connected server's tools are offered")
            try await session.stopMCPServer("test")
            #expect(try await !settle("stopped"))
            try await session.startMCPServer("test")
            #expect(try await settle("connected"))
            try await session.startMCPServer("test", restart: true)
            #expect(try await settle("connected"))
            try await session.setMCPServer("test", enabled: false)
            #expect(try await !settle("disabled"))
            try await session.setMCPServer("test", enabled: true)
            #expect(try await settle("connected"))
            try await session.reloadMCPServers()
            #expect(try await settle("connected"))
            await #expect(throws: CopilotError.self) { try await session.startMCPServer("no-such-server") }
            await #expect(throws: CopilotError.self) { try await session.setMCPServer("no-such-server", enabled: true) }
            await session.disconnect()
        }
    }

    @Test("a server's form reaches onElicitationRequest and its answer reaches the server; the app asks its own with elicit; in process and through the Swift remote client", arguments: [false, true])
    func elicitation(remote: Bool) async throws {
        let options = remote
            ? CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary())) : CopilotClientOptions(retryPolicy: .none)
        let turns: [ScriptedTurn] = [.toolCalls([(name: "test-pick_color", arguments: "{}")]), .text("blue it is")]
        try await withScriptedClient(turns: turns, options: options) { client, server in
            let asked = Mutex<[ElicitationRequest]>([])
            var sessionConfig = config(server, directory: FileManager.default.temporaryDirectory.path, tools: ["pick_color"])
            sessionConfig.onPermissionRequest = PermissionHandler { _, _ in .approveOnce }
            sessionConfig.onElicitationRequest = ElicitationHandler { request in
                asked.withLock { $0.append(request) }
                return request.source == nil ? .decline : ElicitationResult(action: .accept, content: ["color": "blue"])
            }
            let session = try await client.createSession(sessionConfig)
            let events = try await runToIdle(session, "Ask me for a color", timeout: .seconds(60))
            let done = try #require(results(events).first)
            #expect(done.success && done.result?.content == "action=accept color=blue", "\(done)")
            let form = try #require(asked.withLock { $0.first })
            #expect(form.message == "Pick a color." && form.source == "test" && form.mode == "form")
            #expect(form.requestedSchema?["properties"]?["color"] != nil, "\(String(describing: form.requestedSchema))")
            let completed = events.compactMap { event -> SessionEvent.ElicitationCompleted? in
                if case .elicitationCompleted(let completed) = event.payload { completed } else { nil }
            }
            #expect(completed.map(\.action) == ["accept"])

            let own = try await session.elicit(
                message: "Deploy now?", requestedSchema: ["type": "object", "properties": ["confirmed": ["type": "boolean"]]])
            #expect(own.action == .decline)
            #expect(asked.withLock { $0.last?.message } == "Deploy now?")
            await session.disconnect()
        }
    }
}
