import CopilotCore
import CopilotProtocol
import CopilotRuntime

/// The agent methods: the session's agents and the one running as its main agent
/// (`session.agent.*`), its sub-agents (`session.tasks.*`), fleet mode (`session.fleet.start`),
/// and commands a client runs in the session (`session.shell.*`).
extension RuntimeServer {
    static func addAgentMethods(to router: inout RPCRouter, _ server: RuntimeServer) {
        // Custom agents come with the session's config: a reload has nothing on disk to read again.
        for method in [RPC.sessionAgentList, RPC.sessionAgentReload] {
            router.on(method) { [unowned server] params, _ in
                AgentListResult(agents: try await server.liveEngine(params.sessionId, method.name).agents.map(\.info))
            }
        }
        router.on(RPC.sessionAgentGetCurrent) { [unowned server] params, _ in
            CurrentAgentResult(agent: try await server.liveEngine(params.sessionId, RPC.sessionAgentGetCurrent.name).currentAgent?.info)
        }
        router.on(RPC.sessionAgentSelect) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionAgentSelect.name)
            do {
                return CurrentAgentResult(agent: try await engine.selectAgent(params.name).info)
            } catch let error as CopilotError {
                throw RPCError(code: -32000, message: error.message)
            }
        }
        router.on(RPC.sessionAgentDeselect) { [unowned server] params, _ in
            try await server.liveEngine(params.sessionId, RPC.sessionAgentDeselect.name).deselectAgent()
            return EmptyResult()
        }

        router.on(RPC.sessionTasksList) { [unowned server] params, _ in
            TaskListResult(tasks: try await server.liveEngine(params.sessionId, RPC.sessionTasksList.name).agentTaskInfos)
        }
        router.on(RPC.sessionTasksStartAgent) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionTasksStartAgent.name)
            do {
                return TaskStartAgentResult(agentId: try await engine.startAgentTask(
                    type: params.agentType, prompt: params.prompt, description: params.description, name: params.name, model: params.model))
            } catch let error as CopilotError {
                throw RPCError(code: -32000, message: error.message)
            }
        }
        router.on(RPC.sessionTasksCancel) { [unowned server] params, _ in
            TaskCancelResult(cancelled: try await server.liveEngine(params.sessionId, RPC.sessionTasksCancel.name).cancelAgentTask(params.id))
        }
        router.on(RPC.sessionTasksRemove) { [unowned server] params, _ in
            TaskRemoveResult(removed: try await server.liveEngine(params.sessionId, RPC.sessionTasksRemove.name).removeAgentTask(params.id))
        }
        // A sync sub-agent runs inside its parent's tool call, so none can be moved to the background.
        router.on(RPC.sessionTasksPromoteToBackground) { [unowned server] params, _ in
            _ = try server.liveEngine(params.sessionId, RPC.sessionTasksPromoteToBackground.name)
            return TaskPromoteResult(promoted: false)
        }
        router.on(RPC.sessionTasksGetCurrentPromotable) { [unowned server] params, _ in
            _ = try server.liveEngine(params.sessionId, RPC.sessionTasksGetCurrentPromotable.name)
            return TaskCurrentResult(task: nil)
        }
        router.on(RPC.sessionTasksPromoteCurrentToBackground) { [unowned server] params, _ in
            _ = try server.liveEngine(params.sessionId, RPC.sessionTasksPromoteCurrentToBackground.name)
            return TaskCurrentResult(task: nil)
        }
        router.on(RPC.sessionTasksGetProgress) { [unowned server] params, _ in
            let tasks = try await server.liveEngine(params.sessionId, RPC.sessionTasksGetProgress.name).agentTaskInfos
            guard let task = tasks.first(where: { $0.id == params.id }) else { return TaskProgressResult(progress: nil) }
            return TaskProgressResult(progress: ["id": .string(task.id), "status": .string(task.status)])
        }
        router.on(RPC.sessionTasksSendMessage) { [unowned server] params, _ in
            let tasks = try await server.liveEngine(params.sessionId, RPC.sessionTasksSendMessage.name).agentTaskInfos
            let reason = tasks.contains { $0.id == params.id }
                ? "Task \(params.id) takes no messages while it runs: a sub-agent works on the prompt it was started with."
                : "No task with id \(params.id)."
            return TaskSendMessageResult(sent: false, error: reason)
        }
        router.on(RPC.sessionTasksRefresh) { [unowned server] params, _ in
            _ = try server.liveEngine(params.sessionId, RPC.sessionTasksRefresh.name)
            return EmptyResult()
        }
        router.on(RPC.sessionTasksWaitForPending) { [unowned server] params, _ in
            try await server.liveEngine(params.sessionId, RPC.sessionTasksWaitForPending.name).waitForAgentTasks()
            return EmptyResult()
        }

        router.on(RPC.sessionFleetStart) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionFleetStart.name)
            do {
                _ = try await engine.startFleet(params.prompt)
            } catch let error as CopilotError {
                throw RPCError(code: -32000, message: error.message)
            }
            return FleetStartResult(started: true)
        }

        router.on(RPC.sessionShellExec) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionShellExec.name)
            do {
                return ShellExecResult(processId: try await engine.runClientCommand(params.command, in: params.cwd))
            } catch {
                throw RPCError(code: -32000, message: "The command could not be started: \(error)")
            }
        }
        router.on(RPC.sessionShellKill) { [unowned server] params, _ in
            ShellKillResult(killed: try await server.liveEngine(params.sessionId, RPC.sessionShellKill.name).killClientCommand(params.processId))
        }
    }
}

/// Answers a client gives to requests it found pending (`session.*.handlePending…`).
extension RuntimeServer {
    static func addPendingAnswerMethods(to router: inout RPCRouter, _ server: RuntimeServer) {
        // A client reports how a command it was sent ended; this runtime sends commands as events
        // and waits for no report, so the report is taken and there is nothing to give back.
        router.on(RPC.sessionCommandsHandlePendingCommand) { [unowned server] params, _ in
            _ = try server.liveSession(params.sessionId, RPC.sessionCommandsHandlePendingCommand.name)
            return SuccessResult(success: true)
        }
        // This runtime never leaves these requests pending (it asks for user input directly, and
        // makes none of the others), so no answer finds one; other kinds' pending requests are
        // never touched.
        for method in RPC.sessionPendingAnswers {
            router.on(method) { [unowned server] params, _ in
                _ = try server.liveSession(params.sessionId, method.name)
                return SuccessResult(success: false, error: "No pending request \(params.requestId).")
            }
        }
        router.on(RPC.sessionUIRegisterDirectAutoModeSwitchHandler) { [unowned server] params, _ in
            HandlerHandleResult(handle: try server.liveSession(params.sessionId, RPC.sessionUIRegisterDirectAutoModeSwitchHandler.name)
                .registerAutoModeSwitchHandler())
        }
        router.on(RPC.sessionUIUnregisterDirectAutoModeSwitchHandler) { [unowned server] params, _ in
            UnregisteredResult(unregistered: try server.liveSession(params.sessionId, RPC.sessionUIUnregisterDirectAutoModeSwitchHandler.name)
                .unregisterAutoModeSwitchHandler(params.handle))
        }
    }
}
