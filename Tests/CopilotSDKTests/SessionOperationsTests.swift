import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization
import Testing

/// Every session operation beyond sending: the same Swift call in process (the session's host)
/// and through the remote client (the runtime's `session.*` methods), with the same answers.
@Suite("Session operations in Swift, in process and remote")
struct SessionOperationsTests {
    static func options(remote: Bool) throws -> CopilotClientOptions {
        remote ? CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary())) : CopilotClientOptions(retryPolicy: .none)
    }

    static func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ops-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.resolvingSymlinksInPath().path
    }

    static func invalidInput(_ body: () async throws -> Void) async -> Bool {
        do {
            try await body()
            return false
        } catch let error as CopilotError {
            return error.code == .invalidInput
        } catch {
            return false
        }
    }

    @Test("model, usage, context, snapshot, tools, queue, handoff summary and working directory report what the session did", arguments: [false, true])
    func reports(remote: Bool) async throws {
        let lookup = Tool(name: "lookup", description: "Looks a word up") { _ in .success("found") }
        try await withScriptedClient(turns: [.text("The answer is 42.")], options: try Self.options(remote: remote)) { client, server in
            let session = try await client.createSession(scriptedConfig(server, tools: [lookup]))
            #expect(try await session.summarizeForHandoff() == "", "nothing answered yet")
            _ = try await session.sendAndWait("What is the answer?")

            let current = try await session.currentModel()
            #expect(current.model == "scripted-model" && current.reasoningEffort == nil)
            try await session.setReasoningEffort("high")
            #expect(try await session.currentModel().reasoningEffort == "high")
            #expect(await Self.invalidInput { try await session.setReasoningEffort(" ") })

            let usage = try await session.usage()
            #expect(usage.userRequests == 1 && usage.currentModel == "scripted-model")
            #expect(usage.byModel["scripted-model"]?.requests.count == 1)
            #expect(usage.byModel["scripted-model"]?.usage.inputTokens == 10 && usage.lastCallOutputTokens == 5, "the scripted usage")
            #expect(abs(usage.startedAt.timeIntervalSinceNow) < 120)

            let tokens = try await session.contextTokens()
            #expect(tokens.system > 0 && tokens.tools > 0 && tokens.conversation > 0)
            #expect(tokens.total == tokens.system + tokens.tools + tokens.conversation)

            let tools = try await session.tools()
            #expect(tools.contains { $0.name == "lookup" && $0.description == "Looks a word up" })

            let snapshot = try await session.snapshot()
            #expect(snapshot.sessionId == session.sessionId && snapshot.mode == "interactive" && snapshot.model == "scripted-model")
            #expect(snapshot.summary == "What is the answer?" && snapshot.modifiedAt >= snapshot.createdAt)
            #expect(snapshot.workspacePath.hasSuffix(session.sessionId))

            #expect(try await !session.isProcessing())
            #expect(try await session.pendingMessages() == PendingMessages(queued: [], steering: []))
            #expect(try await session.summarizeForHandoff() == "The answer is 42.")
            #expect(try await session.instructionSources().isEmpty, "no instruction files without config discovery")

            let directory = try Self.temporaryDirectory()
            try await session.setWorkingDirectory(directory)
            #expect(try await session.snapshot().workingDirectory == directory)
            #expect(await Self.invalidInput { try await session.setWorkingDirectory(directory + "/missing") })
            try await session.setName("Answers")
            #expect(try await session.snapshot().name == "Answers")
            await session.disconnect()
        }
    }

    @Test("a message sent while the session is busy waits in the queue, with the mode it will run in", arguments: [false, true])
    func queue(remote: Bool) async throws {
        let turns: [ScriptedTurn] = [.text("First.", delivery: .init(initialDelay: .seconds(6))), .text("Second.")]
        try await withScriptedClient(turns: turns, options: try Self.options(remote: remote)) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            let idle = Mutex(0)
            session.on(.sessionIdle) { _ in idle.withLock { $0 += 1 } }
            try await session.send("one")
            let deadline = ContinuousClock.now + .seconds(10)
            while try await !session.isProcessing(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let second = try await session.send("two")
            let pending = try await session.pendingMessages()
            #expect(pending.queued.map(\.id) == [second] && pending.queued.first?.agentMode == "interactive")
            #expect(pending.queued.first?.prompt.hasPrefix("two") == true && pending.steering.isEmpty)
            while idle.withLock({ $0 }) < 2, ContinuousClock.now < deadline + .seconds(10) { try await Task.sleep(for: .milliseconds(20)) }
            #expect(try await session.pendingMessages().queued.isEmpty, "answered")
            await session.disconnect()
        }
    }

    @Test("the event log: log writes an event, a forward read waits for the next one, a backward read filters by type, a made-up cursor is expired", arguments: [false, true])
    func eventLog(remote: Bool) async throws {
        try await withScriptedClient(turns: [.text("First."), .text("Second.")], options: try Self.options(remote: remote)) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            _ = try await session.sendAndWait("one")
            _ = try await session.sendAndWait("two")

            let tail = try await session.eventLogTail()
            let empty = try await session.readEventLog(after: tail)
            #expect(empty.events.isEmpty && empty.cursor == tail && !empty.hasMore)

            let started = ContinuousClock.now
            let waiting = Task { try await session.readEventLog(after: tail, types: ["session.warning"], wait: .seconds(25)) }
            try await Task.sleep(for: .milliseconds(200))
            let eventID = try await session.log("Disk nearly full", level: .warning)
            let page = try await waiting.value
            #expect(started.duration(to: .now) < .seconds(15), "the read returned when the event came, not at the end of its wait")
            let warning = try #require(page.events.first)
            #expect(warning.id.uuidString.lowercased() == eventID)
            guard case .sessionWarning(let data) = warning.payload else { Issue.record("\(warning.type)"); return }
            #expect(data.message == "Disk nearly full")

            let users = try await session.readEventLog(direction: .backward, types: ["user.message"], limit: 1)
            guard case .userMessage(let last)? = users.events.first?.payload else { Issue.record("no user message"); return }
            #expect(last.content.withoutDatetime == "two" && users.hasMore, "newest first, one at a time")
            let earlier = try await session.readEventLog(after: users.cursor, direction: .backward, types: ["user.message"], limit: 1)
            guard case .userMessage(let first)? = earlier.events.first?.payload else { Issue.record("no earlier user message"); return }
            #expect(first.content.withoutDatetime == "one" && !earlier.hasMore)

            let all = try await session.readEventLog(limit: 1000)
            #expect(all.events.map(\.id) == (try await session.messages()).map(\.id), "the log is what messages() returns")
            let expired = try await session.readEventLog(after: "not-a-cursor", limit: 1)
            #expect(expired.expired && expired.events.count == 1 && expired.hasMore, "read from the start")

            let info = try await session.log("Just so you know")
            #expect(try await session.messages().contains { $0.id.uuidString.lowercased() == info && $0.type == "session.info" })
            await session.disconnect()
        }
    }

    @Test("the plan and workspace files live in the session's folder, with their events; a path out of the folder is refused", arguments: [false, true])
    func planAndWorkspace(remote: Bool) async throws {
        try await withScriptedClient(turns: [], options: try Self.options(remote: remote)) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            let changes = Mutex<[String]>([])
            session.on { event in
                switch event.payload {
                case .sessionPlanChanged(let change): changes.withLock { $0.append("plan:\(change.operation)") }
                case .sessionWorkspaceFileChanged(let change): changes.withLock { $0.append("file:\(change.path):\(change.operation)") }
                default: break
                }
            }
            #expect(try await session.plan() == nil)
            try await session.updatePlan("1. Look\n")
            try await session.updatePlan("1. Look\n2. Leap\n")
            #expect(try await session.plan() == "1. Look\n2. Leap\n")
            let folder = try await session.snapshot().workspacePath
            #expect(try String(contentsOfFile: folder + "/plan.md", encoding: .utf8) == "1. Look\n2. Leap\n")
            try await session.deletePlan()
            try await session.deletePlan()
            #expect(try await session.plan() == nil)

            #expect(try await session.workspaceFiles().isEmpty)
            try await session.writeWorkspaceFile("notes/today.md", content: "hello")
            try await session.writeWorkspaceFile("notes/today.md", content: "hello again")
            #expect(try await session.workspaceFiles() == ["notes/today.md"])
            #expect(try await session.readWorkspaceFile("notes/today.md") == "hello again")
            #expect(await Self.invalidInput { _ = try await session.readWorkspaceFile("../plan.md") })
            #expect(await Self.invalidInput { try await session.writeWorkspaceFile("/etc/passwd", content: "x") })
            #expect(await Self.invalidInput { _ = try await session.readWorkspaceFile("notes/missing.md") })

            // Events reach the client after the calls return; wait for the last one.
            let deadline = ContinuousClock.now + .seconds(5)
            while changes.withLock({ $0.count }) < 5, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(changes.withLock { $0 } == [
                "plan:create", "plan:update", "plan:delete", "file:notes/today.md:create", "file:notes/today.md:update",
            ], "one delete event: the second delete found no plan")
            await session.disconnect()
        }
    }

    @Test("approve-all skips the handler; approvals for the session are forgotten on reset", arguments: [false, true])
    func permissions(remote: Bool) async throws {
        let directory = try Self.temporaryDirectory()
        let asked = Mutex(0)
        let handler = PermissionHandler { _, _ in
            asked.withLock { $0 += 1 }
            return .approveForSession
        }
        func create(_ name: String) -> ScriptedTurn { .toolCalls([("create", #"{"path":"\#(name)","file_text":"x"}"#)]) }
        let turns: [ScriptedTurn] = [create("d.txt"), .text("ok"), create("a.txt"), .text("ok"), create("b.txt"), .text("ok"), create("c.txt"), .text("ok")]
        try await withScriptedClient(turns: turns, options: try Self.options(remote: remote)) { client, server in
            var config = scriptedConfig(server, permission: handler)
            config.builtInTools = [.create]
            config.workingDirectory = directory
            let session = try await client.createSession(config)
            try await session.setApproveAll(true)
            _ = try await session.sendAndWait("d")
            #expect(asked.withLock { $0 } == 0 && FileManager.default.fileExists(atPath: directory + "/d.txt"), "approved without asking")
            try await session.setApproveAll(false)
            _ = try await session.sendAndWait("a")
            _ = try await session.sendAndWait("b")
            #expect(asked.withLock { $0 } == 1, "asked once, then approved for the session")
            try await session.resetSessionApprovals()
            _ = try await session.sendAndWait("c")
            #expect(asked.withLock { $0 } == 2, "asked again after the reset")
            #expect(["a", "b", "c"].allSatisfy { FileManager.default.fileExists(atPath: directory + "/\($0).txt") })
            await session.disconnect()
        }
    }

    @Test("an app's shell command runs in the session and can be killed once", arguments: [false, true])
    func shellCommands(remote: Bool) async throws {
        let directory = try Self.temporaryDirectory()
        try await withScriptedClient(turns: [], options: try Self.options(remote: remote)) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            let id = try await session.runShellCommand("touch started; sleep 30", in: directory)
            let deadline = ContinuousClock.now + .seconds(10)
            while !FileManager.default.fileExists(atPath: directory + "/started"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(FileManager.default.fileExists(atPath: directory + "/started"), "it ran in the directory given")
            #expect(try await session.killShellCommand(id))
            #expect(try await !session.killShellCommand(id), "not running any more")
            #expect(try await !session.killShellCommand("no-such-command"))
            await session.disconnect()
        }
    }
}

/// Forking needs a store: in process the client's, remote the runtime's (`--state-dir`).
@Suite("Forking a session, in process and remote")
struct ForkTests {
    @Test("a fork keeps the conversation before the chosen event, resumes as its own session, and leaves the source as it was", arguments: [false, true])
    func fork(remote: Bool) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fork-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let options = remote
            ? CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary(), arguments: ["--state-dir", folder.path]))
            : CopilotClientOptions(retryPolicy: .none, sessionStore: FileSessionStore(directory: folder.appendingPathComponent("sessions")))
        let turns: [ScriptedTurn] = [.text("Paris."), .text("Rome."), .text("Berlin.")]
        try await withScriptedClient(turns: turns, options: options) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            _ = try await session.sendAndWait("Capital of France?")
            _ = try await session.sendAndWait("Capital of Italy?")
            let second = try #require(try await session.messages().last { $0.type == "user.message" })

            let forked = try await client.forkSession(session.sessionId, before: second.id.uuidString, name: "France only")
            #expect(forked != session.sessionId)
            #expect(try await client.sessionMetadata(forked)?.summary == "France only")
            let whole = try await client.forkSession(session.sessionId)
            await #expect(throws: CopilotError.self) { try await client.forkSession(session.sessionId, before: UUID().uuidString) }
            await #expect(throws: CopilotError.self) { try await client.forkSession("no-such-session") }

            let resumed = try await client.resumeSession(forked, scriptedConfig(server))
            _ = try await resumed.sendAndWait("Capital of Germany?")
            let sent = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue)
            let texts = sent.compactMap { $0["content"]?.stringValue?.withoutDatetime }
            #expect(texts.contains("Capital of France?") && texts.contains("Paris.") && !texts.contains("Capital of Italy?"), "\(texts)")
            #expect(texts.last == "Capital of Germany?")
            let users = try await session.messages().filter { $0.type == "user.message" }
            #expect(users.count == 2, "the source is untouched")
            #expect(try await client.listSessions().map(\.sessionId).contains(whole))
            await resumed.disconnect()
            await session.disconnect()
        }
    }
}
