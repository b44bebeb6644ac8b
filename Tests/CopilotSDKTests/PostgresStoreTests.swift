import CopilotRuntime
import CopilotProviders
import CopilotCore
@testable import CopilotPostgres
import CopilotSDK
import CopilotTesting
import Foundation
import PostgresNIO
import Synchronization
import Testing

extension PostgresSessionStore {
    /// Stops a store that ``TestPostgres/running(_:)`` started, as a service group's shutdown would.
    func shutdown() async {
        guard let task = TestPostgres.runs.withLock({ $0.removeValue(forKey: ObjectIdentifier(self)) }) else { return }
        task.cancel()
        _ = await task.result
    }
}

/// The PostgreSQL server the tests use: `scripts/test.sh` starts one on loopback and exports its URL.
enum TestPostgres {
    static let url = ProcessInfo.processInfo.environment["COPILOT_TEST_POSTGRES_URL"]

    /// A store on its own schema, so tests never see each other's sessions, running until its
    /// `shutdown()`.
    static func store(schema: String, lease: Duration = .seconds(30)) throws -> PostgresSessionStore {
        running(try PostgresSessionStore(url: try #require(url), options: .init(leaseDuration: lease, schema: schema)))
    }

    /// Runs `store` as a service group would, until `shutdown()` stops it.
    static func running(_ store: PostgresSessionStore) -> PostgresSessionStore {
        let task = Task { try await store.run() }
        runs.withLock { $0[ObjectIdentifier(store)] = task }
        return store
    }

    static let runs = Mutex<[ObjectIdentifier: Task<Void, any Error>]>([:])

    static func freshSchema() -> String { "t_" + UUID().uuidString.prefix(8).lowercased() }

    /// The server's URL with a `schema` parameter, for servers started with `--store`.
    static func url(schema: String) throws -> String {
        let base = try #require(url)
        return base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    /// Removes a test's schema and shuts the store down.
    static func dropSchemaAndShutDown(_ store: PostgresSessionStore) async throws {
        try await store.client.query("DROP SCHEMA IF EXISTS \(unescaped: store.schema) CASCADE")
        await store.shutdown()
    }

    /// Every stored (seq, event text) of a session, read directly from the table.
    static func rows(_ store: PostgresSessionStore, _ sessionId: String) async throws -> [(Int64, String)] {
        var result: [(Int64, String)] = []
        let rows = try await store.client.query(
            "SELECT seq, event FROM \(unescaped: store.eventsTable) WHERE session_id = \(sessionId) ORDER BY seq")
        for try await row in rows.decode((Int64, String).self) { result.append(row) }
        return result
    }
}

@Suite(
    "Sessions that last: the PostgreSQL store", .serialized,
    .enabled(if: TestPostgres.url != nil, "needs COPILOT_TEST_POSTGRES_URL (scripts/test.sh starts a server)"))
struct PostgresStoreTests {
    @Test("resume after a clean stop continues the conversation; sequence numbers run 1…n; nothing secret is stored")
    func resumeAfterStop() async throws {
        let store = try TestPostgres.store(schema: TestPostgres.freshSchema())
        let (id, key) = try await checkResumeContinuesConversation(store)
        let stored = try await store.open(id)
        await stored.log.close()
        let rows = try await TestPostgres.rows(store, id)
        #expect(rows.map(\.0) == Array(1...Int64(rows.count)))
        #expect(rows.count == stored.events.count, "every persisted event is stored once")
        #expect(rows.allSatisfy { !$0.1.contains(key) })
        let sessionRow = try await store.client.query("SELECT row_to_json(s)::text FROM \(unescaped: store.sessionsTable) s").collect()
        #expect(try sessionRow.allSatisfy { !(try $0.decode(String.self)).contains(key) })
        try await TestPostgres.dropSchemaAndShutDown(store)
    }

    @Test("one live owner: a second store is refused (open and delete) until the first closes the session")
    func twoWriters() async throws {
        let schema = TestPostgres.freshSchema()
        let (a, b) = (try TestPostgres.store(schema: schema), try TestPostgres.store(schema: schema))
        let log = try await a.create(SessionMetadata(sessionId: "owned"))
        try await log.append([SessionEvent(payload: .userMessage(.init(content: "hello", messageId: "m1")))])
        let batch = (2...4).map { SessionEvent(payload: .userMessage(.init(content: "batch \($0)", messageId: "m\($0)"))) }
        try await log.append(batch)
        await #expect {
            _ = try await b.open("owned")
        } throws: { error in
            String(describing: error).contains("open in another writer")
        }
        await #expect(throws: SessionStoreError.self) { try await b.delete("owned") }
        await #expect(throws: SessionStoreError.self) { _ = try await a.open("owned") }
        await #expect(throws: SessionStoreError.self) { _ = try await a.create(SessionMetadata(sessionId: "owned")) }
        // A takeover moves the session at once; the old writer's next append is fenced, not interleaved.
        let taken = try await b.open("owned", takeOver: true)
        await #expect {
            try await log.append([SessionEvent(payload: .userMessage(.init(content: "late", messageId: "m9")))])
        } throws: { error in
            (error as? SessionStoreError)?.fenced == true
        }
        await taken.log.close()
        await log.close()

        let opened = try await b.open("owned")
        #expect(opened.events.map(\.id) == [opened.events[0].id] + batch.map(\.id), "a batch is stored whole and in order")
        #expect(try await TestPostgres.rows(b, "owned").map(\.0) == [1, 2, 3, 4])
        await opened.log.close()
        try await b.delete("owned")
        #expect(try await a.list().isEmpty)
        await #expect(throws: SessionStoreError.self) { _ = try await a.open("owned") }
        await a.shutdown()
        try await TestPostgres.dropSchemaAndShutDown(b)
    }

    @Test("a crashed owner's lease runs out and another store takes over; the old writer can no longer append")
    func leases() async throws {
        let schema = TestPostgres.freshSchema()
        // Long enough that a busy machine still opens before it runs out.
        let crashed = try TestPostgres.store(schema: schema, lease: .seconds(5))
        let other = try TestPostgres.store(schema: schema, lease: .seconds(1))
        let abandoned = try await crashed.create(SessionMetadata(sessionId: "left"))
        let created = ContinuousClock.now
        await crashed.shutdown()  // no close: the lease is left behind, as by a killed server
        await #expect(throws: SessionStoreError.self) { _ = try await other.open("left") }
        withExtendedLifetime(abandoned) {}
        try await Task.sleep(until: created + .milliseconds(5_300))
        let taken = try await other.open("left")
        await taken.log.close()

        // A log dropped without close() is no longer renewed, although its store still runs.
        let keeper = try TestPostgres.store(schema: schema, lease: .seconds(1))
        _ = try await keeper.create(SessionMetadata(sessionId: "dropped"))
        try await Task.sleep(for: .milliseconds(1_500))
        let reopened = try await other.open("dropped")
        await reopened.log.close()
        await keeper.shutdown()

        // A writer that is still alive keeps its session past many lease periods (renewal).
        // (A 2 s lease renewed every 0.67 s tolerates a renewal late by 1.3 s on a loaded machine.)
        let live = try TestPostgres.store(schema: schema, lease: .seconds(2))
        let renewed = try await live.create(SessionMetadata(sessionId: "renewed"))
        try await Task.sleep(for: .milliseconds(4_500))
        await #expect(throws: SessionStoreError.self) { _ = try await other.open("renewed") }
        try await renewed.append([SessionEvent(payload: .userMessage(.init(content: "still mine", messageId: "m1")))])
        await renewed.close()

        // A writer cut off from the database (a network partition) loses its lease; the new owner's
        // log wins. Its lease is long, so its own renewal cannot come between the expiry made here
        // and the takeover.
        let partitioned = try TestPostgres.store(schema: schema, lease: .seconds(60))
        let log = try await partitioned.create(SessionMetadata(sessionId: "fenced"))
        try await log.append([SessionEvent(payload: .userMessage(.init(content: "before", messageId: "m1")))])
        try await partitioned.client.query(
            "UPDATE \(unescaped: partitioned.sessionsTable) SET lease_until = now() - interval '1 second' WHERE session_id = 'fenced'")
        let newOwner = try await other.open("fenced")
        #expect(newOwner.events.count == 1)
        await #expect {
            try await log.append([SessionEvent(payload: .userMessage(.init(content: "late", messageId: "m2")))])
        } throws: { error in
            String(describing: error).contains("no longer owned")
        }
        try await newOwner.log.append([SessionEvent(payload: .userMessage(.init(content: "new owner", messageId: "m3")))])
        await newOwner.log.close()
        let rows = try await TestPostgres.rows(other, "fenced")
        #expect(rows.map(\.0) == [1, 2])
        #expect(rows.last?.1.contains("new owner") == true)
        await partitioned.shutdown()
        await live.shutdown()
        try await TestPostgres.dropSchemaAndShutDown(other)
    }

    @Test("the schema is created on first use, also when several servers start at once")
    func schemaOnFirstUse() async throws {
        let schema = TestPostgres.freshSchema()
        let stores = try (0..<6).map { _ in try TestPostgres.store(schema: schema) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask { _ = try await store.create(SessionMetadata(sessionId: "first-\(index)")).close() }
            }
            try await group.waitForAll()
        }
        #expect(try await stores[0].list().count == 6)
        for store in stores.dropFirst() { await store.shutdown() }
        try await TestPostgres.dropSchemaAndShutDown(stores[0])
    }

    @Test("bad URLs and refused logins are clear errors that never show the password")
    func errors() async throws {
        let url = try #require(TestPostgres.url)
        let wrong = url.replacingOccurrences(of: #"(postgres://[^:]+:)[^@]+@"#, with: "$1not-the-password-31337@", options: .regularExpression)
        let idle = try PostgresSessionStore(url: url)
        await #expect {
            _ = try await idle.list()
        } throws: { error in
            String(describing: error).contains("is not running: call its run()")
        }
        let store = TestPostgres.running(try PostgresSessionStore(url: wrong))
        #expect(store.redactedURL.contains(":***@") && !store.redactedURL.contains("31337"))
        await #expect {
            _ = try await store.list()
        } throws: { error in
            let text = String(describing: error)
            return text.contains("password authentication failed") && !text.contains("31337")
        }
        await store.shutdown()
        for bad in ["mysql://u:p@h/db", "postgres://h/db", "postgres://u@h:99999/db", "postgres://u@h/db?sslmode=sometimes",
                    "postgres://u:hunter2@h/db?colour=blue"]
        {
            #expect {
                _ = try PostgresSessionStore(url: bad)
            } throws: { error in
                let text = String(describing: error)
                return text.hasPrefix("Not a PostgreSQL URL") && !text.contains("hunter2")
            }
        }
        #expect(throws: SessionStoreError.self) { _ = try PostgresSessionStore(url: url, options: .init(schema: "Robert'); DROP")) }
        let parsed = try PostgresURL("postgres://me@/db?host=/run/postgresql&port=5433", environment: ["PGPASSWORD": "pw"])
        #expect(parsed.socketDirectory == "/run/postgresql" && parsed.port == 5433 && parsed.password == "pw" && parsed.database == "db")
        #expect(parsed.redacted == "postgres://me:***@/db?host=/run/postgresql")
        let withSchema = try PostgresSessionStore(url: "postgres://me:pw@localhost/db?schema=tenant_7")
        #expect(withSchema.schema == "tenant_7" && withSchema.redactedURL == "postgres://me:***@localhost:5432/db?schema=tenant_7")
        #expect(throws: SessionStoreError.self) { _ = try PostgresSessionStore(url: "postgres://me@localhost/db?schema=Tenant-7") }
        await withSchema.shutdown()
    }
}

@Suite(
    "Sessions shared by two servers through PostgreSQL", .serialized,
    .enabled(if: TestPostgres.url != nil, "needs COPILOT_TEST_POSTGRES_URL (scripts/test.sh starts a server)"))
struct SharedStoreServerTests {
    /// Two `copilot-swift server --store` processes on one schema of their own.
    func servers(schema: String, lease: String = "30") throws -> (BackgroundServer, BackgroundServer) {
        let arguments = ["--store", try TestPostgres.url(schema: schema), "--store-lease", lease]
        return (try BackgroundServer(token: "pg-token", arguments: arguments), try BackgroundServer(token: "pg-token", arguments: arguments))
    }

    func client(_ server: BackgroundServer) -> CopilotClient {
        CopilotClient(options: .init(retryPolicy: .none, runtime: .connect(address: "127.0.0.1:\(server.port)", token: "pg-token")))
    }

    @Test("a session created through server A is resumed and continued through server B")
    func handOver() async throws {
        let schema = TestPostgres.freshSchema()
        let provider = try await ScriptedProviderServer.start(turns: [.text("Noted: the door code is 4711."), .text("It is 4711.")])
        let (serverA, serverB) = try servers(schema: schema)
        defer { serverA.stop(); serverB.stop() }
        let id = "handover-\(UUID().uuidString.prefix(8).lowercased())"
        let clientA = client(serverA)
        var config = scriptedConfig(provider, apiKey: "sk-handover-secret")
        config.sessionId = id
        let session = try await clientA.createSession(config)
        #expect(try await session.sendAndWait("The door code is 4711.").content == "Noted: the door code is 4711.")
        let before = try await session.messages()

        await session.disconnect()

        let clientB = client(serverB)
        let resumed = try await clientB.resumeSession(id, scriptedConfig(provider, apiKey: "sk-handover-secret"))
        #expect(try await resumed.sendAndWait("What is the door code?").content == "It is 4711.")
        let messages = try #require(provider.modelCalls.last?.json?["messages"]?.arrayValue)
        #expect(messages.compactMap { $0["content"]?.stringValue?.withoutDatetime }.suffix(3) == [
            "The door code is 4711.", "Noted: the door code is 4711.", "What is the door code?",
        ])
        let after = try await resumed.messages()
        #expect(after.prefix(before.count).map(\.id) == before.map(\.id), "B continues A's log")
        #expect(try await clientA.listSessions().contains { $0.sessionId == id })
        try await clientA.stop()
        try await clientB.stop()
        try await provider.shutdown()
        try await TestPostgres.dropSchemaAndShutDown(TestPostgres.store(schema: schema))
    }

    @Test("a server killed with SIGKILL frees its sessions when the lease runs out; the other server resumes them")
    func crashedServer() async throws {
        let schema = TestPostgres.freshSchema()
        let provider = try await ScriptedProviderServer.start(turns: [.text("First answer."), .text("Second answer.")])
        let (serverA, serverB) = try servers(schema: schema, lease: "1")
        defer { serverB.stop() }
        let id = "crashed-\(UUID().uuidString.prefix(8).lowercased())"
        var config = scriptedConfig(provider)
        config.sessionId = id
        let clientA = client(serverA)
        _ = try await clientA.createSession(config).sendAndWait("One")
        serverA.crash()
        try? await clientA.stop()
        try await Task.sleep(for: .milliseconds(1_500))
        let clientB = client(serverB)
        let resumed = try await clientB.resumeSession(id, scriptedConfig(provider))
        #expect(try await resumed.sendAndWait("Two").content == "Second answer.")
        try await clientB.stop()
        try await provider.shutdown()
        try await TestPostgres.dropSchemaAndShutDown(TestPostgres.store(schema: schema))
    }

    @Test("100 concurrent sessions through two servers lose no event and keep every session's order")
    func hundredSessions() async throws {
        let schema = TestPostgres.freshSchema()
        let provider = try await ScriptedProviderServer.start(turns: []) { request in
            // Each turn: a tool call first, then a text answer naming the session's prompt.
            let messages = request.json?["messages"]?.arrayValue ?? []
            if messages.last?["role"] == "user" { return .toolCalls([("tick", #"{}"#)]) }
            let prompt = messages.last { $0["role"] == "user" }?["content"]?.stringValue?.withoutDatetime ?? ""
            return .text("done: \(prompt)")
        }
        let (serverA, serverB) = try servers(schema: schema)
        defer { serverA.stop(); serverB.stop() }
        let clients = [client(serverA), client(serverB)]
        let tick = Tool(name: "tick", description: "Ticks") { _ in .success("tock") }
        let run = "c\(UUID().uuidString.prefix(6).lowercased())"
        let turns = 3

        let results = try await withThrowingTaskGroup(of: (Int, String, [SessionEvent], [SessionEvent]).self) { group in
            for index in 0..<100 {
                group.addTask {
                    var config = scriptedConfig(provider, tools: [tick])
                    config.sessionId = "\(run)-\(index)"
                    let session = try await clients[index % 2].createSession(config)
                    let received = Mutex<[SessionEvent]>([])
                    let subscription = session.on { event in
                        if !event.ephemeral { received.withLock { $0.append(event) } }
                    }
                    for turn in 0..<turns {
                        let answer = try await session.sendAndWait("session \(index) turn \(turn)", timeout: .seconds(120))
                        #expect(answer.content == "done: session \(index) turn \(turn)")
                    }
                    let persisted = try await session.messages()
                    subscription.cancel()
                    await session.disconnect()
                    return (index, session.sessionId, persisted, received.withLock { $0 })
                }
            }
            var results: [(Int, String, [SessionEvent], [SessionEvent])] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.count == 100)

        // Read every session back through a third store: complete, in order, released.
        let reader = try TestPostgres.store(schema: schema)
        for (index, id, persisted, received) in results {
            let stored = try await reader.open(id)
            await stored.log.close()
            #expect(stored.events.map(\.id) == persisted.map(\.id), "session \(id): the store holds exactly what the server recorded")
            let storedIDs = stored.events.map(\.id)
            let positions = received.compactMap { storedIDs.firstIndex(of: $0.id) }
            #expect(positions.count == received.count, "session \(id): every event the client saw is stored")
            #expect(positions == positions.sorted(), "session \(id): in the order the client saw them")
            let types = stored.events.map(\.type)
            #expect(types.filter { $0 == "user.message" }.count == turns)
            #expect(types.filter { $0 == "tool.execution_complete" }.count == turns)
            #expect(types.filter { $0 == "assistant.message" }.count == 2 * turns)
            let prompts = stored.events.compactMap { event -> String? in
                if case .userMessage(let message) = event.payload { return message.content }
                return nil
            }
            #expect(prompts == (0..<turns).map { "session \(index) turn \($0)" })
        }
        for client in clients { try await client.stop() }
        try await TestPostgres.dropSchemaAndShutDown(reader)
        try await provider.shutdown()
    }
}
