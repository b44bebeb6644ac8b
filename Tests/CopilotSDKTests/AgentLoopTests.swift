import CopilotRuntime
import CopilotProviders
import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization
import Testing

struct WeatherArguments: Codable, Sendable {
    var city: String
}

@Suite("Agent loop against the scripted provider")
struct AgentLoopTests {
    @Test("the seed example: callback, sendAndWait, event order, and the request the provider saw")
    func seedExample() async throws {
        try await withScriptedClient(turns: [.text("2+2 equals 4.")]) { client, server in
            try await client.start()
            let session = try await client.createSession(scriptedConfig(server, apiKey: "sk-seed-example-key"))
            let seen = Mutex<[String]>([])
            session.on(.assistantMessage) { message in seen.withLock { $0.append(message.content) } }

            let stream = session.events
            let reply = try await session.sendAndWait(MessageOptions(prompt: "What is 2+2?"))
            #expect(reply.content == "2+2 equals 4.")
            #expect(seen.withLock { $0 } == ["2+2 equals 4."])

            var events: [SessionEvent] = []
            for await event in stream {
                events.append(event)
                if event.type == "session.idle" { break }
            }
            // The queue took the message in and out (pending_messages.modified), then the turn, and
            // how full the context is after the model call (session.usage_info).
            #expect(events.types == [
                "pending_messages.modified", "pending_messages.modified", "user.message", "assistant.turn_start", "assistant.message",
                "assistant.usage", "session.usage_info", "assistant.turn_end", "session.idle",
            ])
            // parentId chains each persisted event to the previous persisted one.
            let persisted = events.filter { !$0.ephemeral }
            for (previous, next) in zip(persisted, persisted.dropFirst()) { #expect(next.parentId == previous.id) }

            let request = try #require(server.modelCalls.first)
            #expect(request.headers["authorization"] == "Bearer sk-seed-example-key")
            let body = try #require(request.json)
            #expect(body["model"] == "scripted-model")
            #expect(body["stream"] == false, "a session that does not stream asks for one answer, as the official runtime does")
            #expect(body["messages"]?.arrayValue?.last?.withoutDatetime == ["role": "user", "content": "What is 2+2?"])
            #expect(body["messages"]?.arrayValue?.first?["role"] == "system")
            await session.disconnect()
        }
    }

    @Test("streaming: message_start, deltas that join to the message, reasoning, at any chunking", arguments: [nil, 1, 7, 64])
    func streaming(chunkSize: Int?) async throws {
        let turn = ScriptedTurn.text("Hello there, streaming world!", reasoning: "Greet them.", delivery: .init(chunkSize: chunkSize))
        try await withScriptedClient(turns: [turn]) { client, server in
            let session = try await client.createSession(scriptedConfig(server, streaming: true))
            let events = try await runToIdle(session, "Hi")
            let deltas = events.compactMap { event -> SessionEvent.AssistantMessageDelta? in
                if case .assistantMessageDelta(let delta) = event.payload { delta } else { nil }
            }
            let message = try #require(events.compactMap { event -> SessionEvent.AssistantMessage? in
                if case .assistantMessage(let message) = event.payload { message } else { nil }
            }.first)
            #expect(deltas.map(\.deltaContent).joined() == "Hello there, streaming world!")
            #expect(deltas.allSatisfy { $0.messageId == message.messageId })
            #expect(message.reasoningText == "Greet them.")
            let types = events.types
            let start = try #require(types.firstIndex(of: "assistant.message_start"))
            let firstDelta = try #require(types.firstIndex(of: "assistant.message_delta"))
            #expect(start < firstDelta)
            #expect(types.contains("assistant.reasoning_delta"))
            #expect(types.firstIndex(of: "assistant.reasoning")! < types.firstIndex(of: "assistant.message")!)
            #expect(types.last == "session.idle")
            #expect(events.filter { $0.type == "assistant.message_delta" }.allSatisfy { $0.ephemeral })
        }
    }

    @Test("a tool turn with two parallel calls: both run at once, each asks permission, results go back")
    func parallelTools() async throws {
        let turns: [ScriptedTurn] = [
            .toolCalls([("get_weather", #"{"city":"Paris"}"#), ("get_time", #"{"tz":"UTC"}"#)], text: "Let me check."),
            .text("Paris: 18°C at 14:02."),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            let barrier = Barrier(count: 2)
            let weather = Tool(
                name: "get_weather", description: "Current weather",
                parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]
            ) { (args: WeatherArguments, _) in
                try await barrier.arrive()
                return .success("18°C in \(args.city)")
            }
            let time = Tool(name: "get_time", description: "Current time") { invocation in
                try await barrier.arrive()
                return "14:02 \(invocation.arguments["tz"]?.stringValue ?? "?")"
            }
            let asked = Mutex<[String]>([])
            let permission = PermissionHandler { request, _ in
                asked.withLock { $0.append(request.toolName ?? "") }
                return .approveOnce
            }
            let session = try await client.createSession(scriptedConfig(server, tools: [weather, time], permission: permission))
            let events = try await runToIdle(session, "Weather and time in Paris?")

            #expect(events.types.last == "session.idle")
            #expect(events.types.filter { $0 == "assistant.turn_start" }.count == 2)
            #expect(Set(asked.withLock { $0 }) == ["get_weather", "get_time"])
            let completions = events.compactMap { event -> SessionEvent.ToolExecutionComplete? in
                if case .toolExecutionComplete(let done) = event.payload { done } else { nil }
            }
            #expect(completions.count == 2)
            #expect(completions.allSatisfy { $0.success }, "both tools passed the barrier only because they ran concurrently")
            // Each tool's start precedes its permission and completion.
            for id in ["call_1_get_weather", "call_2_get_time"] {
                let start = events.firstIndex { if case .toolExecutionStart(let s) = $0.payload { s.toolCallId == id } else { false } }
                let done = events.firstIndex { if case .toolExecutionComplete(let d) = $0.payload { d.toolCallId == id } else { false } }
                #expect(start != nil && done != nil && start! < done!)
            }
            let first = try #require(events.first { $0.type == "assistant.message" })
            if case .assistantMessage(let message) = first.payload {
                #expect(message.toolRequests?.map(\.name) == ["get_weather", "get_time"])
                #expect(message.toolRequests?.first?.arguments == ["city": "Paris"])
            }

            #expect(server.modelCalls.count == 2)
            let messages = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue)
            let assistant = try #require(messages.first { $0["role"] == "assistant" })
            #expect(assistant["content"] == "Let me check.")
            #expect(assistant["tool_calls"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["call_1_get_weather", "call_2_get_time"])
            let toolMessages = messages.filter { $0["role"] == "tool" }
            #expect(toolMessages.map { $0["tool_call_id"] } == ["call_1_get_weather", "call_2_get_time"])
            #expect(toolMessages.map { $0["content"] } == ["18°C in Paris", "14:02 UTC"])
        }
    }

    @Test("a rejected permission: the tool never runs, no further model call, and the model later sees why")
    func deniedPermission() async throws {
        let turns: [ScriptedTurn] = [.toolCalls([("delete_everything", "{}")]), .text("Understood.")]
        try await withScriptedClient(turns: turns) { client, server in
            let ran = Mutex(false)
            let tool = Tool(name: "delete_everything", description: "Dangerous") { _ in
                ran.withLock { $0 = true }
                return "done"
            }
            let session = try await client.createSession(
                scriptedConfig(server, tools: [tool], permission: PermissionHandler { _, _ in .reject(feedback: "not today") }))
            let events = try await runToIdle(session, "Clean up")
            #expect(!ran.withLock { $0 })
            #expect(server.modelCalls.count == 1)
            #expect(events.types.last == "session.idle")
            let done = try #require(events.compactMap { event -> SessionEvent.ToolExecutionComplete? in
                if case .toolExecutionComplete(let done) = event.payload { done } else { nil }
            }.first)
            #expect(!done.success)
            #expect(done.error?.code == "rejected")
            #expect(done.error?.message.contains("The user rejected this tool call.") == true)
            let completed = events.compactMap { event -> SessionEvent.PermissionCompleted? in
                if case .permissionCompleted(let completed) = event.payload { completed } else { nil }
            }
            #expect(completed.map(\.result.kind) == ["denied-interactively-by-user"])

            _ = try await runToIdle(session, "OK, never mind")
            let messages = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue)
            let toolMessage = try #require(messages.first { $0["role"] == "tool" })
            #expect(toolMessage["content"]?.stringValue?.contains("not today") == true)
        }
    }

    @Test("without a permission handler a tool call is denied and the model is told")
    func noPermissionHandler() async throws {
        let turns: [ScriptedTurn] = [.toolCalls([("write_file", "{}")]), .text("I could not write it.")]
        try await withScriptedClient(turns: turns) { client, server in
            let tool = Tool(name: "write_file", description: "Writes") { _ in "written" }
            let session = try await client.createSession(scriptedConfig(server, tools: [tool], permission: nil))
            let events = try await runToIdle(session, "Write it")
            let done = events.compactMap { event -> SessionEvent.ToolExecutionComplete? in
                if case .toolExecutionComplete(let done) = event.payload { done } else { nil }
            }
            #expect(done.first?.success == false)
            #expect(done.first?.error?.message.contains("no permission handler") == true)
            let toolMessage = server.modelCalls.last?.json?["messages"]?.arrayValue?.first { $0["role"] == "tool" }
            #expect(toolMessage?["content"] == "Permission denied and could not request permission from user")
            #expect(events.types.last == "session.idle")
        }
    }

    @Test("an HTTP error turn becomes session.error, then session.idle; sendAndWait throws the provider's message")
    func errorTurn() async throws {
        try await withScriptedClient(turns: [.error(status: 500, message: "model exploded"), .error(status: 500, message: "again")]) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            let events = try await runToIdle(session, "Hi")
            #expect(events.types == ["user.message", "assistant.turn_start", "assistant.turn_end", "session.error", "session.idle"])
            guard case .sessionError(let error) = events[3].payload else { Issue.record("no session.error"); return }
            #expect(error.statusCode == 500)
            #expect(error.message.contains("model exploded"))
            #expect(error.errorType == "model_call")
            #expect(error.providerCallId == nil || error.providerCallId?.isEmpty == false)

            await #expect {
                try await session.sendAndWait("Hi again")
            } throws: { error in
                (error as? CopilotError)?.code == .sessionError && String(describing: error).contains("again")
            }
        }
    }

    @Test("a stream that ends before it is complete is an error, not a silent partial answer")
    func truncatedStream() async throws {
        let turn = ScriptedTurn.text("This answer will be cut off somewhere", delivery: .init(truncateAfterEvents: 3))
        try await withScriptedClient(turns: [turn]) { client, server in
            let session = try await client.createSession(scriptedConfig(server, streaming: true))
            let events = try await runToIdle(session, "Tell me")
            #expect(!events.types.contains("assistant.message"))
            let error = events.compactMap { event -> SessionEvent.SessionError? in
                if case .sessionError(let error) = event.payload { error } else { nil }
            }.first
            #expect(error?.errorCode == "stream_ended_early")
            #expect(events.types.last == "session.idle")
        }
    }

    @Test("invalid arguments for a typed tool reach the model as an error it can act on, never the handler")
    func invalidTypedArguments() async throws {
        let turns: [ScriptedTurn] = [.toolCalls([("get_weather", #"{"town":"Paris"}"#)]), .text("Sorry.")]
        try await withScriptedClient(turns: turns) { client, server in
            let called = Mutex(false)
            let weather = Tool(name: "get_weather", description: "Weather", parameters: ["type": "object"]) { (args: WeatherArguments, _) in
                called.withLock { $0 = true }
                return .success(args.city)
            }
            let session = try await client.createSession(scriptedConfig(server, tools: [weather]))
            let events = try await runToIdle(session, "Weather?")
            #expect(!called.withLock { $0 })
            let toolMessage = server.modelCalls.last?.json?["messages"]?.arrayValue?.first { $0["role"] == "tool" }
            let text = try #require(toolMessage?["content"]?.stringValue)
            #expect(text.contains("missing required field `city`"))
            #expect(events.types.last == "session.idle")
        }
    }

    @Test("unknown tools and malformed JSON arguments are reported to the model")
    func unknownToolAndBadJSON() async throws {
        let turns: [ScriptedTurn] = [
            .toolCalls([("no_such_tool", "{}"), ("echo", "{not json")]),
            .text("Done."),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            let echo = Tool(name: "echo", description: "Echo") { invocation in .success(invocation.arguments.jsonString) }
            let session = try await client.createSession(scriptedConfig(server, tools: [echo]))
            let events = try await runToIdle(session, "Go")
            let contents = server.modelCalls.last?.json?["messages"]?.arrayValue?.filter { $0["role"] == "tool" }.compactMap { $0["content"]?.stringValue } ?? []
            #expect(contents.count == 2)
            #expect(contents.first?.contains("does not exist") == true)
            #expect(contents.last?.contains("not a JSON object") == true)
            #expect(events.types.last == "session.idle")
        }
    }

    @Test("a handler that throws: the model gets the official generic text, the event gets the detail")
    func throwingTool() async throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "Melbourne is unreachable" } }
        let turns: [ScriptedTurn] = [.toolCalls([("lookup", #"{"q":"x"}"#)]), .text("It failed.")]
        try await withScriptedClient(turns: turns) { client, server in
            let tool = Tool(name: "lookup", description: "Lookup") { _ in throw Boom() }
            let session = try await client.createSession(scriptedConfig(server, tools: [tool]))
            let events = try await runToIdle(session, "Look it up")
            let done = events.compactMap { event -> SessionEvent.ToolExecutionComplete? in
                if case .toolExecutionComplete(let done) = event.payload { done } else { nil }
            }.first
            #expect(done?.error?.message == "Melbourne is unreachable")
            let toolMessage = server.modelCalls.last?.json?["messages"]?.arrayValue?.first { $0["role"] == "tool" }
            let text = try #require(toolMessage?["content"]?.stringValue)
            #expect(text.hasPrefix("Failed to execute `lookup` tool"))
            #expect(!text.contains("Melbourne"))
        }
    }

    @Test("a runaway tool loop stops at the turn limit with a clear error")
    func turnLimit() async throws {
        let loop = ScriptedTurn.toolCalls([("again", "{}")])
        try await withScriptedClient(turns: [loop, loop, loop]) { client, server in
            let tool = Tool(name: "again", description: "Again") { _ in "ok" }
            let session = try await client.createSession(scriptedConfig(server, tools: [tool], maxTurns: 2))
            let events = try await runToIdle(session, "Loop")
            #expect(server.modelCalls.count == 2)
            let error = events.compactMap { event -> SessionEvent.SessionError? in
                if case .sessionError(let error) = event.payload { error } else { nil }
            }.first
            #expect(error?.errorType == "turn_limit")
            #expect(error?.message.contains("maxTurns") == true)
            #expect(events.types.last == "session.idle")
        }
    }

    @Test("abort during a stream: abort, then session.idle(aborted), and the next send works")
    func abortMidStream() async throws {
        let slow = ScriptedTurn.text(String(repeating: "word ", count: 400), delivery: .init(delay: .milliseconds(50)))
        try await withScriptedClient(turns: [slow, .text("Fresh answer.")]) { client, server in
            let session = try await client.createSession(scriptedConfig(server, streaming: true))
            let firstDelta = Mutex(false)
            let aborter = session.on(.assistantMessageDelta) { _ in
                let isFirst = firstDelta.withLock { old in
                    defer { old = true }
                    return !old
                }
                if isFirst { Task { await session.abort() } }
            }
            let events = try await runToIdle(session, "Talk for a long time")
            aborter.cancel()
            #expect(Array(events.types.suffix(2)) == ["abort", "session.idle"])
            if case .sessionIdle(let idle) = events.last?.payload { #expect(idle.aborted == true) }
            #expect(!events.types.contains("assistant.message"))

            let reply = try await session.sendAndWait("Are you there?")
            #expect(reply.content == "Fresh answer.")
        }
    }

    @Test("a message sent while busy waits for the current one and is answered after it")
    func queueing() async throws {
        let slow = ScriptedTurn.text("first answer", delivery: .init(initialDelay: .milliseconds(300)))
        try await withScriptedClient(turns: [slow, .text("second answer")]) { client, server in
            let session = try await client.createSession(scriptedConfig(server))
            let stream = session.events
            let first = try await session.send("one")
            let second = try await session.send("two")
            var order: [String] = []
            var idles = 0
            for await event in stream {
                switch event.payload {
                case .userMessage(let message): order.append("user:\(message.messageId == first ? "one" : message.messageId == second ? "two" : "?")")
                case .assistantMessage(let message): order.append("answer:\(message.content)")
                case .sessionIdle: idles += 1; order.append("idle")
                default: break
                }
                if idles == 2 { break }
            }
            #expect(order == ["user:one", "answer:first answer", "idle", "user:two", "answer:second answer", "idle"])
        }
    }
}

@Suite("ask_user and hooks in process")
struct UserInputAndHookTests {
    @Test("ask_user is offered only with a handler, asks it, and sends the answer back", arguments: [false, true])
    func askUser(remote: Bool) async throws {
        let turns: [ScriptedTurn] = [
            .toolCalls([("ask_user", #"{"question":"Which colour?","choices":["red","blue"]}"#)]),
            .text("Blue it is."),
        ]
        let server = try await ScriptedProviderServer.start(turns: turns)
        let client = CopilotClient(options: .init(retryPolicy: .none, runtime: remote ? .spawn(path: try copilotSwiftBinary()) : .inProcess))
        let asked = Mutex<[UserInputRequest]>([])
        var config = scriptedConfig(server)
        config.onUserInputRequest = UserInputHandler { request in
            asked.withLock { $0.append(request) }
            return UserInputResponse(answer: "blue", wasFreeform: false)
        }
        let session = try await client.createSession(config)
        let reply = try await session.sendAndWait("Pick a colour for me")
        #expect(reply.content == "Blue it is.")
        #expect(asked.withLock { $0 }.map(\.question) == ["Which colour?"])
        #expect(asked.withLock { $0 }.first?.choices == ["red", "blue"])
        let first = try #require(server.modelCalls.first?.json)
        #expect(first["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue } == ["ask_user"])
        let toolMessage = server.modelCalls.last?.json?["messages"]?.arrayValue?.first { $0["role"] == "tool" }
        #expect(toolMessage?["content"] == "User selected: blue", "the official runtime's wording for a choice")
        try await client.stop()
        try await server.shutdown()
    }

    @Test("hooks change outcomes: prompt rewritten, arguments modified, result replaced; a throwing hook is an event, not a hang")
    func hooksChangeOutcomes() async throws {
        struct HookFailure: Error {}
        let turns: [ScriptedTurn] = [.toolCalls([("echo", #"{"text":"original"}"#)]), .text("Done."), .text("Still fine.")]
        try await withScriptedClient(turns: turns) { client, server in
            let received = Mutex<[JSONValue]>([])
            let echo = Tool(name: "echo", description: "Echo") { invocation in
                received.withLock { $0.append(invocation.arguments) }
                return .success(invocation.arguments["text"]?.stringValue ?? "")
            }
            var config = scriptedConfig(server, tools: [echo])
            config.hooks = SessionHooks(
                onPreToolUse: { _ in PreToolUseOutput(modifiedArgs: ["text": "modified"]) },
                onPostToolUse: { input in PostToolUseOutput(modifiedResult: .success("post:" + input.toolResult.textResultForLlm)) },
                onUserPromptSubmitted: { input in UserPromptSubmittedOutput(modifiedPrompt: input.prompt.uppercased()) },
                onSessionStart: { _ in throw HookFailure() })
            let session = try await client.createSession(config)
            let events = try await runToIdle(session, "please echo")
            #expect(received.withLock { $0 } == [["text": "modified"]])
            let messages = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue)
            #expect(messages.first { $0["role"] == "user" }?["content"]?.withoutDatetime == "PLEASE ECHO")
            #expect(messages.first { $0["role"] == "tool" }?["content"] == "post:modified")
            #expect(events.types.last == "session.idle")
            #expect(events.types.contains("hook.start") && events.types.contains("hook.end"))

            var failing = scriptedConfig(server)
            failing.hooks = SessionHooks(onUserPromptSubmitted: { _ in throw HookFailure() })
            let second = try await client.createSession(failing)
            let everything = Mutex<[SessionEvent]>([])
            second.on { event in everything.withLock { $0.append(event) } }
            let failed = try await runToIdle(second, "unchanged prompt")
            let ends = everything.withLock { $0 }.compactMap { SessionEventKind.hookEnd.data(of: $0) }
            #expect(ends.first?.success == false)
            #expect(ends.first?.hookType == "userPromptSubmitted")
            #expect(server.modelCalls.last?.json?["messages"]?.arrayValue?.last?["content"]?.withoutDatetime == "unchanged prompt")
            #expect(failed.types.last == "session.idle")
        }
    }
}

@Suite("errorOccurred and sessionStart hooks")
struct ErrorHookTests {
    @Test("errorOccurred decides: retry recovers, skip ends quietly, abort aborts", arguments: ["retry", "skip", "abort"])
    func errorHandling(decision: String) async throws {
        let turns: [ScriptedTurn] = [.error(status: 400, message: "bad luck"), .text("Recovered.")]
        try await withScriptedClient(turns: turns) { client, server in
            var config = scriptedConfig(server)
            config.hooks = SessionHooks(onErrorOccurred: { input in
                #expect(input.errorContext == "model_call")
                return ErrorOccurredOutput(errorHandling: decision)
            })
            let session = try await client.createSession(config)
            let events = try await runToIdle(session, "Hi")
            switch decision {
            case "retry":
                #expect(server.modelCalls.count == 2)
                #expect(!events.types.contains("session.error"))
                #expect(events.compactMap { if case .assistantMessage(let m) = $0.payload { m.content } else { nil } } == ["Recovered."])
            case "skip":
                #expect(server.modelCalls.count == 1)
                #expect(!events.types.contains("session.error"))
            default:
                #expect(Array(events.types.suffix(2)) == ["abort", "session.idle"])
            }
            #expect(events.types.last == "session.idle")
        }
    }

    @Test("sessionStart's context reaches the model as a message before the first prompt, once; the system prompt stays as configured")
    func sessionStartContext() async throws {
        try await withScriptedClient(turns: [.text("ok"), .text("again")]) { client, server in
            var config = scriptedConfig(server)
            config.systemMessage = .replace("Base.")
            config.hooks = SessionHooks(onSessionStart: { _ in SessionStartOutput(additionalContext: "The user prefers metric units.") })
            let session = try await client.createSession(config)
            _ = try await session.sendAndWait("Hi")
            _ = try await session.sendAndWait("More")
            let messages = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue).map { $0.withoutDatetime }
            #expect(messages.map { $0["content"] } == ["Base.", "The user prefers metric units.", "Hi", "ok", "More"])
        }
    }
}

@Suite("Hook timeouts and the system message")
struct HookTimeoutAndSystemMessageTests {
    @Test("a hook that outlives its timeout is reported in hook.end and the turn goes on")
    func hookTimeout() async throws {
        try await withScriptedClient(turns: [.text("Still answered.")]) { client, server in
            var config = scriptedConfig(server)
            config.hooks = SessionHooks(
                onUserPromptSubmitted: { _ in
                    try await Task.sleep(for: .seconds(30))
                    return UserPromptSubmittedOutput(modifiedPrompt: "never used")
                },
                timeout: .milliseconds(200))
            let session = try await client.createSession(config)
            let everything = Mutex<[SessionEvent]>([])
            session.on { event in everything.withLock { $0.append(event) } }
            let started = ContinuousClock.now
            #expect(try await session.sendAndWait("original prompt").content == "Still answered.")
            #expect(started.duration(to: .now) < .seconds(20))
            let end = everything.withLock { $0 }.compactMap { SessionEventKind.hookEnd.data(of: $0) }.first
            #expect(end?.success == false)
            #expect(end?.error?.message.contains("did not answer within") == true)
            #expect(server.modelCalls.first?.json?["messages"]?.arrayValue?.last?["content"]?.withoutDatetime == "original prompt")
        }
    }

    @Test("systemMessage .append adds to the default prompt; .replace replaces it")
    func systemMessageModes() async throws {
        try await withScriptedClient(turns: [.text("a"), .text("b")]) { client, server in
            var append = scriptedConfig(server)
            append.systemMessage = .append("Always answer in French.")
            _ = try await client.createSession(append).sendAndWait("hi")
            var replace = scriptedConfig(server)
            replace.systemMessage = .replace("You are a pirate.")
            _ = try await client.createSession(replace).sendAndWait("hi")
            let systems = server.modelCalls.map { $0.json?["messages"]?.arrayValue?.first?["content"]?.stringValue ?? "" }
            #expect(systems[0] == SystemMessage.defaultPrompt + "\n\nAlways answer in French.")
            #expect(systems[1] == "You are a pirate.")
        }
    }

    @Test("systemMessage .customize edits sections; a transform is called with the section's text, in process and through the server", arguments: [false, true])
    func systemMessageCustomize(remote: Bool) async throws {
        let server = try await ScriptedProviderServer.start(turns: [.text("a"), .text("b")])
        let client = CopilotClient(options: .init(retryPolicy: .none, runtime: remote ? .spawn(path: try copilotSwiftBinary()) : .inProcess))
        let seen = Mutex<[String]>([])
        var config = scriptedConfig(server)
        config.systemMessage = .customize(
            [
                .tone: .replace("Answer like a pirate."),
                .toolEfficiency: .remove,
                .identity: .transform { text in
                    seen.withLock { $0.append(text) }
                    return text + "\nTRANSFORMED"
                },
            ], content: "Extra rule.")
        let session = try await client.createSession(config)
        _ = try await session.sendAndWait("hi")
        _ = try await session.sendAndWait("again")
        let identity = SystemMessage.Section.identity.defaultContent
        let expected = "\(identity)\nTRANSFORMED\n\nAnswer like a pirate.\n\nExtra rule."
        let systems = server.modelCalls.map { $0.json?["messages"]?.arrayValue?.first?["content"]?.stringValue ?? "" }
        #expect(systems == [expected, expected])
        #expect(seen.withLock { $0 } == [identity], "the transform runs once, with the section's own text")
        try await client.stop()
        try await server.shutdown()
    }
}

extension CallSettingsTests {
    @Test("compact() replaces the turns before the latest message with the model's summary, asked of the wire model; in process and through the runtime",
        arguments: [false, true])
    func compactNow(remote: Bool) async throws {
        let server = try await ScriptedProviderServer.start(turns: [.text("first"), .text("second"), .text("SUMMARY"), .text("third")])
        let client = CopilotClient(options: .init(retryPolicy: .none, runtime: remote ? .spawn(path: try copilotSwiftBinary()) : .inProcess))
        var config = scriptedConfig(server)
        config.provider?.wireModel = "wire-name"
        let session = try await client.createSession(config)
        _ = try await session.sendAndWait("one")
        _ = try await session.sendAndWait("two")
        let done = try await session.compact()
        #expect(done.messagesRemoved == 2 && done.summary == "SUMMARY")
        _ = try await session.sendAndWait("three")
        let calls = server.modelCalls.compactMap(\.json)
        #expect(calls[2]["model"] == "wire-name", "the summary is asked of the wire model")
        let last = calls[3]["messages"]?.arrayValue?.dropFirst().compactMap { $0["content"]?.stringValue?.withoutDatetime } ?? []
        #expect(last == ["Summary of the conversation so far:\nSUMMARY", "two", "second", "three"])
        try await client.stop()
        try await server.shutdown()
    }
}

@Suite("What a session sends besides the conversation")
struct CallSettingsTests {
    @Test("wireModel names the model on the wire; clientName is in the User-Agent; a message's requestHeaders and agentMode reach its calls and its user.message; reasoningEffort is in session.start", arguments: [false, true])
    func callSettings(remote: Bool) async throws {
        let server = try await ScriptedProviderServer.start(turns: [.text("a"), .text("b")])
        let client = CopilotClient(options: .init(retryPolicy: .none, runtime: remote ? .spawn(path: try copilotSwiftBinary()) : .inProcess))
        var config = scriptedConfig(server)
        config.provider?.wireModel = "deployment-7"
        config.clientName = "weather-app"
        config.reasoningEffort = "high"
        let session = try await client.createSession(config)
        let events = Mutex<[SessionEvent]>([])
        let subscription = session.on { event in events.withLock { $0.append(event) } }
        _ = try await session.sendAndWait(MessageOptions(prompt: "one", agentMode: "plan", requestHeaders: ["X-Trace": "abc"]))
        _ = try await session.sendAndWait("two")
        subscription.cancel()
        let calls = server.modelCalls
        #expect(calls.map { $0.json?["model"]?.stringValue } == ["deployment-7", "deployment-7"])
        #expect(calls.allSatisfy { $0.headers["user-agent"] == "copilot-swift/\(SessionEngine.version) weather-app" })
        #expect(calls.map { $0.headers["x-trace"] } == ["abc", nil], "request headers belong to their message only")
        let messages = events.withLock { $0 }.compactMap { event -> SessionEvent.UserMessage? in
            if case .userMessage(let message) = event.payload { message } else { nil }
        }
        #expect(messages.map(\.agentMode) == ["plan", nil])
        let start = try await session.messages().compactMap { event -> SessionEvent.SessionStart? in
            if case .sessionStart(let start) = event.payload { start } else { nil }
        }.first
        #expect(start?.reasoningEffort == "high" && start?.selectedModel == "scripted-model", "the session's model, not the wire's")
        try await client.stop()
        try await server.shutdown()
    }
}

@Suite("A session's state from Swift")
struct SessionStateTests {
    @Test("setModel, mode and name, in process and through the server, with their events; bad values are refused", arguments: [false, true])
    func modelModeName(remote: Bool) async throws {
        let server = try await ScriptedProviderServer.start(turns: [.text("a")])
        let client = CopilotClient(options: .init(retryPolicy: .none, runtime: remote ? .spawn(path: try copilotSwiftBinary()) : .inProcess))
        let session = try await client.createSession(scriptedConfig(server))
        #expect(try await session.mode() == "interactive")
        try await session.setMode("plan")
        #expect(try await session.mode() == "plan")
        await #expect(throws: CopilotError.self) { try await session.setMode("daydream") }
        #expect(try await session.name() == nil)
        try await session.setName("  Trip planning  ")
        #expect(try await session.name() == "Trip planning")
        await #expect(throws: CopilotError.self) { try await session.setName("   ") }
        try await session.setModel("bigger-model", reasoningEffort: "high")
        _ = try await session.sendAndWait("hi")
        #expect(server.modelCalls.last?.json?["model"] == "bigger-model")
        let types = try await session.messages().map(\.type)
        #expect(types.contains("session.mode_changed") && types.contains("session.title_changed") && types.contains("session.model_change"))
        try await client.stop()
        try await server.shutdown()
    }
}
