import CopilotRuntime
import CopilotProviders
import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Testing

/// The package's root folder, and the Python of the interop tests' venv (`scripts/test.sh` makes it).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let interopPython = repositoryRoot.appendingPathComponent(".venv/bin/python").path

/// Runs `body` with a started scripted server and a client, and shuts both down afterwards.
func withScriptedClient<T>(
    turns: [ScriptedTurn],
    options: CopilotClientOptions = CopilotClientOptions(retryPolicy: .none),
    responder: (@Sendable (RecordedRequest) -> ScriptedTurn?)? = nil,
    _ body: (CopilotClient, ScriptedProviderServer) async throws -> T
) async throws -> T {
    let server = try await ScriptedProviderServer.start(turns: turns, responder: responder)
    let client = CopilotClient(options: options)
    do {
        let result = try await body(client, server)
        try await client.stop()
        try await server.shutdown()
        return result
    } catch {
        try? await client.stop()
        try? await server.shutdown()
        throw error
    }
}

/// A session config pointing at `server`.
func scriptedConfig(
    _ server: ScriptedProviderServer, tools: [Tool] = [], streaming: Bool = false, apiKey: String? = nil,
    permission: PermissionHandler? = .approveAll, maxTurns: Int = 50, type: ProviderConfig.ProviderType = .openai
) -> SessionConfig {
    SessionConfig(
        model: "scripted-model",
        provider: ProviderConfig(type: type, baseURL: type == .openai ? server.baseURL : server.rootURL, apiKey: apiKey),
        tools: tools, streaming: streaming, maxTurns: maxTurns, onPermissionRequest: permission)
}

/// Sends `prompt` and collects every event up to and including the `session.idle` that ends it.
func runToIdle(
    _ session: CopilotSession, _ prompt: String, attachments: [Attachment] = [], timeout: Duration = .seconds(15)
) async throws -> [SessionEvent] {
    let stream = session.events
    let messageID = try await session.send(MessageOptions(prompt: prompt, attachments: attachments))
    return try await withThrowingTaskGroup(of: [SessionEvent].self) { group in
        group.addTask {
            var collected: [SessionEvent] = []
            var started = false
            for await event in stream {
                if case .userMessage(let message) = event.payload, message.messageId == messageID { started = true }
                guard started else { continue }
                collected.append(event)
                if case .sessionIdle = event.payload { return collected }
            }
            Issue.record("event stream ended before session.idle")
            return collected
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TestTimeout()
        }
        defer { group.cancelAll() }
        return try await group.next() ?? []
    }
}

struct TestTimeout: Error {}

extension Array where Element == SessionEvent {
    /// The type strings, in order.
    var types: [String] { map(\.type) }

    /// The persisted types only (what a transcript would hold).
    var persistedTypes: [String] { filter { !$0.ephemeral }.map(\.type) }
}

/// Lets `count` concurrent callers through only once all have arrived; fails if they never all do.
actor Barrier {
    private let count: Int
    private var arrived = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(count: Int) { self.count = count }

    func arrive(timeout: Duration = .seconds(5)) async throws {
        arrived += 1
        if arrived >= count {
            release()
            return
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.release()
        }
        await withCheckedContinuation { waiters.append($0) }
        timer.cancel()
        if arrived < count { throw TestTimeout() }
    }

    /// Releases everyone still waiting (called when a test gives up).
    func release() {
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}

extension String {
    /// This text without the `<current_datetime>` block the runtime adds to every user message.
    var withoutDatetime: String {
        replacing(#/\n\n<current_datetime>[^<]*</current_datetime>/#, with: "")
    }
}

extension JSONValue {
    /// This value with the `<current_datetime>` block the runtime adds to user messages taken out
    /// of every string in it, for comparing requests made at different times.
    var withoutDatetime: JSONValue {
        switch self {
        case .string(let text): .string(text.withoutDatetime)
        case .array(let items): .array(items.map(\.withoutDatetime))
        case .object(let fields): .object(fields.mapValues(\.withoutDatetime))
        default: self
        }
    }
}
