package import CopilotCore

/// One point where a session runs a hook: its official name (`hooks.invoke`'s `hookType`, the
/// `hook.start` event's), its input and output, and where ``SessionHooks`` keeps its handler.
///
/// The hook points are the static members below, and ``HookPoints/all`` lists them: the engine
/// runs a hook by its point, the server forwards every point to the client that registered hooks,
/// and the remote client answers every point from its own ``SessionHooks``. A new hook is a
/// handler in ``SessionHooks``, a member here, an entry in ``HookPoints/all``, and the place the
/// engine runs it.
package struct HookPoint<Input: HookInput, Output: Codable & Sendable>: Sendable {
    package typealias Handler = @Sendable (Input) async throws -> Output?

    /// The official name.
    package let name: String
    /// The session's handler for it, if it has one.
    package let handler: @Sendable (SessionHooks) -> Handler?
    /// Sets the session's handler.
    let install: @Sendable (inout SessionHooks, Handler?) -> Void
}

extension HookPoint where Input == PreToolUseInput, Output == PreToolUseOutput {
    package static var preToolUse: Self { .init(name: "preToolUse", handler: { $0.onPreToolUse }, install: { $0.onPreToolUse = $1 }) }
}

extension HookPoint where Input == PostToolUseInput, Output == PostToolUseOutput {
    package static var postToolUse: Self { .init(name: "postToolUse", handler: { $0.onPostToolUse }, install: { $0.onPostToolUse = $1 }) }
}

extension HookPoint where Input == PostToolUseFailureInput, Output == PostToolUseFailureOutput {
    package static var postToolUseFailure: Self {
        .init(name: "postToolUseFailure", handler: { $0.onPostToolUseFailure }, install: { $0.onPostToolUseFailure = $1 })
    }
}

extension HookPoint where Input == UserPromptTransformedInput, Output == UserPromptTransformedOutput {
    package static var userPromptTransformed: Self {
        .init(name: "userPromptTransformed", handler: { $0.onUserPromptTransformed }, install: { $0.onUserPromptTransformed = $1 })
    }
}

extension HookPoint where Input == AgentStopInput, Output == AgentStopOutput {
    package static var agentStop: Self { .init(name: "agentStop", handler: { $0.onAgentStop }, install: { $0.onAgentStop = $1 }) }
}

extension HookPoint where Input == SubagentStartInput, Output == SubagentStartOutput {
    package static var subagentStart: Self { .init(name: "subagentStart", handler: { $0.onSubagentStart }, install: { $0.onSubagentStart = $1 }) }
}

extension HookPoint where Input == SubagentStopInput, Output == SubagentStopOutput {
    package static var subagentStop: Self { .init(name: "subagentStop", handler: { $0.onSubagentStop }, install: { $0.onSubagentStop = $1 }) }
}

extension HookPoint where Input == UserPromptSubmittedInput, Output == UserPromptSubmittedOutput {
    package static var userPromptSubmitted: Self {
        .init(name: "userPromptSubmitted", handler: { $0.onUserPromptSubmitted }, install: { $0.onUserPromptSubmitted = $1 })
    }
}

extension HookPoint where Input == SessionStartInput, Output == SessionStartOutput {
    package static var sessionStart: Self { .init(name: "sessionStart", handler: { $0.onSessionStart }, install: { $0.onSessionStart = $1 }) }
}

extension HookPoint where Input == SessionEndInput, Output == SessionEndOutput {
    package static var sessionEnd: Self { .init(name: "sessionEnd", handler: { $0.onSessionEnd }, install: { $0.onSessionEnd = $1 }) }
}

extension HookPoint where Input == ErrorOccurredInput, Output == ErrorOccurredOutput {
    package static var errorOccurred: Self { .init(name: "errorOccurred", handler: { $0.onErrorOccurred }, install: { $0.onErrorOccurred = $1 }) }
}

extension HookPoint where Input == PreMcpToolCallInput, Output == PreMcpToolCallOutput {
    package static var preMcpToolCall: Self {
        .init(name: "preMcpToolCall", handler: { $0.onPreMcpToolCall }, install: { $0.onPreMcpToolCall = $1 })
    }
}

/// A hook point whose input and output travel as JSON: how the server and the remote client
/// treat every point alike.
package protocol AnyHookPoint: Sendable {
    /// The official name.
    var name: String { get }
    /// Whether `hooks` has a handler for this point.
    func isHandled(by hooks: SessionHooks) -> Bool
    /// Runs `hooks`' handler for this point on `input`: its output, or `nil` when it has none or
    /// gave none.
    func run(_ hooks: SessionHooks, input: JSONValue) async throws -> JSONValue?
    /// Sets, in `hooks`, a handler for this point that passes the input on to `call` (name and
    /// input as JSON) and reads its output back.
    func forward(into hooks: inout SessionHooks, to call: @escaping @Sendable (String, JSONValue) async throws -> JSONValue?)
}

extension HookPoint: AnyHookPoint {
    package func isHandled(by hooks: SessionHooks) -> Bool { handler(hooks) != nil }

    package func run(_ hooks: SessionHooks, input: JSONValue) async throws -> JSONValue? {
        guard let handler = handler(hooks) else { return nil }
        return try await handler(try input.decode(as: Input.self)).map { try JSONValue(encoding: $0) }
    }

    package func forward(into hooks: inout SessionHooks, to call: @escaping @Sendable (String, JSONValue) async throws -> JSONValue?) {
        let name = name
        install(&hooks) { input in
            guard let output = try await call(name, try JSONValue(encoding: input)), output != .null else { return nil }
            return try? output.decode(as: Output.self)
        }
    }
}

/// Every hook point, in the official order.
package enum HookPoints {
    package static let all: [any AnyHookPoint] = [
        HookPoint.preToolUse, HookPoint.preMcpToolCall, HookPoint.postToolUse, HookPoint.postToolUseFailure, HookPoint.userPromptSubmitted,
        HookPoint.userPromptTransformed, HookPoint.sessionStart, HookPoint.sessionEnd, HookPoint.errorOccurred, HookPoint.agentStop,
        HookPoint.subagentStart, HookPoint.subagentStop,
    ]

    /// The point named `name` (a `hookType`), if there is one.
    package static func named(_ name: String) -> (any AnyHookPoint)? { all.first { $0.name == name } }
}
