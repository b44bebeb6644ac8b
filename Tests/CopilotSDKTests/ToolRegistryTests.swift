import CopilotRuntime
import CopilotProviders
import CopilotCore
import CopilotTesting
import Foundation
import Synchronization
import Testing

/// A tool source of the test's own: offers the tools it is given and records the calls it runs.
private final class RecordingSource: ToolSource {
    let offered: Mutex<[SourcedTool]>
    let calls = Mutex<[(name: String, arguments: JSONValue)]>([])

    init(_ tools: [SourcedTool]) { offered = Mutex(tools) }

    var tools: [SourcedTool] { offered.withLock { $0 } }

    func run(_ context: ToolCallContext) async throws -> ToolRunOutput {
        calls.withLock { $0.append((context.call.name, context.arguments)) }
        if let refusal = await context.permit(
            PermissionRequest(kind: .mcp, toolCallId: context.call.id, toolName: context.call.name, args: context.arguments))
        {
            return ToolRunOutput(refusal)
        }
        return ToolRunOutput(.success("\(context.call.name) ran with \(context.arguments["q"]?.stringValue ?? "-")"))
    }
}

private func tool(_ name: String, origin: ToolOrigin = .mcp(server: "test", tool: "t")) -> SourcedTool {
    SourcedTool(ToolDefinition(name: name, description: "The \(name) tool", parameters: ["type": "object"]), origin: origin)
}

@Suite("The tool registry: sources that come and go while a session lives")
struct ToolRegistryTests {
    @Test("the offered list: sources in order, the session's filters on every source, a tool that is not built in replaces a built-in one")
    func offeredList() {
        var registry = ToolRegistry(filter: ToolFilter(available: nil, excluded: ["mcp:hidden", "dropped"]))
        registry.register(RecordingSource([tool("view", origin: .builtin), tool("grep", origin: .builtin)]), id: "builtin")
        registry.register(RecordingSource([tool("lookup"), tool("hidden"), tool("view"), tool("dropped")]), id: "mcp:test")
        registry.register(RecordingSource([tool("lookup", origin: .custom), tool("hidden", origin: .custom)]), id: "app")
        #expect(registry.offered().map(\.name) == ["grep", "lookup", "view", "hidden"])
        #expect(registry.offered().first { $0.name == "view" }?.tool.origin == .mcp(server: "test", tool: "t"))
        #expect(registry.offered().first { $0.name == "lookup" }?.tool.origin == .mcp(server: "test", tool: "t"), "the first source keeps a name")

        registry.register(RecordingSource([tool("other")]), id: "mcp:test")
        #expect(registry.offered().map(\.name) == ["view", "grep", "other", "lookup", "hidden"], "a source replaced in its place")
        registry.unregister(id: "mcp:test")
        #expect(registry.offered().map(\.name) == ["view", "grep", "lookup", "hidden"])

        let only = ToolRegistry(filter: ToolFilter(available: ["mcp:*", "grep"], excluded: nil))
        var filtered = only
        filtered.register(RecordingSource([tool("view", origin: .builtin), tool("grep", origin: .builtin)]), id: "builtin")
        filtered.register(RecordingSource([tool("lookup"), tool("find")]), id: "mcp:test")
        filtered.register(RecordingSource([tool("mine", origin: .custom)]), id: "app")
        #expect(filtered.offered().map(\.name) == ["grep", "lookup", "find"])
    }

    @Test("a source registered mid-session is offered from the next model call, runs with the hooks and permission around it, and is gone once unregistered")
    func sourceComesAndGoes() async throws {
        let server = try await ScriptedProviderServer.start(turns: [
            .text("no lookup yet"),
            .toolCalls([(name: "lookup", arguments: #"{"q":"swift"}"#)]), .text("found it"),
            .toolCalls([(name: "lookup", arguments: #"{"q":"denied"}"#)]),
            .text("lookup is gone"),
        ])
        let transport = AsyncHTTPClientTransport()
        let asked = Mutex<[PermissionRequest]>([])
        let config = SessionConfig(
            model: "scripted-model", provider: ProviderConfig(type: .openai, baseURL: server.baseURL), builtInTools: [],
            hooks: SessionHooks(
                onPreToolUse: { input in PreToolUseOutput(modifiedArgs: ["q": .string((input.toolArgs["q"]?.stringValue ?? "") + "!")]) },
                onPostToolUse: { _ in PostToolUseOutput(additionalContext: "checked by the hook") }),
            onPermissionRequest: PermissionHandler { request, _ in
                asked.withLock { $0.append(request) }
                return request.args?["q"] == "denied!" ? .reject() : .approveOnce
            })
        let idle = AsyncStream<Void>.makeStream()
        let completed = Mutex<[SessionEvent.ToolExecutionComplete]>([])
        let engine = try SessionEngine(
            sessionId: "registry", config: config, providerContext: ProviderContext(transport: transport, retryPolicy: .none)
        ) { event in
            if case .toolExecutionComplete(let complete) = event.payload { completed.withLock { $0.append(complete) } }
            if case .sessionIdle = event.payload { idle.continuation.yield() }
        }
        var idles = idle.stream.makeAsyncIterator()
        func turn(_ prompt: String) async throws {
            _ = try await engine.send(MessageOptions(prompt: prompt))
            _ = await idles.next()
        }
        func offeredNames(_ call: Int) -> [String] {
            server.modelCalls[call].json?["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue } ?? []
        }

        await engine.start()
        try await turn("first")
        #expect(offeredNames(0).isEmpty)

        let source = RecordingSource([tool("lookup")])
        await engine.register(source, id: "mcp:test")
        try await turn("second")
        #expect(offeredNames(1) == ["lookup"])
        #expect(source.calls.withLock { $0.map(\.arguments) } == [["q": "swift!"]], "the preToolUse hook's arguments reach the source")
        let result = server.modelCalls[2].json?["messages"]?.arrayValue?.last?["content"]?.stringValue
        #expect(result == "lookup ran with swift!\n\nchecked by the hook")
        #expect(asked.withLock { $0.map(\.kind) } == [.mcp])

        try await turn("third")
        let refused = try #require(completed.withLock { $0.last })
        #expect(refused.success == false && refused.error?.code == "rejected", "a refusal ends the call, and the user's no ends the turn")
        #expect(server.modelCalls.count == 4)

        await engine.unregister(toolSource: "mcp:test")
        try await turn("fourth")
        #expect(offeredNames(server.modelCalls.count - 1).isEmpty)

        await engine.close()
        try await transport.shutdown()
        try await server.shutdown()
    }
}
