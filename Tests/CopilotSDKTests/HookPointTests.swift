import CopilotCore
import CopilotRuntime
import Testing

@Suite("Hook points: one table the engine, the server and the remote client all name hooks by")
struct HookPointTests {
    @Test("every hook point is listed once under its official name, and each reaches its own handler and no other")
    func table() async throws {
        #expect(HookPoints.all.map(\.name) == [
            "preToolUse", "preMcpToolCall", "postToolUse", "postToolUseFailure", "userPromptSubmitted", "userPromptTransformed",
            "sessionStart", "sessionEnd", "errorOccurred", "agentStop", "subagentStart", "subagentStop",
        ])
        for point in HookPoints.all {
            #expect(HookPoints.named(point.name)?.name == point.name)
            var hooks = SessionHooks()
            point.forward(into: &hooks) { _, _ in nil }
            let handled = HookPoints.all.filter { $0.isHandled(by: hooks) }.map(\.name)
            #expect(handled == [point.name], "forwarding \(point.name) set the handlers of \(handled)")
        }
        #expect(HookPoints.named("noSuchHook") == nil)
    }

    @Test("a forwarded hook sends its name and input and reads the output back; run answers from the session's own handler")
    func forwardAndRun() async throws {
        var forwarded = SessionHooks()
        HookPoint.sessionStart.forward(into: &forwarded) { name, input in
            #expect(name == "sessionStart" && input["source"] == "new")
            return ["additionalContext": "from the client"]
        }
        let output = try await HookPoint.sessionStart.run(forwarded, input: ["sessionId": "s1", "source": "new"])
        #expect(output?["additionalContext"] == "from the client")
        #expect(try await HookPoint.sessionEnd.run(forwarded, input: ["sessionId": "s1", "reason": "user_exit"]) == nil, "no handler, no output")
    }
}
