import CopilotRuntime
import CopilotProviders
import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Sessions that last: the file store")
struct SessionStoreTests {
    func temporaryStore() -> FileSessionStore {
        FileSessionStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("copilot-store-\(UUID().uuidString)"))
    }

    func client(_ store: FileSessionStore) -> CopilotClient {
        CopilotClient(options: CopilotClientOptions(retryPolicy: .none, sessionStore: store))
    }

    @Test("a store folder that is a file is one readable error, not a Cocoa error dump")
    func folderIsAFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("store-file-\(UUID())").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        let store = FileSessionStore(directory: URL(fileURLWithPath: path))
        await #expect {
            _ = try await store.create(SessionMetadata(sessionId: "s1"))
        } throws: { error in
            let text = String(describing: error)
            return text.contains("Cannot keep sessions in \(path): a file of that name is in the way") && !text.contains("NSCocoaErrorDomain")
        }
    }

    @Test("resume after a clean stop continues the conversation: the provider receives the earlier turns")
    func resumeAfterStop() async throws {
        let store = temporaryStore()
        let (id, key) = try await checkResumeContinuesConversation(store)
        // Nothing secret was written.
        let folder = store.directory.appendingPathComponent(id)
        for file in ["events.jsonl", "metadata.json"] {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains(key))
        }
    }

    @Test("a resume takes the session over from the client holding it; that one is fenced at its next write and told; the log never has two writers")
    func takeover() async throws {
        let store = temporaryStore()
        // Answers by prompt, since the fenced session's model call may or may not still happen.
        let server = try await ScriptedProviderServer.start(responder: { request in
            let last = request.json?["messages"]?.arrayValue?.last?["content"]?.stringValue?.withoutDatetime ?? ""
            return .text(last == "one" ? "first" : last == "two" ? "second" : "stale")
        })
        let first = client(store)
        let session = try await first.createSession(scriptedConfig(server))
        #expect(try await session.sendAndWait("one").content == "first")
        let second = client(store)
        // Deleting is refused while a writer holds the session.
        await #expect(throws: CopilotError.self) { try await second.deleteSession(session.sessionId) }
        let taken = try await second.resumeSession(session.sessionId, scriptedConfig(server))

        _ = try? await session.send("late")
        var told = false
        for _ in 0..<100 where !told {
            told = try await session.messages().contains { event in
                if case .sessionWarning(let warning) = event.payload { warning.warningType == "session_taken_over" } else { false }
            }
            if !told { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(told, "the old holder is told that another client took the session")
        #expect(try await taken.sendAndWait("two").content == "second")
        let log = try String(contentsOf: store.directory.appendingPathComponent(session.sessionId).appendingPathComponent("events.jsonl"), encoding: .utf8)
        #expect(log.contains("\"one\"") && log.contains("\"two\""))
        #expect(!log.contains("\"late\"") && !log.contains("session_taken_over"), "nothing of the fenced writer's reached the log")
        await taken.disconnect()
        try await second.deleteSession(session.sessionId)
        #expect(try await second.listSessions().isEmpty)
        try await first.stop()
        try await second.stop()
        try await server.shutdown()
    }

    @Test("only the owner can read a stored session: folders 0700, files 0600")
    func ownerOnlyPermissions() async throws {
        let store = temporaryStore()
        let server = try await ScriptedProviderServer.start(turns: [.text("Kept.")])
        let client = client(store)
        let session = try await client.createSession(scriptedConfig(server))
        _ = try await session.sendAndWait("Keep this private")
        try await client.stop()
        func mode(_ url: URL) throws -> Int {
            try #require(FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) & 0o777
        }
        let folder = store.directory.appendingPathComponent(session.sessionId)
        #expect(try mode(store.directory) == 0o700)
        #expect(try mode(folder) == 0o700)
        for file in ["events.jsonl", "metadata.json", "lock"] {
            #expect(try mode(folder.appendingPathComponent(file)) == 0o600, "\(file)")
        }
        try await server.shutdown()
    }

    @Test("a torn last line is dropped and reported; the session resumes and the log is clean again")
    func tornLine() async throws {
        let store = temporaryStore()
        let server = try await ScriptedProviderServer.start(turns: [.text("First."), .text("Second.")])
        let first = client(store)
        let session = try await first.createSession(scriptedConfig(server))
        _ = try await session.sendAndWait("One")
        let id = session.sessionId
        try await first.stop()
        let log = store.directory.appendingPathComponent(id).appendingPathComponent("events.jsonl")
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"id":"0b0b0b0b-0000-4000-8000-000000000000","type":"assistant.mess"#.utf8))
        try handle.close()

        let second = client(store)
        // No config: the stored model and provider (type and base URL; never a key) are used again,
        // as a server resuming a stored session does.
        let resumed = try await second.resumeSession(id)
        #expect(try await resumed.sendAndWait("Two").content == "Second.")
        try await second.stop()
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(!text.contains("assistant.mess\""))
        #expect(text.split(separator: "\n").allSatisfy { $0.hasSuffix("}") })
        let types = text.split(separator: "\n").compactMap { try? JSONValue(parsing: String($0))["type"]?.stringValue }
        #expect(types.contains("session.warning"), "the repair is reported in the log")
        #expect(types.contains("session.resume"))
        try await server.shutdown()
    }

    @Test("a damaged line in the middle of the log is moved aside once, into events.corrupt, and the warning says so")
    func corruptMiddleLine() async throws {
        let store = temporaryStore()
        let server = try await ScriptedProviderServer.start(turns: [.text("First."), .text("Second."), .text("Third.")])
        let first = client(store)
        let session = try await first.createSession(scriptedConfig(server))
        _ = try await session.sendAndWait("One")
        let id = session.sessionId
        try await first.stop()
        let log = store.directory.appendingPathComponent(id).appendingPathComponent("events.jsonl")
        var lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
        let damaged = "{\"id\": this line was damaged on disk"
        lines[1] = damaged
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: log)

        func warnings(_ session: CopilotSession) async throws -> [String] {
            try await session.messages().compactMap { event in
                if case .sessionWarning(let warning) = event.payload, warning.warningType == "transcript_recovery" { warning.message } else { nil }
            }
        }
        let second = client(store)
        let resumed = try await second.resumeSession(id, scriptedConfig(server))
        let reported = try await warnings(resumed)
        #expect(reported.count == 1)
        #expect(reported.first?.contains("Left out 1 unreadable line(s)") == true && reported.first?.contains("events.corrupt") == true)
        #expect(try await resumed.sendAndWait("Two").content == "Second.")
        try await second.stop()
        let corrupt = try String(contentsOf: log.deletingLastPathComponent().appendingPathComponent("events.corrupt"), encoding: .utf8)
        #expect(corrupt == damaged + "\n")
        #expect(!(try String(contentsOf: log, encoding: .utf8)).contains(damaged))

        // The next resume finds a clean log: no new warning.
        let third = client(store)
        let again = try await third.resumeSession(id, scriptedConfig(server))
        #expect(try await warnings(again).count == 1, "only the first resume's warning, kept in the log")
        #expect(try await again.sendAndWait("Three").content == "Third.")
        try await third.stop()
        try await server.shutdown()
    }

    @Test("a process killed with SIGKILL mid-stream leaves a log that resumes with every event it had written; the killed turn is marked once")
    func killedMidStream() async throws {
        let store = temporaryStore()
        let slow = ScriptedTurn.text(String(repeating: "word ", count: 400), delivery: .init(delay: .milliseconds(50)))
        let server = try await ScriptedProviderServer.start(turns: [slow, .text("Resumed fine.")])
        let id = "killed-\(UUID().uuidString.prefix(8))"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try copilotSwiftBinary())
        process.arguments = ["run", "--base-url", server.baseURL, "--model", "scripted-model", "--state-dir", store.directory.path,
                             "--session-id", id, "Talk for a long time"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let log = store.directory.appendingPathComponent(id).appendingPathComponent("events.jsonl")
        let deadline = ContinuousClock.now + .seconds(15)
        // Killed mid-stream: once its turn started in the log and the model call reached the server
        // (waiting on the clock alone is a race on a loaded machine).
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: log, encoding: .utf8), text.contains("assistant.turn_start"), !server.modelCalls.isEmpty { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(200))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let written = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count
        #expect(written >= 3, "session.start, user.message and assistant.turn_start were written before the kill")

        func interruptionWarnings(_ session: CopilotSession) async throws -> Int {
            try await session.messages().count(where: { event in
                if case .sessionWarning(let warning) = event.payload { warning.warningType == "interrupted_turn" } else { false }
            })
        }
        let resumer = client(store)
        let resumed = try await resumer.resumeSession(id, scriptedConfig(server))
        #expect(try await interruptionWarnings(resumed) == 1)
        #expect(try await resumed.sendAndWait("Are you back?").content == "Resumed fine.")
        // The killed turn's place holds the marker: never two user messages in a row.
        let messages = server.modelCalls.last?.json?["messages"]?.arrayValue?.filter { $0["role"] != "system" } ?? []
        #expect(messages.map { $0["role"]?.stringValue } == ["user", "assistant", "user"])
        #expect(messages.first?["content"]?.withoutDatetime == "Talk for a long time" && messages.last?["content"]?.withoutDatetime == "Are you back?")
        #expect(messages.dropFirst().first?["content"]?.stringValue?.contains("interrupted") == true)
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count > written, "the resumed session appended to the same log")
        try await resumer.stop()

        // Resumed again, the turn is not marked a second time, and not warned about again.
        let later = client(store)
        let again = try await later.resumeSession(id, scriptedConfig(server))
        #expect(try await interruptionWarnings(again) == 1, "only the first resume's warning, kept in the log")
        try await later.stop()
        try await server.shutdown()
    }
}

@Suite("sessionEnd hook")
struct SessionEndHookTests {
    @Test("sessionEnd can give the summary the session is stored and listed under")
    func sessionSummary() async throws {
        let store = FileSessionStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("copilot-end-\(UUID().uuidString)"))
        try await withScriptedClient(turns: [.text("Done.")], options: CopilotClientOptions(retryPolicy: .none, sessionStore: store)) { client, server in
            var config = scriptedConfig(server)
            config.hooks = SessionHooks(onSessionEnd: { input in
                #expect(input.reason == "user_exit")
                return SessionEndOutput(sessionSummary: "Planned the garden")
            })
            let session = try await client.createSession(config)
            _ = try await session.sendAndWait("Help me plan my garden for spring, please")
            #expect(try await client.sessionMetadata(session.sessionId)?.summary == "Help me plan my garden for spring, please")
            await session.disconnect()
            #expect(try await client.sessionMetadata(session.sessionId)?.summary == "Planned the garden")
        }
    }

    @Test("through the server, sessionEnd runs when the last client leaves, whether the session stays in memory or is stored", arguments: [true, false])
    func sessionEndRemote(inMemory: Bool) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("copilot-end-\(UUID().uuidString)").path
        let arguments = inMemory ? ["--no-store"] : ["--state-dir", folder]
        let options = CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary(), arguments: arguments))
        try await withScriptedClient(turns: [.text("Bye.")], options: options) { client, server in
            let reasons = Mutex<[String]>([])
            var config = scriptedConfig(server)
            config.hooks = SessionHooks(onSessionEnd: { input in
                reasons.withLock { $0.append(input.reason) }
                return nil
            })
            let session = try await client.createSession(config)
            _ = try await session.sendAndWait("Say bye")
            await session.disconnect()
            #expect(reasons.withLock { $0 } == ["user_exit"])
        }
    }
}

/// The resume scenario every store must pass: a tool call and an answer, a clean stop, then a
/// resumed session whose next model call carries the earlier turns; list, last id and metadata agree.
/// Returns the session id and the API key used, for the store's own "nothing secret" check.
func checkResumeContinuesConversation(_ store: any SessionStore) async throws -> (id: String, key: String) {
    let server = try await ScriptedProviderServer.start(turns: [
        .toolCalls([("note", #"{"text":"pineapple"}"#)]), .text("Noted."), .text("It was pineapple."),
    ])
    let note = Tool(name: "note", description: "Notes") { invocation in .success("noted \(invocation.arguments["text"]?.stringValue ?? "")") }
    let key = "sk-store-secret-\(UUID().uuidString.prefix(8))"
    let first = CopilotClient(options: CopilotClientOptions(retryPolicy: .none, sessionStore: store))
    let session = try await first.createSession(scriptedConfig(server, tools: [note], apiKey: key))
    _ = try await session.sendAndWait("Remember pineapple")
    let id = session.sessionId
    let seen = try await session.messages()
    try await first.stop()

    let second = CopilotClient(options: CopilotClientOptions(retryPolicy: .none, sessionStore: store))
    let resumed = try await second.resumeSession(id, scriptedConfig(server, tools: [note], apiKey: key))
    #expect(try await resumed.messages().prefix(seen.count).map(\.id) == seen.map(\.id), "the stored events come back in order")
    #expect(try await resumed.sendAndWait("What was it?").content == "It was pineapple.")
    let messages = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue)
    #expect(messages.dropFirst().map { $0["role"] } == ["user", "assistant", "tool", "assistant", "user"])
    #expect(messages[3]["content"] == "noted pineapple")
    #expect(try await second.listSessions().map(\.sessionId) == [id])
    #expect(try await second.lastSessionId() == id)
    #expect(try await second.sessionMetadata(id)?.summary == "Remember pineapple")
    #expect(try await second.sessionMetadata(id)?.providerType == "openai")
    try await second.stop()
    try await server.shutdown()
    return (id, key)
}

@Suite("Reading stored events")
struct StoredEventDecodingTests {
    func line(id: String, parent: String = "null") -> String {
        #"{"id":"\#(id)","timestamp":"2026-11-24T10:00:00.123Z","parentId":\#(parent),"type":"user.message","data":{"content":"x","messageId":"m"}}"#
    }

    @Test("event ids and parent ids read back exactly, in either case")
    func ids() throws {
        for _ in 0..<200 {
            let (id, parent) = (UUID(), UUID())
            let event = try JSONDecoder().decode(
                SessionEvent.self, from: Data(line(id: id.uuidString, parent: "\"\(parent.uuidString.lowercased())\"").utf8))
            #expect(event.id == id && event.parentId == parent)
        }
    }

    @Test("a malformed id is an error, not a wrong event", arguments: [
        "not-a-uuid", "0b0b0b0b-0000-4000-8000-00000000000g", "0b0b0b0b0-000-4000-8000-000000000000",
        "0b0b0b0b-0000-4000-8000-0000000000000", "0b0b0b0b-0000-4000-8000-00000000000",
    ])
    func malformed(id: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SessionEvent.self, from: Data(line(id: id).utf8)) }
    }
}

/// A store whose disk is full: every append fails as a file store's would (ENOSPC).
struct FullDiskStore: SessionStore {
    struct Log: SessionLog {
        func append(_ events: [SessionEvent]) async throws { throw SessionStoreError("write failed: No space left on device (errno 28)") }
        func update(_ metadata: SessionMetadata) async throws {}
        func close() async {}
    }

    func create(_ metadata: SessionMetadata) async throws -> any SessionLog { Log() }
    func open(_ sessionId: String, takeOver: Bool) async throws -> StoredSession { throw SessionStoreError("Session not found: \(sessionId)") }
    func list() async throws -> [SessionMetadata] { [] }
    func metadata(_ sessionId: String) async throws -> SessionMetadata? { nil }
    func events(_ sessionId: String) async throws -> [SessionEvent] { [] }
    func delete(_ sessionId: String) async throws {}
}

@Suite("A store that cannot take the events")
struct StorageFailureTests {
    @Test("a full disk is a session.error the client sees and sendAndWait fails with, reported once per run of failures; the session goes on")
    func fullDisk() async throws {
        try await withScriptedClient(turns: [.text("first"), .text("second")], options: .init(retryPolicy: .none, sessionStore: FullDiskStore())) { client, server in
            let session = try await client.createSession(scriptedConfig(server, permission: .approveAll))
            let errors = Mutex<[String]>([])
            let subscription = session.on(.sessionError) { error in errors.withLock { $0.append(error.errorType) } }
            await #expect {
                _ = try await session.sendAndWait("Hello")
            } throws: { error in
                String(describing: error).contains("Could not save this session's events") && String(describing: error).contains("No space left")
            }
            _ = try? await session.sendAndWait("Again")
            subscription.cancel()
            #expect(errors.withLock { $0 }.first == "persistence")
            #expect(server.modelCalls.count == 2, "the session went on")
        }
    }
}
