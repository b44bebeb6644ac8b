import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization
import Testing

/// Custom agents and sub-agents against the scripted provider, which answers by who asks: a
/// sub-agent's request starts with its own system prompt.
@Suite("Custom agents and sub-agents")
struct SubAgentTests {
    static let vaultPrompt = "You are the vault keeper."

    /// A custom agent that alone may open the vault.
    static let vault = CustomAgent(
        name: "vault", displayName: "Vault keeper", description: "Opens the vault", prompt: vaultPrompt, tools: ["open_vault"])

    static func options(remote: Bool) throws -> CopilotClientOptions {
        remote ? CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary())) : CopilotClientOptions(retryPolicy: .none)
    }

    static func system(_ request: RecordedRequest) -> String { request.json?["messages"]?.arrayValue?.first?["content"]?.stringValue ?? "" }
    static func last(_ request: RecordedRequest) -> JSONValue? { request.json?["messages"]?.arrayValue?.last }
    static func toolNames(_ request: RecordedRequest) -> [String] {
        (request.json?["tools"]?.arrayValue ?? []).compactMap { $0["function"]?["name"]?.stringValue }
    }

    /// The main agent delegates to `vault` and answers with what it said; the vault keeper opens the vault.
    static func delegating(_ request: RecordedRequest) -> ScriptedTurn {
        let last = Self.last(request)
        if system(request).hasPrefix(vaultPrompt) {
            return last?["role"] == "tool" ? .text("The vault holds \(last?["content"]?.stringValue ?? "nothing").") : .toolCalls([("open_vault", "{}")])
        }
        if last?["role"] == "tool" { return .text("The vault keeper says: \(last?["content"]?.stringValue ?? "")") }
        return .toolCalls([("task", #"{"agent_type":"vault","prompt":"Open the vault and say what is in it.","description":"Opening the vault"}"#)])
    }

    static func config(_ server: ScriptedProviderServer, permission: PermissionHandler = .approveAll) -> SessionConfig {
        let openVault = Tool(name: "open_vault", description: "Opens the vault") { _ in .success("gold") }
        var config = scriptedConfig(server, tools: [openVault], permission: permission)
        config.builtInTools = [.task]
        config.customAgents = [vault]
        config.defaultAgentExcludedTools = ["open_vault"]
        return config
    }

    @Test("the main agent delegates through task to a sub-agent that alone may call a tool, and answers with its result; its events carry its agent id", arguments: [false, true])
    func delegation(remote: Bool) async throws {
        try await withScriptedClient(turns: [], options: try Self.options(remote: remote), responder: Self.delegating) { client, server in
            let session = try await client.createSession(Self.config(server))
            let events = try await runToIdle(session, "What is in the vault?")
            let calls = server.modelCalls
            #expect(calls.count == 4, "main, vault keeper twice, main")
            let main = calls.filter { !Self.system($0).hasPrefix(Self.vaultPrompt) }
            let keeper = calls.filter { Self.system($0).hasPrefix(Self.vaultPrompt) }
            #expect(main.allSatisfy { Self.toolNames($0).contains("task") && !Self.toolNames($0).contains("open_vault") })
            #expect(keeper.allSatisfy { Self.toolNames($0) == ["open_vault"] }, "only its own tool, and no task")
            #expect(Self.last(keeper[0])?["content"]?.stringValue?.hasPrefix("Open the vault and say what is in it.") == true)
            #expect(Self.last(main[1])?["content"] == "The vault holds gold.")

            let started = try #require(events.compactMap { SessionEventKind.subagentStarted.data(of: $0) }.first)
            #expect(started.agentName == "vault" && started.agentDisplayName == "Vault keeper" && started.executionMode == "sync")
            let agentID = try #require(started.agentId)
            let vaultCall = try #require(events.first { event in
                if case .toolExecutionStart(let start) = event.payload { start.toolName == "open_vault" } else { false }
            })
            #expect(vaultCall.agentId == agentID)
            #expect(events.filter { $0.type == "assistant.message" }.map(\.agentId) == [nil, agentID, agentID, nil])
            let completed = try #require(events.compactMap { SessionEventKind.subagentCompleted.data(of: $0) }.first)
            #expect(completed.toolCallId == started.toolCallId && completed.totalToolCalls == 1)
            let answer = events.compactMap { SessionEventKind.assistantMessage.data(of: $0) }.last
            #expect(answer?.content == "The vault keeper says: The vault holds gold.")
            #expect(events.types.last == "session.idle")
            let tasks = try await session.agentTasks()
            #expect(tasks.map(\.status) == ["completed"] && tasks.first?.result == "The vault holds gold.")
        }
    }

    @Test("a model named in a task call that the provider does not list: the agent runs on its own, and the result says so")
    func madeUpModel() async throws {
        let responder: @Sendable (RecordedRequest) -> ScriptedTurn = { request in
            if Self.system(request).hasPrefix(Self.vaultPrompt) { return .text("Gold.") }
            if Self.last(request)?["role"] == "tool" { return .text("Done.") }
            return .toolCalls([("task", #"{"agent_type":"vault","prompt":"Open it","description":"Open","model":"gpt-imaginary"}"#)])
        }
        try await withScriptedClient(turns: [], responder: responder) { client, server in
            _ = try await client.createSession(Self.config(server)).sendAndWait("Open the vault")
            let keeper = try #require(server.modelCalls.first { Self.system($0).hasPrefix(Self.vaultPrompt) })
            #expect(keeper.json?["model"] == "scripted-model")
            let result = Self.last(server.modelCalls.last!)?["content"]?.stringValue ?? ""
            #expect(result.hasPrefix("Model gpt-imaginary is not one the provider serves") && result.hasSuffix("Gold."), "\(result)")
        }
    }

    @Test("a denial inside a sub-agent is its tool call's failure, with the permission events; the sub-agent goes on", arguments: [false, true])
    func denialInsideSubAgent(remote: Bool) async throws {
        try await withScriptedClient(turns: [], options: try Self.options(remote: remote), responder: Self.delegating) { client, server in
            let session = try await client.createSession(Self.config(server, permission: PermissionHandler { _, _ in .userNotAvailable }))
            let events = try await runToIdle(session, "What is in the vault?")
            let agentID = try #require(events.compactMap { SessionEventKind.subagentStarted.data(of: $0) }.first?.agentId)
            #expect(events.contains { $0.type == "permission.requested" })
            let done = try #require(events.first { event in
                if case .toolExecutionComplete(let complete) = event.payload { complete.success == false } else { false }
            })
            #expect(done.agentId == agentID)
            if case .toolExecutionComplete(let complete) = done.payload { #expect(complete.error?.code == "denied") }
            let keeper = server.modelCalls.filter { Self.system($0).hasPrefix(Self.vaultPrompt) }
            #expect(Self.last(keeper.last!)?["content"]?.stringValue?.hasPrefix("Permission denied") == true)
            #expect(events.types.last == "session.idle")
        }
    }

    @Test("a rejection inside a sub-agent ends the parent's interaction too, as a rejection of the main agent's own call does")
    func rejectionInsideSubAgent() async throws {
        try await withScriptedClient(turns: [], responder: Self.delegating) { client, server in
            let session = try await client.createSession(Self.config(server, permission: .rejectAll))
            let events = try await runToIdle(session, "What is in the vault?")
            #expect(server.modelCalls.count == 2, "the main agent's task call and the vault keeper's, nothing after the rejection")
            let failed = try #require(events.compactMap { SessionEventKind.subagentFailed.data(of: $0) }.first)
            #expect(failed.error.contains("rejected"))
            let task = try #require(events.compactMap { SessionEventKind.toolExecutionComplete.data(of: $0) }.last)
            #expect(task.success == false && task.error?.code == "rejected")
            #expect(events.types.last == "session.idle")
        }
    }

    @Test("abort while a sub-agent works ends both: subagent.failed, abort, session.idle", arguments: [false, true])
    func abortDuringSubAgent(remote: Bool) async throws {
        let responder: @Sendable (RecordedRequest) -> ScriptedTurn = { request in
            Self.system(request).hasPrefix(Self.vaultPrompt)
                ? .text("too late", delivery: .init(initialDelay: .seconds(30))) : Self.delegating(request)
        }
        try await withScriptedClient(turns: [], options: try Self.options(remote: remote), responder: responder) { client, server in
            let session = try await client.createSession(Self.config(server))
            let started = Mutex(false)
            _ = session.on(.subagentStarted) { _ in started.withLock { $0 = true } }
            let collecting = Task { try await runToIdle(session, "What is in the vault?", timeout: .seconds(20)) }
            let deadline = ContinuousClock.now + .seconds(10)
            while !started.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(200))
            await session.abort()
            let events = try await collecting.value
            let failed = try #require(events.compactMap { SessionEventKind.subagentFailed.data(of: $0) }.first)
            #expect(failed.agentName == "vault")
            #expect(Array(events.types.suffix(2)) == ["abort", "session.idle"])
            #expect(try await session.agentTasks().map(\.status) == ["cancelled"])
        }
    }

    @Test("fleet mode: two background sub-agents run at the same time; the main agent answers each one's notification before the session goes idle", arguments: [false, true])
    func fleetRunsInParallel(remote: Bool) async throws {
        let arrivals = Mutex<[String: ContinuousClock.Instant]>([:])
        let responder: @Sendable (RecordedRequest) -> ScriptedTurn = { request in
            let system = Self.system(request)
            if system.hasPrefix("Worker ") {
                arrivals.withLock { $0[system] = $0[system] ?? .now }
                return .text("\(system.prefix(8)) done.", delivery: .init(initialDelay: .seconds(2)))
            }
            let last = Self.last(request)?["content"]?.stringValue ?? ""
            if last.contains("<system_notification>") { return .text("Noted.") }
            if Self.last(request)?["role"] == "tool" { return .text("Both workers started.") }
            return .toolCalls([
                ("task", #"{"agent_type":"worker-a","prompt":"Part A","description":"A","mode":"background"}"#),
                ("task", #"{"agent_type":"worker-b","prompt":"Part B","description":"B","mode":"background"}"#),
            ])
        }
        try await withScriptedClient(turns: [], options: try Self.options(remote: remote), responder: responder) { client, server in
            var config = scriptedConfig(server)
            config.builtInTools = [.task]
            config.customAgents = [
                CustomAgent(name: "worker-a", prompt: "Worker A: do part A."), CustomAgent(name: "worker-b", prompt: "Worker B: do part B."),
            ]
            let session = try await client.createSession(config)
            let stream = session.events
            try await session.startFleet(prompt: "Do parts A and B.")
            let events = try await withThrowingTaskGroup(of: [SessionEvent].self) { group in
                group.addTask {
                    var events: [SessionEvent] = []
                    for await event in stream {
                        events.append(event)
                        if event.type == "session.idle" { break }
                    }
                    return events
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(30))
                    throw TestTimeout()
                }
                defer { group.cancelAll() }
                return try await group.next() ?? []
            }
            let times = arrivals.withLock { $0 }
            #expect(times.count == 2)
            if let first = times.values.min(), let second = times.values.max() {
                #expect(first.duration(to: second) < .seconds(2), "the second started before the first could answer")
            }
            let user = try #require(events.compactMap { SessionEventKind.userMessage.data(of: $0) }.first)
            #expect(user.content.hasSuffix("Do parts A and B.") && user.content.contains("fleet mode"))
            let notifications = events.compactMap { SessionEventKind.userMessage.data(of: $0) }.filter { $0.source == "system" }
            #expect(notifications.count == 2)
            #expect(events.compactMap { SessionEventKind.subagentCompleted.data(of: $0) }.count == 2)
            #expect(try await session.agentTasks().map(\.status) == ["completed", "completed"])
        }
    }

    @Test("the selected agent is stored with the session and selected again on resume")
    func selectionSurvivesResume() async throws {
        let store = FileSessionStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("copilot-agents-\(UUID().uuidString)"))
        try await withScriptedClient(turns: [.text("one"), .text("two")], options: CopilotClientOptions(retryPolicy: .none, sessionStore: store)) { client, server in
            let session = try await client.createSession(Self.config(server))
            try await session.selectAgent("vault")
            _ = try await session.sendAndWait("First")
            await session.disconnect()
            let resumed = try await client.resumeSession(session.sessionId, Self.config(server))
            #expect(try await resumed.currentAgent()?.name == "vault")
            _ = try await resumed.sendAndWait("Second")
            #expect(Self.system(server.modelCalls[1]).contains(Self.vaultPrompt))
        }
    }

    @Test("a sub-agent whose model names another provider (provider/model) calls that provider", arguments: [false, true])
    func subAgentOwnProvider(remote: Bool) async throws {
        let other = try await ScriptedProviderServer.start(turns: [.text("Answer from the other provider.")])
        defer { Task { try? await other.shutdown() } }
        let responder: @Sendable (RecordedRequest) -> ScriptedTurn = { request in
            if Self.last(request)?["role"] == "tool" { return .text("Relayed.") }
            return .toolCalls([("task", #"{"agent_type":"elsewhere","prompt":"Answer elsewhere.","description":"Elsewhere"}"#)])
        }
        try await withScriptedClient(turns: [], options: try Self.options(remote: remote), responder: responder) { client, server in
            var config = scriptedConfig(server)
            config.builtInTools = [.task]
            config.providers = ["other": ProviderConfig(type: .openai, baseURL: other.baseURL, apiKey: "sk-other")]
            config.customAgents = [CustomAgent(name: "elsewhere", prompt: "You answer elsewhere.", model: "other/other-model")]
            let session = try await client.createSession(config)
            let events = try await runToIdle(session, "Ask elsewhere")
            let request = try #require(other.modelCalls.first)
            #expect(request.json?["model"] == "other-model")
            #expect(request.headers["authorization"] == "Bearer sk-other")
            #expect(Self.system(request).hasPrefix("You answer elsewhere."))
            #expect(server.modelCalls.count == 2, "the session's provider got only the main agent's calls")
            #expect(Self.last(server.modelCalls[1])?["content"] == "Answer from the other provider.")
            #expect(events.compactMap { SessionEventKind.subagentStarted.data(of: $0) }.first?.model == "other-model")
        }
    }

    @Test("custom agents are listed, selected (their prompt and tools are the main agent's) and deselected; a background task can be started, cancelled, waited for and removed", arguments: [false, true])
    func selectionAndTasks(remote: Bool) async throws {
        let responder: @Sendable (RecordedRequest) -> ScriptedTurn = { request in
            Self.system(request).contains(Self.vaultPrompt) && Self.last(request)?["content"]?.stringValue?.hasPrefix("Wait") == true
                ? .text("slow", delivery: .init(initialDelay: .seconds(30))) : .text("ok")
        }
        try await withScriptedClient(turns: [], options: try Self.options(remote: remote), responder: responder) { client, server in
            let session = try await client.createSession(Self.config(server))
            #expect(try await session.agents().map(\.name) == ["vault"])
            #expect(try await session.currentAgent() == nil)
            let selected = try await session.selectAgent("vault")
            #expect(selected.displayName == "Vault keeper" && selected.tools == ["open_vault"])
            #expect(try await session.currentAgent()?.name == "vault")
            _ = try await session.sendAndWait("Hello")
            let request = try #require(server.modelCalls.last)
            #expect(Self.system(request).contains(Self.vaultPrompt), "the agent's prompt joins the system prompt")
            #expect(Self.toolNames(request) == ["open_vault"], "only its tools")
            try await session.deselectAgent()
            #expect(try await session.currentAgent() == nil)
            await #expect(throws: (any Error).self) { try await session.selectAgent("explore") }

            let id = try await session.startAgentTask(type: "vault", prompt: "Wait for me", description: "A slow one", name: "slow")
            #expect(id == "slow")
            let deadline = ContinuousClock.now + .seconds(10)
            while server.modelCalls.count < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let task = try #require(try await session.agentTasks().first)
            #expect(task.status == "running" && task.executionMode == "background" && task.prompt == "Wait for me" && task.agentType == "vault")
            #expect(try await session.cancelAgentTask("slow"))
            #expect(try await !session.cancelAgentTask("no-such-task"))
            while try await session.agentTasks().first?.status == "running", ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await session.agentTasks().first?.status == "cancelled")
            await #expect(throws: (any Error).self) { try await session.startAgentTask(type: "no-such-agent", prompt: "x") }
            // A model the provider does not list is refused before anything starts.
            await #expect(throws: (any Error).self) { try await session.startAgentTask(type: "vault", prompt: "x", model: "not-a-real-model") }
            #expect(try await session.agentTasks().count == 1)
            let listed = try await session.startAgentTask(type: "vault", prompt: "Hello", model: "scripted-model")
            #expect(try await session.agentTasks().map(\.id) == ["slow", listed])
            try await session.waitForAgentTasks()
            #expect(try await session.agentTasks().first { $0.id == listed }?.status == "completed", "waited until it finished")
            #expect(try await session.removeAgentTask("slow"))
            #expect(try await !session.removeAgentTask("slow"), "removed already")
            #expect(try await session.agentTasks().map(\.id) == [listed])
        }
    }
}
