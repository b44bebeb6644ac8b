import CopilotRuntime
import CopilotProviders
import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Logging
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The built `copilot-swift` next to the test bundle (swift build builds it with the tests).
func copilotSwiftBinary() throws -> String {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let binary = directory.appendingPathComponent("copilot-swift").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw CopilotError(code: .invalidConfiguration, message: "copilot-swift is not built at \(binary); run swift build first")
    }
    return binary
}

/// `copilot-swift server --port 0` in the background, with a connection token and any further arguments.
final class BackgroundServer: Sendable {
    let port: Int
    private let process: Process.Box

    init(token: String, arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try copilotSwiftBinary())
        process.arguments = ["server", "--port", "0"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["COPILOT_CONNECTION_TOKEN": token]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let port = text.split(separator: " ").last.flatMap({ Int($0) }) else {
            process.terminate()
            throw CopilotError(code: .invalidConfiguration, message: "unexpected banner: \(text)")
        }
        self.port = port
        self.process = Process.Box(process)
    }

    /// SIGTERM: the server closes its sessions (completing and releasing their logs) and exits.
    func stop() {
        process.value.terminate()
        process.value.waitUntilExit()
    }

    /// SIGKILL: nothing is closed, as in a crash.
    func crash() {
        kill(process.value.processIdentifier, SIGKILL)
        process.value.waitUntilExit()
    }
}

extension Process {
    /// Holds a `Process` that only this test file starts and stops.
    final class Box: @unchecked Sendable {
        // Safe: created, terminated and waited on from one test at a time.
        let value: Process
        init(_ value: Process) { self.value = value }
    }
}

@Suite("Remote mode: CopilotClient with runtime .spawn and .connect against copilot-swift server")
struct RemoteModeTests {
    func remoteClient() throws -> CopilotClient {
        CopilotClient(options: CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary())))
    }

    @Test("the seed example runs the same through a spawned runtime, with the same events")
    func seedExample() async throws {
        let server = try await ScriptedProviderServer.start(turns: [.text("2+2 equals 4."), .text("2+2 equals 4.")])
        let remote = try remoteClient()
        let session = try await remote.createSession(scriptedConfig(server, apiKey: "sk-remote-test-key"))
        let seen = Mutex<[String]>([])
        session.on(.assistantMessage) { message in seen.withLock { $0.append(message.content) } }
        let remoteEvents = try await runToIdle(session, "What is 2+2?")
        #expect(seen.withLock { $0 } == ["2+2 equals 4."])
        await session.disconnect()
        try await remote.stop()

        let local = CopilotClient(options: .init(retryPolicy: .none))
        let localSession = try await local.createSession(scriptedConfig(server, apiKey: "sk-remote-test-key"))
        let localEvents = try await runToIdle(localSession, "What is 2+2?")
        try await local.stop()
        #expect(remoteEvents.types == localEvents.types)
        #expect(server.modelCalls.map(\.json?.withoutDatetime) == [server.modelCalls[1].json?.withoutDatetime, server.modelCalls[1].json?.withoutDatetime], "the provider sees the same request")
        #expect(server.modelCalls.first?.headers["authorization"] == "Bearer sk-remote-test-key")
        try await server.shutdown()
    }

    @Test("a spawned runtime reads the app's environment, its standard error reaches the app's logger, and it is ended even when it ignores SIGTERM and never answers")
    func spawnedRuntimeIsOwned() async throws {
        setenv("COPILOT_TEST_RUNTIME_SEES", "the-apps-own-value", 1)
        defer { unsetenv("COPILOT_TEST_RUNTIME_SEES") }
        // Not a runtime at all: it says who it is, ignores SIGTERM and closes its output, so the
        // handshake fails at once and the client has to end it.
        let script = #"echo "pid $$ sees $COPILOT_TEST_RUNTIME_SEES" >&2; trap '' TERM; exec sleep 600 >/dev/null"#
        let lines = CollectingLogHandler.LogLines()
        let client = CopilotClient(options: CopilotClientOptions(
            retryPolicy: .none, logger: Logger(label: "test") { _ in CollectingLogHandler(lines: lines) },
            runtime: .spawn(path: "/bin/sh", arguments: ["-c", script])))
        await #expect(throws: (any Error).self) { try await client.start() }
        let said = try #require(lines.all.first { $0.contains("runtime: pid ") })
        #expect(said.contains("sees the-apps-own-value"))
        let pid = try #require(said.split(separator: " ").firstIndex(of: "pid").map { Int32(said.split(separator: " ")[$0 + 1]) } ?? nil)
        // Reaped by the client, so the process id is free (or someone else's, which is not a sleep of ours).
        let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        #expect(!command.hasPrefix("sleep\u{0}600"), "the runtime outlived its client")
        try await client.stop()
    }

    @Test("tools run on this side; permissions are asked here; a rejection ends the turn")
    func toolsAndPermissions() async throws {
        let server = try await ScriptedProviderServer.start(turns: [
            .toolCalls([("get_weather", #"{"city":"Paris"}"#)]), .text("18°C in Paris."),
            .toolCalls([("get_weather", #"{"city":"Oslo"}"#)]),
        ])
        let asked = Mutex<[String]>([])
        let weather = Tool(name: "get_weather", description: "Weather", parameters: ["type": "object"]) { (args: WeatherArguments, _) in
            .success("18°C in \(args.city)")
        }
        let remote = try remoteClient()
        var config = scriptedConfig(server, tools: [weather])
        config.onPermissionRequest = PermissionHandler { request, _ in
            let city = request.args?["city"]?.stringValue ?? ""
            asked.withLock { $0.append(city) }
            return city == "Oslo" ? .reject(feedback: "not Oslo") : .approveOnce
        }
        let session = try await remote.createSession(config)
        let reply = try await session.sendAndWait("Weather in Paris?")
        #expect(reply.content == "18°C in Paris.")
        let toolMessage = server.modelCalls[1].json?["messages"]?.arrayValue?.first { $0["role"] == "tool" }
        #expect(toolMessage?["content"] == "18°C in Paris")

        let events = try await runToIdle(session, "And Oslo?")
        let done = events.compactMap { event -> SessionEvent.ToolExecutionComplete? in
            if case .toolExecutionComplete(let done) = event.payload { done } else { nil }
        }
        #expect(done.first?.success == false)
        #expect(done.first?.error?.message.contains("not Oslo") == true)
        #expect(server.modelCalls.count == 3)
        #expect(asked.withLock { $0 } == ["Paris", "Oslo"])
        try await remote.stop()
        try await server.shutdown()
    }

    @Test("onListModels answers on this side; the runtime is never asked")
    func listModels() async throws {
        let calls = Mutex(0)
        let client = CopilotClient(options: CopilotClientOptions(runtime: .spawn(path: try copilotSwiftBinary()), onListModels: {
            calls.withLock { $0 += 1 }
            return [ModelInfo(id: "local-model")]
        }))
        try await client.start()
        #expect(try await client.listModels().map(\.id) == ["local-model"])
        #expect(try await client.listModels().map(\.id) == ["local-model"])
        #expect(calls.withLock { $0 } == 1)
        try await client.stop()
    }

    @Test("a preToolUse hook on this side denies a tool in the runtime")
    func preToolUseHook() async throws {
        let server = try await ScriptedProviderServer.start(turns: [.toolCalls([("delete_all", "{}")]), .text("OK, I won't.")])
        let ran = Mutex(false)
        let tool = Tool(name: "delete_all", description: "Deletes") { _ in
            ran.withLock { $0 = true }
            return "deleted"
        }
        let remote = try remoteClient()
        var config = scriptedConfig(server, tools: [tool])
        config.hooks = SessionHooks(onPreToolUse: { input in
            input.toolName == "delete_all" ? PreToolUseOutput(permissionDecision: "deny", permissionDecisionReason: "never in tests") : nil
        })
        let session = try await remote.createSession(config)
        _ = try await session.sendAndWait("Clean up")
        #expect(!ran.withLock { $0 })
        let toolMessage = server.modelCalls.last?.json?["messages"]?.arrayValue?.first { $0["role"] == "tool" }
        #expect(toolMessage?["content"]?.stringValue?.contains("never in tests") == true)
        try await remote.stop()
        try await server.shutdown()
    }

    @Test("abort mid-stream through the runtime, then the session still works")
    func abort() async throws {
        let slow = ScriptedTurn.text(String(repeating: "word ", count: 400), delivery: .init(delay: .milliseconds(50)))
        let server = try await ScriptedProviderServer.start(turns: [slow, .text("Back.")])
        let remote = try remoteClient()
        let session = try await remote.createSession(scriptedConfig(server, streaming: true))
        let aborted = Mutex(false)
        let subscription = session.on(.assistantMessageDelta) { _ in
            let first = aborted.withLock { value in
                defer { value = true }
                return !value
            }
            if first { Task { await session.abort() } }
        }
        let events = try await runToIdle(session, "Talk a lot")
        subscription.cancel()
        #expect(Array(events.types.suffix(2)) == ["abort", "session.idle"])
        #expect(try await session.sendAndWait("Still there?").content == "Back.")
        try await remote.stop()
        try await server.shutdown()
    }

    @Test("resume after a client restart, over TCP with a connection token; a wrong token is refused")
    func resumeAndToken() async throws {
        let provider = try await ScriptedProviderServer.start(turns: [.text("Noted."), .text("Pineapple.")])
        let runtime = try BackgroundServer(token: "swift-token-1")
        defer { runtime.stop() }

        let first = CopilotClient(options: .init(retryPolicy: .none, runtime: .connect(address: "127.0.0.1:\(runtime.port)", token: "swift-token-1")))
        let session = try await first.createSession(scriptedConfig(provider))
        _ = try await session.sendAndWait("Remember the word pineapple.")
        let id = session.sessionId
        try await first.stop()

        let second = CopilotClient(options: .init(retryPolicy: .none, runtime: .connect(address: "127.0.0.1:\(runtime.port)", token: "swift-token-1")))
        let resumed = try await second.resumeSession(id, scriptedConfig(provider))
        #expect(try await resumed.sendAndWait("What was the word?").content == "Pineapple.")
        let users = provider.modelCalls.last?.json?["messages"]?.arrayValue?.filter { $0["role"] == "user" }.map { $0["content"]?.withoutDatetime }
        #expect(users == ["Remember the word pineapple.", "What was the word?"])
        try await second.stop()

        let intruder = CopilotClient(options: .init(runtime: .connect(address: "127.0.0.1:\(runtime.port)", token: "wrong")))
        await #expect {
            try await intruder.start()
        } throws: { error in
            String(describing: error).contains("AUTHENTICATION_FAILED")
        }
        try await intruder.stop()
        try await provider.shutdown()
    }
}
