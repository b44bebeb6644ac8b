import CopilotProtocol
import CopilotCore
import CopilotProviders
import CopilotRuntime
import Foundation

/// Turns `session.create` parameters into a ``SessionConfig`` whose tools, permissions, hooks and
/// token provider call back to the client over the protocol.
struct SessionConfigTranslator {
    let session: ServerSession
    let sessionID: String
    /// The session's working directory, reported to hooks as `cwd`.
    let cwd: String

    /// The callbacks a session created over the protocol uses: each one asks the client.
    func callbacks() -> SessionCallbacks {
        SessionCallbacks(
            tool: toolHandler, permissionHandler: permissionHandler(), userInputHandler: userInputHandler(),
            hooks: hooks(), bearerTokenProvider: tokenProvider(), systemMessageTransform: systemMessageTransform())
    }

    /// Asks the client to rewrite one system prompt section (`systemMessage.transform`).
    private func systemMessageTransform() -> @Sendable (String, String) async throws -> String {
        let session = session
        let sessionID = sessionID
        return { section, content in
            guard let owner = session.owner else {
                throw RPCError(code: -32000, message: "No client is connected to transform the system message.")
            }
            let result = try await owner.call(
                RPC.systemMessageTransform, SystemMessageTransformParams(sessionId: sessionID, sections: [section: SectionText(content: content)]))
            return result.sections[section]?.content ?? content
        }
    }

    /// Runs the client's tool `name`: `external_tool.requested`, then waits for `handlePendingToolCall`.
    private func toolHandler(_ name: String) -> @Sendable (ToolInvocation) async throws -> ToolResult {
        let session = session
        let sessionID = sessionID
        return { invocation in
            let requestID = UUID().uuidString.lowercased()
            let answer = try await session.awaitAnswer(for: requestID) {
                await session.engine?.publish(.externalToolRequested(.init(
                    requestId: requestID, sessionId: sessionID, toolCallId: invocation.toolCallId, toolName: invocation.toolName,
                    arguments: invocation.arguments)))
            }
            return try Self.toolResult(from: answer)
        }
    }

    /// The client's `handlePendingToolCall` payload as a ``ToolResult``; an `error`-only payload (the
    /// handler raised) becomes a thrown error, which the model sees as a generic failure.
    static func toolResult(from answer: JSONValue) throws -> ToolResult {
        if let result = answer["result"], result != .null {
            if let text = result.stringValue { return .success(text) }
            let text = result["textResultForLlm"]?.stringValue ?? ""
            let type: ToolResult.ResultType =
                switch result["resultType"]?.stringValue {
                case "failure", "timeout": .failure
                case "rejected": .rejected
                case "denied": .denied
                default: .success
                }
            return ToolResult(textResultForLlm: text, resultType: type, error: result["error"]?.stringValue)
        }
        if let error = answer["error"]?.stringValue { throw ExternalToolFailure(message: error) }
        return ToolResult(textResultForLlm: "Tool returned no result.", resultType: .failure, error: "tool returned no result")
    }

    private func permissionHandler() -> PermissionHandler {
        let session = session
        return PermissionHandler { _, invocation in
            guard let requestID = invocation.requestId else { return .userNotAvailable }
            let result = try await session.awaitAnswer(for: requestID)
            return PermissionDecision(kind: result["kind"]?.stringValue ?? "user-not-available", feedback: result["feedback"]?.stringValue)
        }
    }

    /// Sends forms to the clients that answer them: the engine's `elicitation.requested` reaches
    /// them all, and the first `session.ui.handlePendingElicitation` answers.
    func elicitationHandler() -> ElicitationHandler {
        let session = session
        return ElicitationHandler { request in
            guard session.ui.elicitation else {
                session.discardAnswer(for: request.requestId)
                throw ElicitationUnavailable()
            }
            let answer = try await session.awaitAnswer(for: request.requestId)
            let action = answer["action"]?.stringValue.flatMap(ElicitationResult.Action.init(rawValue:)) ?? .cancel
            return ElicitationResult(action: action, content: action == .accept ? answer["content"]?.objectValue : nil)
        }
    }

    /// Gets OAuth tokens from the clients: `mcp.oauth_required` reaches them all (once one said it
    /// handles it), and the first `session.mcp.oauth.handlePendingRequest` answers.
    func mcpAuthHandler() -> MCPAuthHandler {
        let session = session
        return MCPAuthHandler(available: { session.hasInterest(in: SessionEvent.MCPOAuthRequired.eventType) }) { request in
            let answer = try await session.awaitAnswer(for: request.requestId)
            guard answer["kind"]?.stringValue == "token", let token = answer["accessToken"]?.stringValue, !token.isEmpty else { return .cancelled }
            return .token(accessToken: token, tokenType: answer["tokenType"]?.stringValue)
        }
    }

    /// Forwards `ask_user` questions to the client as `userInput.request`.
    private func userInputHandler() -> UserInputHandler {
        let session = session
        let sessionID = sessionID
        return UserInputHandler { request in
            guard let owner = session.owner else {
                throw RPCError(code: -32000, message: "No client is connected to answer the question.")
            }
            let params = UserInputRequestParams(
                sessionId: sessionID, question: request.question, choices: request.choices, allowFreeform: request.allowFreeform,
                toolCallId: request.toolCallId)
            let result = try await owner.call(RPC.userInputRequest, params, timeout: .seconds(3600))
            return UserInputResponse(answer: result.answer, wasFreeform: result.wasFreeform != false)
        }
    }

    /// Asks the client for a token for the provider named `providerName` (`providerToken.getToken`).
    private func tokenProvider() -> @Sendable (String) -> BearerTokenProvider {
        let session = session
        let sessionID = sessionID
        return { providerName in
            BearerTokenProvider {
                guard let owner = session.owner else {
                    throw RPCError(code: -32000, message: "No client is connected to provide a bearer token.")
                }
                return try await owner.call(RPC.providerTokenGetToken, ProviderTokenParams(sessionId: sessionID, providerName: providerName)).token
            }
        }
    }

    private func hooks() -> SessionHooks {
        let session = session
        let sessionID = sessionID
        let cwd = cwd
        var hooks = SessionHooks()
        // Every hook point goes to the client as `hooks.invoke`; its `output` (nil when the client had none) comes back.
        for point in HookPoints.all {
            point.forward(into: &hooks) { type, input in
                guard let owner = session.owner else { return nil }
                var wireInput = input.objectValue ?? [:]
                wireInput["timestamp"] = .int(Int(Date().timeIntervalSince1970 * 1000))
                wireInput["cwd"] = .string(cwd)
                let result = try await owner.call(RPC.hooksInvoke, HookInvocationParams(sessionId: sessionID, hookType: type, input: .object(wireInput)))
                return result.output
            }
        }
        return hooks
    }
}

/// A client-side tool handler raised; its text is for events, not for the model.
struct ExternalToolFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
