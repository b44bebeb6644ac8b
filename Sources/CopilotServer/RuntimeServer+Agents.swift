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
            router.on(method, sessionsOf: server) { _, call in
                AgentListResult(agents: await call.engine.agents.map(\.info))
            }
        }
        router.on(RPC.sessionAgentGetCurrent, sessionsOf: server) { _, call in
            CurrentAgentResult(agent: await call.engine.currentAgent?.info)
        }
        router.on(RPC.sessionAgentSelect, sessionsOf: server) { params, call in
            let engine = call.engine
            do {
                return CurrentAgentResult(agent: try await engine.selectAgent(params.name).info)
            } catch let error as CopilotError {
                throw RPCError(code: -32000, message: error.message)
            }
        }
        router.on(RPC.sessionAgentDeselect, sessionsOf: server) { _, call in
            await call.engine.deselectAgent()
            return EmptyResult()
        }

        router.on(RPC.sessionTasksList, sessionsOf: server) { _, call in
            TaskListResult(tasks: await call.engine.agentTaskInfos)
        }
        router.on(RPC.sessionTasksStartAgent, sessionsOf: server) { params, call in
            let engine = call.engine
            do {
                return TaskStartAgentResult(agentId: try await engine.startAgentTask(
                    type: params.agentType, prompt: params.prompt, description: params.description, name: params.name, model: params.model))
            } catch let error as CopilotError {
                throw RPCError(code: -32000, message: error.message)
            }
        }
        router.on(RPC.sessionTasksCancel, sessionsOf: server) { params, call in
            TaskCancelResult(cancelled: await call.engine.cancelAgentTask(params.id))
        }
        router.on(RPC.sessionTasksRemove, sessionsOf: server) { params, call in
            TaskRemoveResult(removed: await call.engine.removeAgentTask(params.id))
        }
        // A sync sub-agent runs inside its parent's tool call, so none can be moved to the background.
        router.on(RPC.sessionTasksPromoteToBackground, sessionsOf: server) { _, _ in
            return TaskPromoteResult(promoted: false)
        }
        router.on(RPC.sessionTasksGetCurrentPromotable, sessionsOf: server) { _, _ in
            return TaskCurrentResult(task: nil)
        }
        router.on(RPC.sessionTasksPromoteCurrentToBackground, sessionsOf: server) { _, _ in
            return TaskCurrentResult(task: nil)
        }
        router.on(RPC.sessionTasksGetProgress, sessionsOf: server) { params, call in
            let tasks = await call.engine.agentTaskInfos
            guard let task = tasks.first(where: { $0.id == params.id }) else { return TaskProgressResult(progress: nil) }
            return TaskProgressResult(progress: ["id": .string(task.id), "status": .string(task.status)])
        }
        router.on(RPC.sessionTasksSendMessage, sessionsOf: server) { params, call in
            let tasks = await call.engine.agentTaskInfos
            let reason = tasks.contains { $0.id == params.id }
                ? "Task \(params.id) takes no messages while it runs: a sub-agent works on the prompt it was started with."
                : "No task with id \(params.id)."
            return TaskSendMessageResult(sent: false, error: reason)
        }
        router.on(RPC.sessionTasksRefresh, sessionsOf: server) { _, _ in
            return EmptyResult()
        }
        router.on(RPC.sessionTasksWaitForPending, sessionsOf: server) { _, call in
            await call.engine.waitForAgentTasks()
            return EmptyResult()
        }

        router.on(RPC.sessionFleetStart, sessionsOf: server) { params, call in
            let engine = call.engine
            do {
                _ = try await engine.startFleet(params.prompt)
            } catch let error as CopilotError {
                throw RPCError(code: -32000, message: error.message)
            }
            return FleetStartResult(started: true)
        }

        router.on(RPC.sessionShellExec, sessionsOf: server) { params, call in
            do {
                return ShellExecResult(processId: try await call.host.runShellCommand(params.command, in: params.cwd))
            } catch let error as CopilotError {
                throw RPCError(code: -32000, message: error.message)
            }
        }
        router.on(RPC.sessionShellKill, sessionsOf: server) { params, call in
            ShellKillResult(killed: await call.engine.killClientCommand(params.processId))
        }
    }
}

/// Answers a client gives to requests it found pending (`session.*.handlePending…`).
extension RuntimeServer {
    static func addPendingAnswerMethods(to router: inout RPCRouter, _ server: RuntimeServer) {
        // A client reports how a command it was sent ended; this runtime sends commands as events
        // and waits for no report, so the report is taken and there is nothing to give back.
        router.on(RPC.sessionCommandsHandlePendingCommand, sessionsOf: server) { _, _ in
            return SuccessResult(success: true)
        }
        // This runtime never leaves these requests pending (it asks for user input directly, and
        // makes none of the others), so no answer finds one; other kinds' pending requests are
        // never touched.
        for method in RPC.sessionPendingAnswers {
            router.on(method, sessionsOf: server) { params, _ in
                return SuccessResult(success: false, error: "No pending request \(params.requestId).")
            }
        }
        router.on(RPC.sessionUIRegisterDirectAutoModeSwitchHandler, sessionsOf: server) { _, call in
            HandlerHandleResult(handle: call.session
                .registerAutoModeSwitchHandler())
        }
        router.on(RPC.sessionUIUnregisterDirectAutoModeSwitchHandler, sessionsOf: server) { params, call in
            UnregisteredResult(unregistered: call.session
                .unregisterAutoModeSwitchHandler(params.handle))
        }
    }
}
