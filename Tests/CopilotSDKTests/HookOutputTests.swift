import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization
import Testing

/// What each hook's output does to the conversation, checked on the requests the model server received.
@Suite("Hook outputs reach the model")
struct HookOutputTests {
    @Test("userPromptTransformed sees the prompt and the message with the current date and time; its replacement is what the model gets")
    func userPromptTransformed() async throws {
        try await withScriptedClient(turns: [.text("ok")]) { client, server in
            let inputs = Mutex<[UserPromptTransformedInput]>([])
            var config = scriptedConfig(server)
            config.hooks = SessionHooks(onUserPromptTransformed: { input in
                inputs.withLock { $0.append(input) }
                return UserPromptTransformedOutput(modifiedTransformedPrompt: "Reply with exactly: CHANGED")
            })
            let session = try await client.createSession(config)
            let events = try await runToIdle(session, "Answer the request above.")
            let input = try #require(inputs.withLock { $0.first })
            #expect(input.prompt == "Answer the request above.")
            #expect(input.transformedPrompt.hasPrefix("Answer the request above.\n\n<current_datetime>"))
            #expect(input.transformedPrompt.hasSuffix("</current_datetime>"))
            #expect(server.modelCalls.first?.json?["messages"]?.arrayValue?.last?["content"] == "Reply with exactly: CHANGED")
            let user = try #require(events.compactMap { SessionEventKind.userMessage.data(of: $0) }.first)
            #expect(user.content == "Answer the request above.", "the event keeps what the user wrote")
            #expect(user.transformedContent == "Reply with exactly: CHANGED")
        }
    }

    @Test("agentStop can keep the agent working: its reason is the next user message, stopHookActive says so, and a hook that always blocks is stopped")
    func agentStopBlocks() async throws {
        try await withScriptedClient(turns: [.text("INITIAL"), .text("CONTINUED")]) { client, server in
            let inputs = Mutex<[AgentStopInput]>([])
            var config = scriptedConfig(server)
            config.hooks = SessionHooks(onAgentStop: { input in
                let count = inputs.withLock { $0.append(input); return $0.count }
                return count == 1 ? .block("Reply with exactly: CONTINUED") : nil
            })
            let session = try await client.createSession(config)
            let events = try await runToIdle(session, "Reply with exactly: INITIAL")
            let seen = inputs.withLock { $0 }
            #expect(seen.map(\.stopHookActive) == [false, true])
            #expect(seen.allSatisfy { $0.stopReason == "end_turn" })
            #expect(server.modelCalls.count == 2)
            let messages = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue)
            #expect(messages.suffix(2).map { $0["content"] } == ["INITIAL", "Reply with exactly: CONTINUED"])
            let users = events.compactMap { SessionEventKind.userMessage.data(of: $0) }
            #expect(users.last?.source == "hook")
            #expect(events.compactMap { SessionEventKind.assistantMessage.data(of: $0) }.last?.content == "CONTINUED")
            #expect(events.types.last == "session.idle")
        }
        let limit = 5
        try await withScriptedClient(turns: Array(repeating: ScriptedTurn.text("again"), count: limit + 1)) { client, server in
            var config = scriptedConfig(server)
            config.hooks = SessionHooks(onAgentStop: { _ in .block("Keep going.") })
            let session = try await client.createSession(config)
            _ = try await runToIdle(session, "Go")
            #expect(server.modelCalls.count == limit + 1, "the first answer and \(limit) blocks, then the agent stops")
        }
    }

    @Test("preToolUse's modifiedArgs run the tool and are the arguments the model is shown to have sent; postToolUse's modifiedResult may fail the call")
    func modifiedArgsAndResult() async throws {
        let turns: [ScriptedTurn] = [.toolCalls([("echo", #"{"value":"original"}"#)]), .text("Done.")]
        try await withScriptedClient(turns: turns) { client, server in
            let echo = Tool(name: "echo", description: "Echo") { invocation in .success(invocation.arguments["value"]?.stringValue ?? "") }
            var config = scriptedConfig(server, tools: [echo])
            config.hooks = SessionHooks(
                onPreToolUse: { _ in PreToolUseOutput(permissionDecision: "allow", modifiedArgs: ["value": "modified by hook"]) },
                onPostToolUse: { input in
                    #expect(input.toolResult == .success("modified by hook"))
                    return PostToolUseOutput(modifiedResult: .failure("replaced by the post hook"))
                })
            let session = try await client.createSession(config)
            let events = try await runToIdle(session, "Echo original")
            let messages = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue)
            let call = try #require(messages.last { $0["role"] == "assistant" }?["tool_calls"]?.arrayValue?.first)
            #expect(call["function"]?["arguments"] == #"{"value":"modified by hook"}"#)
            #expect(messages.last { $0["role"] == "tool" }?["content"] == "replaced by the post hook")
            let done = try #require(events.compactMap { SessionEventKind.toolExecutionComplete.data(of: $0) }.first)
            #expect(done.success == false)
        }
    }

    @Test("postToolUseFailure runs after a failed call, not postToolUse; its context follows the failure the model gets")
    func postToolUseFailure() async throws {
        let turns: [ScriptedTurn] = [.toolCalls([("broken", "{}")]), .text("Handled.")]
        try await withScriptedClient(turns: turns) { client, server in
            let broken = Tool(name: "broken", description: "Always fails") { _ in .failure("the disk is on fire") }
            let failures = Mutex<[PostToolUseFailureInput]>([])
            let successes = Mutex(0)
            var config = scriptedConfig(server, tools: [broken])
            config.hooks = SessionHooks(
                onPostToolUse: { _ in successes.withLock { $0 += 1 }; return nil },
                onPostToolUseFailure: { input in
                    failures.withLock { $0.append(input) }
                    return PostToolUseFailureOutput(additionalContext: "Tell the user to call the fire brigade.")
                })
            let session = try await client.createSession(config)
            _ = try await runToIdle(session, "Use the broken tool")
            #expect(successes.withLock { $0 } == 0)
            #expect(failures.withLock { $0.map(\.error) } == ["the disk is on fire"])
            #expect(failures.withLock { $0.first?.toolName } == "broken")
            let tool = server.modelCalls.last?.json?["messages"]?.arrayValue?.last { $0["role"] == "tool" }
            #expect(tool?["content"] == "the disk is on fire\n\nTell the user to call the fire brigade.")
        }
    }
}
