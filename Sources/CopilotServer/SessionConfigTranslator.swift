import CopilotProtocol
import CopilotCore
import CopilotProviders
import CopilotRuntime
import Foundation

/// Turns `session.create` parameters into a ``SessionConfig`` whose tools, permissions, hooks and
/// token provider call back to the client over the protocol.
struct SessionConfigTranslator {
    let params: JSONValue
    let session: ServerSession
    let sessionID: String

    func config() throws -> SessionConfig {
        var provider: ProviderConfig?
        if let json = params["provider"], json != .null {
            do {
                provider = try json.decode(as: ProviderConfig.self)
            } catch {
                throw RPCError.invalidParams("provider: \(error)")
            }
            if json["hasBearerTokenProvider"] == true { provider?.bearerTokenProvider = tokenProvider() }
        }
        let model = params["model"]?.stringValue ?? params["provider"]?["modelId"]?.stringValue
            ?? params["provider"]?["wireModel"]?.stringValue
        let workingDirectory = params["workingDirectory"]?.stringValue ?? FileManager.default.currentDirectoryPath
        return SessionConfig(
            sessionId: sessionID,
            model: model,
            provider: provider,
            systemMessage: systemMessage(),
            tools: try tools(),
            streaming: params["streaming"] == true,
            reasoningEffort: params["reasoningEffort"]?.stringValue,
            workingDirectory: workingDirectory,
            hooks: params["hooks"] == true ? hooks(cwd: workingDirectory) : nil,
            onUserInputRequest: params["requestUserInput"] == true ? userInputHandler() : nil,
            onPermissionRequest: params["requestPermission"] == true ? permissionHandler() : nil)
    }

    private func systemMessage() -> SystemMessage? {
        guard let message = params["systemMessage"], message != .null else { return nil }
        let content = message["content"]?.stringValue ?? ""
        return message["mode"]?.stringValue == "replace" ? .replace(content) : .append(content)
    }

    private func tools() throws -> [Tool] {
        guard let definitions = params["tools"]?.arrayValue else { return [] }
        return try definitions.map { definition in
            guard let name = definition["name"]?.stringValue, !name.isEmpty else {
                throw RPCError.invalidParams("every tool needs a name")
            }
            let session = session
            let sessionID = sessionID
            return Tool(
                name: name, description: definition["description"]?.stringValue ?? "",
                parameters: definition["parameters"].flatMap { $0 == .null ? nil : $0 } ?? ["type": "object", "properties": [:]],
                skipPermission: definition["skipPermission"] == true
            ) { invocation in
                let requestID = UUID().uuidString.lowercased()
                let answer = try await session.awaitAnswer(for: requestID) {
                    await session.engine?.publish(.externalToolRequested(.init(
                        requestId: requestID, sessionId: sessionID, toolCallId: invocation.toolCallId, toolName: invocation.toolName,
                        arguments: invocation.arguments)))
                }
                return try Self.toolResult(from: answer)
            }
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

    /// Forwards `ask_user` questions to the client as `userInput.request`.
    private func userInputHandler() -> UserInputHandler {
        let session = session
        let sessionID = sessionID
        return UserInputHandler { request in
            guard let owner = session.owner else {
                throw RPCError(code: -32000, message: "No client is connected to answer the question.")
            }
            var params: [String: JSONValue] = [
                "sessionId": .string(sessionID), "question": .string(request.question), "allowFreeform": .bool(request.allowFreeform),
            ]
            if let choices = request.choices { params["choices"] = .array(choices.map(JSONValue.string)) }
            if let toolCallId = request.toolCallId { params["toolCallId"] = .string(toolCallId) }
            let result = try await owner.request("userInput.request", .object(params), timeout: .seconds(3600))
            return UserInputResponse(answer: result["answer"]?.stringValue ?? "", wasFreeform: result["wasFreeform"] != false)
        }
    }

    private func tokenProvider() -> BearerTokenProvider {
        let session = session
        let sessionID = sessionID
        return BearerTokenProvider {
            guard let owner = session.owner else {
                throw RPCError(code: -32000, message: "No client is connected to provide a bearer token.")
            }
            let result = try await owner.request("providerToken.getToken", ["sessionId": .string(sessionID), "providerName": "default"])
            guard let token = result["token"]?.stringValue else {
                throw RPCError(code: -32000, message: "providerToken.getToken answered without a token.")
            }
            return token
        }
    }

    private func hooks(cwd: String) -> SessionHooks {
        let session = session
        let sessionID = sessionID
        /// Sends `hooks.invoke` and decodes the handler's `output` (nil when the client had none).
        @Sendable func invoke<Input: Encodable & Sendable, Output: Decodable & Sendable>(_ type: String, _ input: Input, as: Output.Type) async throws -> Output? {
            guard let owner = session.owner else { return nil }
            var wireInput = try JSONValue(encoding: input).objectValue ?? [:]
            wireInput["timestamp"] = .int(Int(Date().timeIntervalSince1970 * 1000))
            wireInput["cwd"] = .string(cwd)
            let result = try await owner.request(
                "hooks.invoke", ["sessionId": .string(sessionID), "hookType": .string(type), "input": .object(wireInput)])
            guard let output = result["output"], output != .null else { return nil }
            return try? output.decode(as: Output.self)
        }
        return SessionHooks(
            onPreToolUse: { try await invoke("preToolUse", $0, as: PreToolUseOutput.self) },
            onPostToolUse: { try await invoke("postToolUse", $0, as: PostToolUseOutput.self) },
            onUserPromptSubmitted: { try await invoke("userPromptSubmitted", $0, as: UserPromptSubmittedOutput.self) },
            onSessionStart: { try await invoke("sessionStart", $0, as: SessionStartOutput.self) },
            onSessionEnd: { try await invoke("sessionEnd", $0, as: SessionEndOutput.self) },
            onErrorOccurred: { try await invoke("errorOccurred", $0, as: ErrorOccurredOutput.self) })
    }
}

/// A client-side tool handler raised; its text is for events, not for the model.
struct ExternalToolFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
