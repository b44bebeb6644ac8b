import CopilotRuntime
import CopilotProviders
import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Logging
import Synchronization
import Testing

/// A clock whose sleeps return at once and are recorded, so retry waits are exact and instant.
final class RecordingClock: Clock, Sendable {
    typealias Duration = Swift.Duration
    typealias Instant = ContinuousClock.Instant

    private let base = ContinuousClock()
    private let recorded = Mutex<[Duration]>([])

    var now: Instant { base.now }
    var minimumResolution: Duration { .zero }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        recorded.withLock { $0.append(now.duration(to: deadline)) }
        try Task.checkCancellation()
    }

    /// The waits asked for, rounded to milliseconds.
    var waits: [Int] {
        recorded.withLock { $0.map { Int(($0 / .milliseconds(1)).rounded()) } }
    }
}

/// Collects every log line (message and metadata) in memory.
struct CollectingLogHandler: LogHandler {
    let lines: LogLines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append("\(event.level) \(event.message) \(all.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))")
    }

    final class LogLines: Sendable {
        private let storage = Mutex<[String]>([])
        func append(_ line: String) { storage.withLock { $0.append(line) } }
        var all: [String] { storage.withLock { $0 } }
    }
}

@Suite("Retries, timeouts, auth and model listing")
struct ProviderBehaviourTests {
    func sessionError(in events: [SessionEvent]) -> SessionEvent.SessionError? {
        events.compactMap { event -> SessionEvent.SessionError? in
            if case .sessionError(let error) = event.payload { error } else { nil }
        }.first
    }

    func finalAnswer(in events: [SessionEvent]) -> String? {
        events.compactMap { event -> String? in
            if case .assistantMessage(let message) = event.payload { message.content } else { nil }
        }.last
    }

    func options(_ clock: RecordingClock, policy: RetryPolicy = .default, logger: Logger = Logger(label: "test")) -> CopilotClientOptions {
        var options = CopilotClientOptions(retryPolicy: policy, clock: clock, logger: logger)
        options.httpTimeouts = .default
        return options
    }

    /// The families the wire-level behaviour tests run on (Azure shares OpenAI's wires).
    static let families: [ProviderConfig.ProviderType] = [.openai, .anthropic, .gemini]

    @Test("429 with retry-after twice, then success: waits exactly what the server asked", arguments: families)
    func retryAfterHonoured(type: ProviderConfig.ProviderType) async throws {
        let clock = RecordingClock()
        let turns: [ScriptedTurn] = [
            .error(status: 429, message: "slow down", type: "rate_limit_exceeded", headers: ["retry-after-ms": "250"]),
            .error(status: 429, message: "slow down", type: "rate_limit_exceeded", headers: ["retry-after": "1"]),
            .text("Finally."),
        ]
        try await withScriptedClient(turns: turns, options: options(clock)) { client, server in
            let session = try await client.createSession(scriptedConfig(server, type: type))
            // Not sendAndWait: its timeout runs on the same instant clock.
            let events = try await runToIdle(session, "Hi")
            #expect(finalAnswer(in: events) == "Finally.")
            #expect(server.modelCalls.count == 3)
            #expect(clock.waits == [250, 1000])
            #expect(server.modelCalls.map { $0.headers["x-retry-count"] } == [nil, "1", "2"])
        }
    }

    @Test("5xx: capped exponential backoff, then a session.error that says how many attempts were made")
    func backoffThenGiveUp() async throws {
        let clock = RecordingClock()
        let failures = Array(repeating: ScriptedTurn.error(status: 503, message: "busy"), count: 4)
        var client = options(clock, policy: RetryPolicy(maxRetries: 3, initialDelay: .milliseconds(500), maxDelay: .seconds(1)))
        client.httpTimeouts = .default
        try await withScriptedClient(turns: failures, options: client) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            let events = try await runToIdle(session, "Hi")
            #expect(server.modelCalls.count == 4)
            let waits = clock.waits
            #expect(waits.count == 3)
            // 500 ms, 1 s, then capped at 1 s; each shortened by at most 25% jitter.
            for (wait, base) in zip(waits, [500, 1000, 1000]) { #expect(wait <= base && wait >= base * 3 / 4) }
            let error = try #require(sessionError(in: events))
            #expect(error.statusCode == 503)
            #expect(error.message.contains("Gave up after 4 attempts"))
            #expect(events.types.last == "session.idle")
        }
    }

    @Test("non-retryable statuses and x-should-retry", arguments: [
        (400, [String: String](), 1), (401, [:], 1), (404, [:], 1), (422, [:], 1),
        (503, ["x-should-retry": "false"], 1), (404, ["x-should-retry": "true"], 2), (429, ["retry-after": "600"], 1),
    ])
    func retryDecisions(status: Int, headers: [String: String], expectedCalls: Int) async throws {
        let clock = RecordingClock()
        let turns = [ScriptedTurn.error(status: status, message: "no", headers: headers), .text("ok")]
        try await withScriptedClient(turns: turns, options: options(clock)) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            let events = try await runToIdle(session, "Hi")
            #expect(server.modelCalls.count == expectedCalls)
            if headers["retry-after"] == "600" {
                #expect(sessionError(in: events)?.message.contains("longer than this client waits") == true)
            }
        }
    }

    @Test("a stream cut short is retried; the retry streams under a new message id", arguments: families)
    func truncatedStreamRetried(type: ProviderConfig.ProviderType) async throws {
        let clock = RecordingClock()
        let turns: [ScriptedTurn] = [
            .text("Partial answer that gets cut", delivery: .init(truncateAfterEvents: 3)),
            .text("Complete answer."),
        ]
        try await withScriptedClient(turns: turns, options: options(clock)) { client, server in
            let session = try await client.createSession(scriptedConfig(server, streaming: true, type: type))
            let events = try await runToIdle(session, "Hi")
            #expect(server.modelCalls.count == 2)
            #expect(events.types.contains("session.warning"))
            let message = try #require(events.compactMap { event -> SessionEvent.AssistantMessage? in
                if case .assistantMessage(let message) = event.payload { message } else { nil }
            }.last)
            #expect(message.content == "Complete answer.")
            let deltas = events.compactMap { event -> SessionEvent.AssistantMessageDelta? in
                if case .assistantMessageDelta(let delta) = event.payload { delta } else { nil }
            }
            #expect(deltas.filter { $0.messageId == message.messageId }.map(\.deltaContent).joined() == "Complete answer.")
            #expect(!events.types.contains("session.error"))
        }
    }

    @Test("bearerTokenProvider is asked before every request, retries included, and its token wins")
    func tokenProviderPerRequest() async throws {
        let clock = RecordingClock()
        let counter = Mutex(0)
        let tokens = BearerTokenProvider {
            let next = counter.withLock { value in
                value += 1
                return value
            }
            return "entra-token-\(next)"
        }
        let turns: [ScriptedTurn] = [
            .toolCalls([("ping", "{}")]),
            .error(status: 500, message: "hiccup"),
            .text("Done."),
        ]
        try await withScriptedClient(turns: turns, options: options(clock)) { client, server in
            var config = scriptedConfig(server, tools: [Tool(name: "ping", description: "Ping") { _ in "pong" }], apiKey: "static-key-ignored")
            config.provider?.bearerTokenProvider = tokens
            let session = try await client.createSession(config)
            #expect(finalAnswer(in: try await runToIdle(session, "Go")) == "Done.")
            #expect(server.modelCalls.map { $0.headers["authorization"] } == [
                "Bearer entra-token-1", "Bearer entra-token-2", "Bearer entra-token-3",
            ])
        }
    }

    @Test("a failing token provider is an authentication error, not a crash")
    func tokenProviderFailure() async throws {
        struct Expired: Error {}
        try await withScriptedClient(turns: [.text("unused")]) { client, server in
            var config = scriptedConfig(server)
            config.provider?.bearerTokenProvider = BearerTokenProvider { throw Expired() }
            let session = try await client.createSession(config)
            let events = try await runToIdle(session, "Hi")
            #expect(sessionError(in: events)?.errorType == "authentication")
            #expect(server.modelCalls.isEmpty)
        }
    }

    @Test("the idle timeout ends a provider that goes silent")
    func idleTimeout() async throws {
        let silent = ScriptedTurn.text("late", delivery: .init(initialDelay: .seconds(20)))
        var options = CopilotClientOptions(httpTimeouts: HTTPTimeouts(connect: .seconds(2), idle: .milliseconds(300)), retryPolicy: .none)
        options.clock = ContinuousClock()
        try await withScriptedClient(turns: [silent], options: options) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            let started = ContinuousClock.now
            let events = try await runToIdle(session, "Hi", timeout: .seconds(30))
            #expect(sessionError(in: events)?.errorCode == "timeout")
            // Long before the provider's 20 s silence would have ended on its own.
            #expect(started.duration(to: .now) < .seconds(15))
        }
    }

    @Test("the client's clock measures every timeout: a 45 s hook and a 90 s sendAndWait end at once on an instant clock")
    func injectedClockDrivesTimeouts() async throws {
        let clock = RecordingClock()
        let silent = ScriptedTurn.text("late", delivery: .init(initialDelay: .seconds(20)))
        try await withScriptedClient(turns: [silent], options: options(clock, policy: .none)) { client, server in
            var config = scriptedConfig(server)
            config.hooks = SessionHooks(
                onUserPromptSubmitted: { _ in
                    try await Task.sleep(for: .seconds(3600))
                    return nil
                },
                timeout: .seconds(45))
            let session = try await client.createSession(config)
            let hookEnds = Mutex<[SessionEvent.HookEnd]>([])
            session.on(.hookEnd) { end in hookEnds.withLock { $0.append(end) } }
            let started = ContinuousClock.now
            await #expect(throws: CopilotError.self) { _ = try await session.sendAndWait("Hi", timeout: .seconds(90)) }
            // The hook runs on the session's own task: give it a moment to have timed out too.
            while hookEnds.withLock({ $0.isEmpty }), started.duration(to: .now) < .seconds(30) {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(started.duration(to: .now) < .seconds(30))
            #expect(clock.waits.contains(45_000))
            #expect(clock.waits.contains(90_000))
            #expect(hookEnds.withLock { $0 }.first?.success == false)
            await session.abort()
        }
    }

    @Test("abort while waiting to retry ends at once with session.idle(aborted)")
    func abortDuringRetryWait() async throws {
        let turns: [ScriptedTurn] = [.error(status: 429, message: "wait", headers: ["retry-after": "30"]), .text("Later.")]
        try await withScriptedClient(turns: turns, options: CopilotClientOptions(retryPolicy: .default)) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            let stream = session.events
            let started = ContinuousClock.now
            try await session.send("Hi")
            while server.modelCalls.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(100))
            await session.abort()
            var last: SessionEvent?
            for await event in stream {
                last = event
                if event.type == "session.idle" { break }
            }
            if case .sessionIdle(let idle) = last?.payload { #expect(idle.aborted == true) } else { Issue.record("no idle") }
            #expect(started.duration(to: .now) < .seconds(10))
            #expect(server.modelCalls.count == 1)
        }
    }

    @Test("session.error carries the status, the provider's request id and its message", arguments: families)
    func errorDetails(type: ProviderConfig.ProviderType) async throws {
        let turns = [ScriptedTurn.error(status: 400, message: "context_length_exceeded: too long", type: "invalid_request_error", headers: ["x-request-id": "req_fail_1"])]
        try await withScriptedClient(turns: turns) { client, server in
            let session = try await client.createSession(scriptedConfig(server, type: type))
            let error = try #require(sessionError(in: try await runToIdle(session, "Hi")))
            #expect(error.statusCode == 400)
            #expect(error.providerCallId == "req_fail_1")
            #expect(error.message.contains("context_length_exceeded: too long"))
            #expect(error.errorCode == "request_rejected")
        }
    }

    @Test("a configured key never reaches a log line, an error or an event", arguments: families)
    func secretsStayOut(type: ProviderConfig.ProviderType) async throws {
        let key = "sk-proj-NEVER-LOG-ME-0123456789"
        let lines = CollectingLogHandler.LogLines()
        let logger = Logger(label: "test") { _ in CollectingLogHandler(lines: lines) }
        let turns: [ScriptedTurn] = [
            .error(status: 500, message: "upstream said: key \(key) is throttled"),
            .toolCalls([("ping", "{}")]),
            .error(status: 401, message: "Incorrect API key provided: \(key)", type: "invalid_api_key"),
        ]
        var options = CopilotClientOptions(retryPolicy: RetryPolicy(maxRetries: 1), clock: RecordingClock(), logger: logger)
        options.httpTimeouts = .default
        try await withScriptedClient(turns: turns, options: options) { client, server in
            let session = try await client.createSession(
                scriptedConfig(server, tools: [Tool(name: "ping", description: "Ping") { _ in "pong" }], apiKey: key, type: type))
            let events = try await runToIdle(session, "Hi")
            let keyHeader = ["openai": "authorization", "anthropic": "x-api-key", "gemini": "x-goog-api-key"][type.rawValue] ?? ""
            #expect(server.modelCalls.allSatisfy { $0.headers[keyHeader]?.hasSuffix(key) == true })
            let error = try #require(sessionError(in: events))
            #expect(error.statusCode == 401)
            for event in events { #expect(!(try event.jsonLine()).contains(key)) }
            #expect(!lines.all.isEmpty, "the run logged something")
            for line in lines.all { #expect(!line.contains(key)) }
            await #expect {
                try await session.sendAndWait("again")
            } throws: { error in
                !String(describing: error).contains(key)
            }
        }
    }

    @Test("any custom header's value and the base URL's user and password never reach a log, an error, an event or the store")
    func headerValuesAndURLCredentialsStayOut() async throws {
        let (password, custom) = ("pw-secret-998877", "custom-auth-value-4455")
        let lines = CollectingLogHandler.LogLines()
        let logger = Logger(label: "test") { _ in CollectingLogHandler(lines: lines) }
        let store = FileSessionStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("copilot-secrets-\(UUID().uuidString)"))
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let turns: [ScriptedTurn] = [
            .error(status: 500, message: "proxy saw alice:\(password) and X-Custom-Auth \(custom)"),
            .error(status: 401, message: "bad credentials \(password) / \(custom)"),
        ]
        var options = CopilotClientOptions(retryPolicy: RetryPolicy(maxRetries: 1), clock: RecordingClock(), logger: logger, sessionStore: store)
        options.httpTimeouts = .default
        try await withScriptedClient(turns: turns, options: options) { client, server in
            var config = scriptedConfig(server)
            config.provider = ProviderConfig(
                baseURL: server.baseURL.replacingOccurrences(of: "http://", with: "http://alice:\(password)@"),
                headers: ["X-Custom-Auth": custom])
            #expect(!String(describing: config.provider!).contains(password))
            let session = try await client.createSession(config)
            let events = try await runToIdle(session, "Hi")
            // Sent as HTTP Basic auth and the header, never in the URL.
            let basic = "Basic " + Data("alice:\(password)".utf8).base64EncodedString()
            #expect(server.modelCalls.allSatisfy { $0.headers["authorization"] == basic && $0.headers["x-custom-auth"] == custom })
            #expect(server.modelCalls.allSatisfy { !$0.path.contains(password) })
            #expect(sessionError(in: events)?.statusCode == 401)
            let texts = events.map { (try? $0.jsonLine()) ?? "" } + lines.all + [String(describing: try await session.messages())]
            await #expect {
                try await session.sendAndWait("again")
            } throws: { error in
                !String(describing: error).contains(password) && !String(describing: error).contains(custom)
            }
            await session.disconnect()
            let folder = store.directory.appendingPathComponent(session.sessionId)
            let stored = try ["events.jsonl", "metadata.json"].map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
            for text in texts + stored {
                #expect(!text.contains(password) && !text.contains(custom), "\(text.prefix(300))")
            }
            #expect(stored[1].contains("127.0.0.1"), "the stored base URL keeps the host")
        }
    }

    @Test("listModels: the provider's own listing, OpenAI-style, Anthropic-paginated and Gemini-paginated with limits")
    func providerListing() async throws {
        let server = try await ScriptedProviderServer.start(models: ["alpha", "beta", "gamma", "delta", "epsilon"])
        let openAI = CopilotClient(options: .init(provider: ProviderConfig(baseURL: server.baseURL)))
        #expect(try await openAI.listModels().map(\.id) == ["alpha", "beta", "gamma", "delta", "epsilon"])
        try await openAI.stop()

        let anthropic = CopilotClient()
        let models = try await anthropic.listModels(provider: ProviderConfig(type: .anthropic, baseURL: server.rootURL + "/v1", apiKey: "ant-key-000"))
        #expect(models.map(\.id) == ["alpha", "beta", "gamma", "delta", "epsilon"])
        #expect(models.first?.name == "ALPHA")
        let pages = server.requests.filter { $0.headers["anthropic-version"] != nil }
        #expect(pages.map(\.path) == ["/v1/models?limit=100", "/v1/models?limit=100&after_id=beta", "/v1/models?limit=100&after_id=delta"])
        #expect(pages.allSatisfy { $0.headers["x-api-key"] == "ant-key-000" })
        try await anthropic.stop()

        let gemini = CopilotClient()
        let listed = try await gemini.listModels(provider: ProviderConfig(type: .gemini, baseURL: server.rootURL, apiKey: "goog-key-000"))
        #expect(listed.map(\.id) == ["alpha", "beta", "gamma", "delta", "epsilon"])
        #expect(listed.first?.name == "ALPHA")
        #expect(listed.first?.capabilities.limits.maxPromptTokens == 1_048_576)
        #expect(listed.first?.capabilities.limits.maxContextWindowTokens == 1_048_576 + 65536)
        #expect(listed.first?.capabilities.supports.reasoningEffort == true)
        let geminiPages = server.requests.filter { $0.headers["x-goog-api-key"] != nil }
        #expect(geminiPages.map(\.path) == ["/v1beta/models?pageSize=1000", "/v1beta/models?pageSize=1000&pageToken=2", "/v1beta/models?pageSize=1000&pageToken=4"])
        try await gemini.stop()
        try await server.shutdown()
    }

    @Test("Google's error bodies: the status name is the error type, and a RetryInfo delay is waited for")
    func googleErrorBody() async throws {
        let body = #"{"error":{"code":429,"message":"Quota exceeded.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}"#
        let error = ProviderError.fromHTTPResponse(
            status: 429, headers: [:], body: Array(body.utf8), url: "http://127.0.0.1/v1beta", redactor: SecretRedactor(config: ProviderConfig(baseURL: "http://127.0.0.1")))
        #expect(error.code == .rateLimited)
        #expect(error.providerErrorType == "RESOURCE_EXHAUSTED")
        #expect(error.retryAfter == .milliseconds(1500))
        #expect(error.message.contains("Quota exceeded"))
        // A delay no client waits, however large the number, is a day at most, not a trap.
        let huge = #"{"error":{"code":429,"message":"later","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1e300s"}]}}"#
        let redactor = SecretRedactor(config: ProviderConfig(baseURL: "http://127.0.0.1"))
        #expect(ProviderError.fromHTTPResponse(status: 429, headers: [:], body: Array(huge.utf8), url: "http://h", redactor: redactor).retryAfter == .seconds(86_400))
        #expect(ProviderError.fromHTTPResponse(status: 429, headers: ["retry-after": "1e30"], body: [], url: "http://h", redactor: redactor).retryAfter == .seconds(86_400))
        // Gemini answers a bad key with 400 and the reason API_KEY_INVALID: that is a credentials problem.
        let badKey = #"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#
        let rejected = ProviderError.fromHTTPResponse(status: 400, headers: [:], body: Array(badKey.utf8), url: "http://h", redactor: redactor)
        #expect(rejected.code == .authenticationFailed && rejected.message.contains("Check the API key"))
    }

    @Test("a base URL with a query is refused without quoting it (a Gemini ?key= never reaches a message)")
    func baseURLQueryRefused() async throws {
        let key = "AIzaSyNEVER-SHOWN-0123456789"
        for base in ["https://generativelanguage.googleapis.com/v1beta?key=\(key)", "https://example.com/v1#\(key)"] {
            #expect {
                try ProviderEndpoint.modelCall(config: ProviderConfig(type: .gemini, baseURL: base), model: "gemini-2.5-flash")
            } throws: { error in
                let error = error as? ProviderError
                return error?.code == .invalidConfiguration && error?.message.contains(key) == false && error?.message.contains("apiKey") == true
            }
        }
    }

    @Test("with onListModels set, the provider is never asked")
    func handlerReplacesListing() async throws {
        let server = try await ScriptedProviderServer.start()
        let client = CopilotClient(options: .init(provider: ProviderConfig(baseURL: server.baseURL), onListModels: { [ModelInfo(id: "mine")] }))
        #expect(try await client.listModels().map(\.id) == ["mine"])
        #expect(server.requests.isEmpty)
        try await client.stop()
        try await server.shutdown()
    }

    @Test("Azure Responses with an api-version too old for it is refused with a clear message")
    func azureOldVersion() {
        let config = ProviderConfig(type: .azure, baseURL: "https://r.openai.azure.com", wireAPI: .responses, azure: .init(apiVersion: "2024-10-21"))
        #expect {
            try ProviderEndpoint.modelCall(config: config, model: "d")
        } throws: { error in
            String(describing: error).contains("cannot serve the Responses API")
        }
    }
}
