import CopilotCore
import CopilotProviders
import Foundation
import Logging

/// Tool calls: permission first, then the tool (yours, a built-in, or ask_user), with hooks around it.
extension SessionEngine {
    func runTools(_ calls: [ToolCall], turnID: String) async -> [ToolOutcome] {
        await withTaskGroup(of: (Int, ToolOutcome).self) { group in
            for (index, call) in calls.enumerated() {
                group.addTask { (index, await self.execute(call, turnID: turnID)) }
            }
            var outcomes = [ToolOutcome?](repeating: nil, count: calls.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes.enumerated().map { index, outcome in
                outcome ?? ToolOutcome(callID: calls[index].id, textForModel: Self.interruptedText, endsInteraction: false)
            }
        }
    }

    private static let interruptedText = "The execution of this tool, or a previous tool was interrupted."

    func execute(_ call: ToolCall, turnID: String) async -> ToolOutcome {
        let parsed = try? JSONValue(parsing: call.arguments.isEmpty ? "{}" : call.arguments)
        emit(.toolExecutionStart(.init(
            toolCallId: call.id, toolName: call.name, arguments: parsed ?? .string(call.arguments), turnId: turnID)))

        if call.name == UserInputHandler.toolName, let userInputHandler, let arguments = parsed {
            return await askUser(call, arguments: arguments, handler: userInputHandler, turnID: turnID)
        }
        let custom = tools[call.name]
        let builtIn = builtInTools.first { $0.rawValue == call.name }
        let isObject = parsed.map { $0.objectValue != nil || $0 == .null } ?? false
        var invocationArguments: JSONValue = isObject && parsed != .null ? parsed ?? [:] : [:]
        var additionalContext: String?
        var hookDecision: String?
        if let hook = hooks?.onPreToolUse {
            let input = PreToolUseInput(sessionId: sessionId, toolName: call.name, toolArgs: invocationArguments, toolCallId: call.id)
            if let output = await runHook("preToolUse", input, hook) ?? nil {
                hookDecision = output.permissionDecision
                if let modified = output.modifiedArgs, modified.objectValue != nil { invocationArguments = modified }
                additionalContext = output.additionalContext
                if output.permissionDecision == "deny" {
                    let reason = output.permissionDecisionReason.flatMap { $0.isEmpty ? nil : $0 } ?? "No reason provided"
                    let text = "Denied by preToolUse hook: \(reason)"
                    return fail(call, turnID: turnID, textForModel: text, eventMessage: text, code: "denied")
                }
            }
        }
        // As in the official runtime, the hook sees every call the model makes, then the call is checked.
        guard custom != nil || builtIn != nil else {
            // The official runtime's wording, which models trained on it recover from.
            let available = toolDefinitions.map(\.name).joined(separator: ", ")
            let text = "Tool '\(call.name)' does not exist. Available tools that can be called are \(available)."
            return fail(call, turnID: turnID, textForModel: text, eventMessage: text, code: "failure")
        }
        guard isObject else {
            let text = "The arguments for tool `\(call.name)` are not a JSON object: \(call.arguments.prefix(200)). Call it again with a JSON object that matches its schema."
            return fail(call, turnID: turnID, textForModel: text, eventMessage: text, code: "failure")
        }

        let result: ToolResult
        var images: [MediaContent] = []
        var imagePath: String?
        do {
            if let tool = custom {
                if hookDecision != "allow", !tool.skipPermission, !approvedForSession.contains(tool.name) {
                    let decision = await askPermission(
                        PermissionRequest(
                            kind: .customTool, toolCallId: call.id, toolName: tool.name, toolDescription: tool.description,
                            args: invocationArguments))
                    if decision.kind == "approve-for-session" { approvedForSession.insert(tool.name) }
                    if let refusal = refusal(for: decision) { return fail(call, turnID: turnID, refusal) }
                }
                if Task.isCancelled {
                    return fail(call, turnID: turnID, textForModel: Self.interruptedText, eventMessage: "Session aborted", code: "aborted")
                }
                result = try await tool.handler(
                    ToolInvocation(sessionId: sessionId, toolCallId: call.id, toolName: call.name, arguments: invocationArguments))
            } else if let builtIn {
                let preApproved = hookDecision == "allow"
                let runner = BuiltInToolRunner(
                    directory: WorkingDirectory(workingDirectory ?? FileManager.default.currentDirectoryPath),
                    ask: { request in await self.builtInPermission(request, preApproved: preApproved) },
                    shells: shells, transport: transport,
                    reportIntent: { intent in await self.publish(.assistantIntent(.init(intent: intent))) },
                    partialOutput: { output in await self.publish(.toolExecutionPartialResult(.init(toolCallId: call.id, partialOutput: output))) },
                    clock: clock)
                let output = try await runner.run(builtIn, call: call, arguments: invocationArguments)
                result = output.result
                images = output.images
                imagePath = output.imagePath
            } else {
                preconditionFailure("checked above")
            }
        } catch {
            if Task.isCancelled || error is CancellationError {
                return fail(call, turnID: turnID, textForModel: Self.interruptedText, eventMessage: "Session aborted", code: "aborted")
            }
            logger.debug("tool failed", metadata: ["tool": "\(call.name)", "error": "\(error)"])
            // Like the official runtime, the model gets a generic text; the details go to the event.
            let text = "Failed to execute `\(call.name)` tool with arguments: \(invocationArguments.jsonString) due to error: Error: Tool execution failed"
            return fail(call, turnID: turnID, textForModel: text, eventMessage: String(describing: error), code: "failure")
        }

        // An abort while the call waited (for its permission, say) interrupts it, whatever it returned.
        if Task.isCancelled {
            return fail(call, turnID: turnID, textForModel: Self.interruptedText, eventMessage: "Session aborted", code: "aborted")
        }
        switch result.resultType {
        case .success:
            var text = result.textResultForLlm
            if let hook = hooks?.onPostToolUse {
                let input = PostToolUseInput(sessionId: sessionId, toolName: call.name, toolArgs: invocationArguments, toolResult: text)
                if let output = await runHook("postToolUse", input, hook) ?? nil {
                    if let modified = output.modifiedResult { text = modified }
                    if let context = output.additionalContext, !context.isEmpty { text += "\n\n" + context }
                }
            }
            if let additionalContext, !additionalContext.isEmpty { text += "\n\n" + additionalContext }
            emit(.toolExecutionComplete(.init(toolCallId: call.id, success: true, result: .init(content: text), turnId: turnID)))
            return ToolOutcome(callID: call.id, textForModel: text, endsInteraction: false, images: images, imagePath: imagePath)
        case .failure, .denied, .rejected:
            return fail(call, turnID: turnID, result)
        }
    }

    /// The result a refused permission gives the model, or `nil` when the decision approves.
    func refusal(for decision: PermissionDecision) -> ToolResult? {
        if decision.isApproval { return nil }
        if decision.isRejection {
            var text = "The user rejected this tool call."
            if let feedback = decision.feedback, !feedback.isEmpty { text += " User feedback: \(feedback)" }
            return ToolResult(textResultForLlm: text, resultType: .rejected, error: text)
        }
        let eventMessage = permissionHandler == nil
            ? "Permission denied: no permission handler is configured (set SessionConfig.onPermissionRequest)."
            : "Permission denied and could not request permission from user"
        return ToolResult(textResultForLlm: "Permission denied and could not request permission from user", resultType: .denied, error: eventMessage)
    }

    /// Permission for a built-in tool: reads inside the working directory need no handler; a
    /// session approval covers one request kind inside the working directory, never outside it.
    func builtInPermission(_ request: PermissionRequest, preApproved: Bool) async -> PermissionDecision {
        let inside = request.outsideWorkingDirectory != true
        if preApproved, inside { return .approveOnce }
        if sessionState.approveAll { return .approveOnce }
        if let ruled = permissionRules.decision(for: request) { return ruled }
        if permissionHandler == nil {
            return request.kind == .read && inside ? .approveOnce : PermissionDecision(kind: "no-handler")
        }
        let key = "builtin:\(request.kind.rawValue)"
        if inside, approvedForSession.contains(key) { return .approveOnce }
        let decision = await askPermission(request)
        if decision.kind == "approve-for-session", inside { approvedForSession.insert(key) }
        return decision
    }

    /// The built-in `ask_user` tool: `user_input.requested`, the handler, `user_input.completed`.
    func askUser(_ call: ToolCall, arguments: JSONValue, handler: UserInputHandler, turnID: String) async -> ToolOutcome {
        guard let question = arguments["question"]?.stringValue, !question.isEmpty else {
            let text = "ask_user needs a `question` string."
            return fail(call, turnID: turnID, textForModel: text, eventMessage: text, code: "failure")
        }
        let choices = arguments["choices"]?.arrayValue?.compactMap(\.stringValue)
        let request = UserInputRequest(
            question: question, choices: choices, allowFreeform: arguments["allow_freeform"] != false, toolCallId: call.id)
        let requestID = UUID().uuidString.lowercased()
        emit(.userInputRequested(.init(
            requestId: requestID, question: question, choices: choices, allowFreeform: request.allowFreeform, toolCallId: call.id)))
        do {
            let response = try await handler(request)
            emit(.userInputCompleted(.init(requestId: requestID, answer: response.answer, wasFreeform: response.wasFreeform)))
            let text = response.wasFreeform ? "User responded: \(response.answer)" : "User selected: \(response.answer)"
            emit(.toolExecutionComplete(.init(toolCallId: call.id, success: true, result: .init(content: text), turnId: turnID)))
            return ToolOutcome(callID: call.id, textForModel: text, endsInteraction: false)
        } catch {
            emit(.userInputCompleted(.init(requestId: requestID)))
            if Task.isCancelled || error is CancellationError {
                return fail(call, turnID: turnID, textForModel: Self.interruptedText, eventMessage: "Session aborted", code: "aborted")
            }
            let text = "The user could not be asked: \(error)"
            return fail(call, turnID: turnID, textForModel: "The user did not answer the question.", eventMessage: text, code: "failure")
        }
    }

    func fail(_ call: ToolCall, turnID: String, _ result: ToolResult) -> ToolOutcome {
        fail(
            call, turnID: turnID, textForModel: result.textResultForLlm, eventMessage: result.error ?? result.textResultForLlm,
            code: result.resultType.rawValue, endsInteraction: result.resultType == .rejected)
    }

    func fail(
        _ call: ToolCall, turnID: String, textForModel: String, eventMessage: String, code: String, endsInteraction: Bool = false
    ) -> ToolOutcome {
        // `result.content` records what the model was told, so a resumed session replays it exactly.
        emit(.toolExecutionComplete(.init(
            toolCallId: call.id, success: false, result: .init(content: textForModel), error: .init(message: eventMessage, code: code),
            turnId: turnID)))
        return ToolOutcome(callID: call.id, textForModel: textForModel, endsInteraction: endsInteraction)
    }

    func askPermission(_ request: PermissionRequest) async -> PermissionDecision {
        // `session.permissions.setApproveAll`: nobody is asked.
        if sessionState.approveAll { return .approveOnce }
        // The runtime's standing rules (`--allow-tool`, `--deny-tool`, `--yolo`…): nobody is asked either.
        if let ruled = permissionRules.decision(for: request) { return ruled }
        let requestID = UUID().uuidString.lowercased()
        emit(.permissionRequested(.init(requestId: requestID, permissionRequest: request)))
        var decision = PermissionDecision.userNotAvailable
        if let permissionHandler {
            do {
                decision = try await permissionHandler(request, PermissionInvocation(sessionId: sessionId, requestId: requestID))
            } catch {
                logger.warning("permission handler failed; denying", metadata: ["error": "\(error)"])
            }
        }
        emit(.permissionCompleted(.init(
            requestId: requestID, toolCallId: request.toolCallId,
            result: .init(kind: Self.outcomeKind(for: decision), feedback: decision.feedback))))
        return decision
    }

    static func outcomeKind(for decision: PermissionDecision) -> String {
        switch decision.kind {
        case "approve-once", "approved": "approved"
        case "approve-for-session", "approved-for-session": "approved-for-session"
        case "reject": "denied-interactively-by-user"
        default: "denied-no-approval-rule-and-could-not-request-from-user"
        }
    }
}
