import CopilotProtocol
import CopilotCore
import CopilotProviders
import CopilotRuntime
import Foundation

/// A session that lives in a ``RemoteRuntime``: prompts go out as requests, events come back as
/// notifications, and this side runs the session's tools, permission handler and hooks.
final class RemoteSession: SessionBackend {
    let id: String
    let config: SessionConfig
    private let runtime: RemoteRuntime
    private let broadcaster: EventBroadcaster
    private let tools: [String: Tool]

    init(id: String, config: SessionConfig, runtime: RemoteRuntime, broadcaster: EventBroadcaster) {
        self.id = id
        self.config = config
        self.runtime = runtime
        self.broadcaster = broadcaster
        self.tools = Dictionary(config.tools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func send(_ options: MessageOptions) async throws -> String {
        var params: [String: JSONValue] = ["prompt": .string(options.prompt), "mode": .string(options.mode.rawValue)]
        if !options.attachments.isEmpty { params["attachments"] = try JSONValue(encoding: options.attachments) }
        let result = try await call("session.send", params)
        guard let messageID = result["messageId"]?.stringValue else {
            throw CopilotError(code: .sessionError, message: "The runtime answered session.send without a messageId.")
        }
        return messageID
    }

    func abort() async {
        _ = try? await call("session.abort", [:])
    }

    func messages() async throws -> [SessionEvent] {
        let result = try await call("session.getMessages", [:])
        do {
            return try (result["events"] ?? []).decode(as: [SessionEvent].self)
        } catch {
            throw CopilotError(code: .sessionError, message: "The runtime answered session.getMessages with events this SDK cannot read.")
        }
    }

    /// `session.detach`, as the official SDKs (1.0.27) send on disconnect: the runtime completes the
    /// session's log and lets it go, keeping it stored for ``CopilotClient/resumeSession(_:_:)``.
    func close() async {
        _ = try? await call("session.detach", [:])
        runtime.forget(id)
    }

    private func call(_ method: String, _ params: [String: JSONValue]) async throws -> JSONValue {
        var params = params
        params["sessionId"] = .string(id)
        return try await runtime.call(method, params)
    }

    // MARK: From the runtime

    /// Publishes an event, and answers tool calls and permission requests that this side owns.
    func receive(_ event: SessionEvent) {
        broadcaster.publish(event)
        switch event.payload {
        case .externalToolRequested(let request):
            guard let tool = tools[request.toolName] else { return }
            let invocation = ToolInvocation(
                sessionId: id, toolCallId: request.toolCallId, toolName: request.toolName, arguments: request.arguments ?? [:])
            Task { await self.runTool(tool, invocation, requestID: request.requestId) }
        case .permissionRequested(let request):
            guard let handler = config.onPermissionRequest else { return }
            Task { await self.decide(request, handler: handler) }
        default:
            break
        }
    }

    private func runTool(_ tool: Tool, _ invocation: ToolInvocation, requestID: String) async {
        var params: [String: JSONValue] = ["requestId": .string(requestID)]
        do {
            let result = try await tool.handler(invocation)
            var object: [String: JSONValue] = ["textResultForLlm": .string(result.textResultForLlm), "resultType": .string(result.resultType.rawValue)]
            if let error = result.error { object["error"] = .string(error) }
            params["result"] = .object(object)
        } catch {
            params["error"] = .string(String(describing: error))
        }
        _ = try? await call("session.tools.handlePendingToolCall", params)
    }

    private func decide(_ request: SessionEvent.PermissionRequested, handler: PermissionHandler) async {
        let decision: PermissionDecision
        do {
            decision = try await handler(request.permissionRequest, PermissionInvocation(sessionId: id, requestId: request.requestId))
        } catch {
            decision = .userNotAvailable
        }
        var result: [String: JSONValue] = ["kind": .string(decision.kind)]
        if let feedback = decision.feedback { result["feedback"] = .string(feedback) }
        _ = try? await call("session.permissions.handlePendingPermissionRequest", ["requestId": .string(request.requestId), "result": .object(result)])
    }

    /// Runs one of this session's hooks for `hooks.invoke`; `{}` when there is none.
    func invokeHook(type: String, input: JSONValue) async throws -> JSONValue {
        guard let hooks = config.hooks else { return [:] }
        func output(_ value: (some Encodable)?) throws -> JSONValue {
            guard let value else { return [:] }
            return ["output": try JSONValue(encoding: value)]
        }
        switch type {
        case "preToolUse":
            guard let hook = hooks.onPreToolUse else { return [:] }
            return try output(try await hook(try input.decode(as: PreToolUseInput.self)))
        case "postToolUse":
            guard let hook = hooks.onPostToolUse else { return [:] }
            return try output(try await hook(try input.decode(as: PostToolUseInput.self)))
        case "userPromptSubmitted":
            guard let hook = hooks.onUserPromptSubmitted else { return [:] }
            return try output(try await hook(try input.decode(as: UserPromptSubmittedInput.self)))
        case "sessionStart":
            guard let hook = hooks.onSessionStart else { return [:] }
            return try output(try await hook(try input.decode(as: SessionStartInput.self)))
        case "sessionEnd":
            guard let hook = hooks.onSessionEnd else { return [:] }
            return try output(try await hook(try input.decode(as: SessionEndInput.self)))
        case "errorOccurred":
            guard let hook = hooks.onErrorOccurred else { return [:] }
            return try output(try await hook(try input.decode(as: ErrorOccurredInput.self)))
        default:
            break
        }
        return [:]
    }
}
