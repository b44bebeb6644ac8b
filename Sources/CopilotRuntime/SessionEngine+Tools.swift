import CopilotCore
import CopilotProviders
import Foundation
import Logging

/// Tool calls: the hooks around them, the registry's source that runs them, and the permission decisions they ask for.
extension SessionEngine {
    func runTools(_ calls: [ToolCall], turnID: String, agent: AgentIdentity) async -> [ToolOutcome] {
        await withTaskGroup(of: (Int, ToolOutcome).self) { group in
            for (index, call) in calls.enumerated() {
                group.addTask { (index, await self.execute(call, turnID: turnID, agent: agent)) }
            }
            var outcomes = [ToolOutcome?](repeating: nil, count: calls.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes.enumerated().map { index, outcome in
                outcome ?? ToolOutcome(callID: calls[index].id, textForModel: Self.interruptedText, endsInteraction: false)
            }
        }
    }

    private static let interruptedText = "The execution of this tool, or a previous tool was interrupted."

    /// Runs one call: `tool.execution_start`, the `preToolUse` hook, the source that offers the tool
    /// (which asks permission for what the call does), the `postToolUse` hook, and
    /// `tool.execution_complete` — the same for every source.
    func execute(_ call: ToolCall, turnID: String, agent: AgentIdentity) async -> ToolOutcome {
        let parsed = try? JSONValue(parsing: call.arguments.isEmpty ? "{}" : call.arguments)
        var mcp: (server: String, tool: String)?
        if case .mcp(let server, let tool) = offeredTools(to: agent).first(where: { $0.name == call.name })?.tool.origin { mcp = (server, tool) }
        emit(.toolExecutionStart(.init(
            toolCallId: call.id, toolName: call.name, arguments: parsed ?? .string(call.arguments), turnId: turnID, mcpServerName: mcp?.server,
            mcpToolName: mcp?.tool)), agent: agent)

        let isObject = parsed.map { $0.objectValue != nil || $0 == .null } ?? false
        var invocationArguments: JSONValue = isObject && parsed != .null ? parsed ?? [:] : [:]
        var additionalContext: String?
        var hookDecision: String?
        var modifiedArguments: String?
        let preInput = PreToolUseInput(sessionId: agent.hookSessionId, toolName: call.name, toolArgs: invocationArguments, toolCallId: call.id)
        if let output = await runHook(.preToolUse, preInput) {
            hookDecision = output.permissionDecision
            if let modified = output.modifiedArgs, modified.objectValue != nil {
                invocationArguments = modified
                modifiedArguments = modified.jsonString
            }
            additionalContext = output.additionalContext
            if output.permissionDecision == "deny" {
                let reason = output.permissionDecisionReason.flatMap { $0.isEmpty ? nil : $0 } ?? "No reason provided"
                let text = "Denied by preToolUse hook: \(reason)"
                return fail(call, turnID: turnID, textForModel: text, eventMessage: text, code: "denied", agent: agent)
            }
        }
        // As in the official runtime, the hook sees every call the model makes, then the call is checked.
        let offered = offeredTools(to: agent)
        guard let source = offered.first(where: { $0.name == call.name })?.source else {
            // The official runtime's wording, which models trained on it recover from.
            let available = offered.map(\.name).joined(separator: ", ")
            let text = "Tool '\(call.name)' does not exist. Available tools that can be called are \(available)."
            return fail(call, turnID: turnID, textForModel: text, eventMessage: text, code: "failure", agent: agent)
        }
        guard isObject else {
            let text = "The arguments for tool `\(call.name)` are not a JSON object: \(call.arguments.prefix(200)). Call it again with a JSON object that matches its schema."
            return fail(call, turnID: turnID, textForModel: text, eventMessage: text, code: "failure", agent: agent)
        }

        var outcome = await run(
            call, on: source, arguments: invocationArguments, preApproved: hookDecision == "allow", context: additionalContext, turnID: turnID,
            agent: agent)
        outcome.modifiedArguments = modifiedArguments
        return outcome
    }

    /// Runs an allowed call on its source, then the `postToolUse` hook (after success) or the
    /// `postToolUseFailure` hook (after a failure), and emits `tool.execution_complete`. `context`
    /// (the `preToolUse` hook's) follows the result the model gets.
    private func run(
        _ call: ToolCall, on source: any ToolSource, arguments: JSONValue, preApproved: Bool, context: String?, turnID: String, agent: AgentIdentity
    ) async -> ToolOutcome {
        var output: ToolRunOutput
        do {
            output = try await source.run(toolCallContext(call, arguments: arguments, preApproved: preApproved, turnID: turnID, agent: agent))
        } catch {
            if Task.isCancelled || error is CancellationError {
                return fail(call, turnID: turnID, textForModel: Self.interruptedText, eventMessage: "Session aborted", code: "aborted", agent: agent)
            }
            logger.debug("tool failed", metadata: ["tool": "\(call.name)", "error": "\(error)"])
            // Like the official runtime, the model gets a generic text; the details go to the event.
            let text = "Failed to execute `\(call.name)` tool with arguments: \(arguments.jsonString) due to error: Error: Tool execution failed"
            output = ToolRunOutput(ToolResult(textResultForLlm: text, resultType: .failure, error: String(describing: error)))
        }
        // An abort while the call waited (for its permission, say) interrupts it, whatever it returned.
        if Task.isCancelled {
            return fail(call, turnID: turnID, textForModel: Self.interruptedText, eventMessage: "Session aborted", code: "aborted", agent: agent)
        }
        if output.result.resultType == .success,
            let post = await runHook(
                .postToolUse, PostToolUseInput(sessionId: agent.hookSessionId, toolName: call.name, toolArgs: arguments, toolResult: output.result))
        {
            if let modified = post.modifiedResult { output.result = modified }
            if let context = post.additionalContext, !context.isEmpty { output.result.textResultForLlm += "\n\n" + context }
        }
        if output.result.resultType == .failure {
            let input = PostToolUseFailureInput(
                sessionId: agent.hookSessionId, toolName: call.name, toolArgs: arguments, error: output.result.error ?? output.result.textResultForLlm)
            if let context = await runHook(.postToolUseFailure, input)?.additionalContext, !context.isEmpty {
                output.result.textResultForLlm += "\n\n" + context
            }
        }
        if let context, !context.isEmpty { output.result.textResultForLlm += "\n\n" + context }
        let result = output.result
        switch result.resultType {
        case .success:
            emit(.toolExecutionComplete(.init(
                toolCallId: call.id, success: true,
                result: .init(content: result.textResultForLlm, contents: output.contents, structuredContent: output.structuredContent),
                turnId: turnID)), agent: agent)
            return ToolOutcome(
                callID: call.id, textForModel: result.textResultForLlm, endsInteraction: false, images: output.images, imagePath: output.imagePath,
                followUp: output.followUp)
        case .failure, .denied, .rejected:
            return fail(call, turnID: turnID, result, agent: agent)
        }
    }

    /// What a source's call gets from this session.
    private func toolCallContext(_ call: ToolCall, arguments: JSONValue, preApproved: Bool, turnID: String, agent: AgentIdentity) -> ToolCallContext {
        ToolCallContext(
            sessionId: sessionId, call: call, arguments: arguments,
            workingDirectory: workingDirectory ?? FileManager.default.currentDirectoryPath, turnID: turnID, agent: agent,
            ask: { request in await self.decide(request, preApproved: preApproved, agent: agent) },
            permit: { request in
                let decision = await self.decide(request, preApproved: preApproved, agent: agent)
                return await self.refusal(for: decision)
            },
            publish: { payload in await self.publish(payload, agent: agent) },
            preMcpToolCall: { input in await self.runHook(.preMcpToolCall, input) })
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

    /// The session's decision on what a tool call wants to do. Asked in order: a `preToolUse` hook
    /// that allowed the call (inside the working directory only), approve-all, the standing rules,
    /// what the user approved for the session (one request kind for built-in tools, one tool for
    /// the app's and MCP servers' — never outside the working directory), then the permission
    /// handler. Without a handler, built-in reads inside the working directory are allowed.
    func decide(_ request: PermissionRequest, preApproved: Bool, agent: AgentIdentity? = nil) async -> PermissionDecision {
        let inside = request.outsideWorkingDirectory != true
        if preApproved, inside { return .approveOnce }
        if sessionState.approveAll { return .approveOnce }
        if let ruled = permissionRules.decision(for: request) { return ruled }
        let key = Self.sessionApprovalKey(request)
        if inside, approvedForSession.contains(key) { return .approveOnce }
        let builtInKind = [PermissionRequest.Kind.read, .write, .shell, .url].contains(request.kind)
        if permissionHandler == nil, builtInKind {
            return request.kind == .read && inside ? .approveOnce : PermissionDecision(kind: "no-handler")
        }
        let decision = await askPermission(request, agent: agent)
        if decision.kind == "approve-for-session", inside { approvedForSession.insert(key) }
        return decision
    }

    /// What "approve for the session" covers: a kind of built-in request, or one named tool.
    static func sessionApprovalKey(_ request: PermissionRequest) -> String {
        switch request.kind {
        case .read, .write, .shell, .url: "builtin:\(request.kind.rawValue)"
        case .mcp: "mcp:\(request.serverName ?? "")/\(request.toolName ?? "")"
        default: "\(request.kind.rawValue):\(request.toolName ?? "")"
        }
    }

    func fail(_ call: ToolCall, turnID: String, _ result: ToolResult, agent: AgentIdentity) -> ToolOutcome {
        fail(
            call, turnID: turnID, textForModel: result.textResultForLlm, eventMessage: result.error ?? result.textResultForLlm,
            code: result.resultType.rawValue, endsInteraction: result.resultType == .rejected, agent: agent)
    }

    func fail(
        _ call: ToolCall, turnID: String, textForModel: String, eventMessage: String, code: String, endsInteraction: Bool = false,
        agent: AgentIdentity
    ) -> ToolOutcome {
        // `result.content` records what the model was told, so a resumed session replays it exactly.
        emit(.toolExecutionComplete(.init(
            toolCallId: call.id, success: false, result: .init(content: textForModel), error: .init(message: eventMessage, code: code),
            turnId: turnID)), agent: agent)
        return ToolOutcome(callID: call.id, textForModel: textForModel, endsInteraction: endsInteraction)
    }

    /// Asks the permission handler, framed by `permission.requested` / `permission.completed`
    /// (carrying the asking sub-agent's id, when one asks).
    func askPermission(_ request: PermissionRequest, agent: AgentIdentity? = nil) async -> PermissionDecision {
        // `session.permissions.setApproveAll`: nobody is asked.
        if sessionState.approveAll { return .approveOnce }
        // The runtime's standing rules (`--allow-tool`, `--deny-tool`, `--yolo`…): nobody is asked either.
        if let ruled = permissionRules.decision(for: request) { return ruled }
        let requestID = UUID().uuidString.lowercased()
        emit(.permissionRequested(.init(requestId: requestID, permissionRequest: request)), agent: agent)
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
            result: .init(kind: Self.outcomeKind(for: decision), feedback: decision.feedback))), agent: agent)
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
