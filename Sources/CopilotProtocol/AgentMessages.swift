public import CopilotCore

/// `session.agent.list` and `session.agent.reload`: the session's agents.
package struct AgentListResult: Codable, Sendable, Hashable {
    package var agents: [AgentInfo]
    package init(agents: [AgentInfo]) { self.agents = agents }
}

/// `session.agent.getCurrent` and `session.agent.select`: the agent running as the main agent
/// (`null` for the default agent).
package struct CurrentAgentResult: Codable, Sendable, Hashable {
    package var agent: AgentInfo?
    package init(agent: AgentInfo?) { self.agent = agent }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(agent, forKey: .agent)
    }
}

/// `session.agent.select`.
package struct AgentNameParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var name: String
    package init(sessionId: String, name: String) {
        self.sessionId = sessionId
        self.name = name
    }
}

/// `session.tasks.list`.
package struct TaskListResult: Codable, Sendable, Hashable {
    package var tasks: [AgentTaskInfo]
    package init(tasks: [AgentTaskInfo]) { self.tasks = tasks }
}

/// `session.tasks.startAgent`.
package struct TaskStartAgentParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var agentType: String
    package var prompt: String
    package var name: String?
    package var description: String?
    package var model: String?
    package init(sessionId: String, agentType: String, prompt: String, name: String?, description: String?, model: String?) {
        self.sessionId = sessionId
        self.agentType = agentType
        self.prompt = prompt
        self.name = name
        self.description = description
        self.model = model
    }
}

package struct TaskStartAgentResult: Codable, Sendable, Hashable {
    package var agentId: String
    package init(agentId: String) { self.agentId = agentId }
}

/// `session.tasks.cancel`, `remove`, `promoteToBackground`, `getProgress`.
package struct TaskIDParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var id: String
    package init(sessionId: String, id: String) {
        self.sessionId = sessionId
        self.id = id
    }
}

package struct TaskCancelResult: Codable, Sendable, Hashable {
    package var cancelled: Bool
    package init(cancelled: Bool) { self.cancelled = cancelled }
}

package struct TaskRemoveResult: Codable, Sendable, Hashable {
    package var removed: Bool
    package init(removed: Bool) { self.removed = removed }
}

package struct TaskPromoteResult: Codable, Sendable, Hashable {
    package var promoted: Bool
    package init(promoted: Bool) { self.promoted = promoted }
}

/// `session.tasks.getProgress` (`progress` is `null` for a task this runtime does not know).
package struct TaskProgressResult: Codable, Sendable, Hashable {
    package var progress: JSONValue?
    package init(progress: JSONValue?) { self.progress = progress }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(progress, forKey: .progress)
    }
}

/// `session.tasks.getCurrentPromotable`, `promoteCurrentToBackground`.
package struct TaskCurrentResult: Codable, Sendable, Hashable {
    package var task: AgentTaskInfo?
    package init(task: AgentTaskInfo?) { self.task = task }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(task, forKey: .task)
    }
}

/// `session.tasks.sendMessage`.
package struct TaskSendMessageParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var id: String
    package var message: String
}

package struct TaskSendMessageResult: Codable, Sendable, Hashable {
    package var sent: Bool
    package var error: String?
    package init(sent: Bool, error: String?) {
        self.sent = sent
        self.error = error
    }
}

/// `session.fleet.start`.
package struct FleetStartParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var prompt: String?
    package init(sessionId: String, prompt: String?) {
        self.sessionId = sessionId
        self.prompt = prompt
    }
}

package struct FleetStartResult: Codable, Sendable, Hashable {
    package var started: Bool
    package init(started: Bool) { self.started = started }
}

/// `session.shell.exec`.
package struct ShellExecParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var command: String
    package var cwd: String?
    package init(sessionId: String, command: String, cwd: String? = nil) {
        self.sessionId = sessionId
        self.command = command
        self.cwd = cwd
    }
}

package struct ShellExecResult: Codable, Sendable, Hashable {
    package var processId: String
    package init(processId: String) { self.processId = processId }
}

/// `session.shell.kill`.
package struct ShellKillParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var processId: String
    package init(sessionId: String, processId: String) {
        self.sessionId = sessionId
        self.processId = processId
    }
}

package struct ShellKillResult: Codable, Sendable, Hashable {
    package var killed: Bool
    package init(killed: Bool) { self.killed = killed }
}

/// The `handlePending…` methods of requests this runtime may have pending for the clients: a
/// request id and the client's answer, whatever its shape.
package struct PendingAnswerParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var requestId: String
    package var result: JSONValue?
    package var response: JSONValue?
    package var error: String?
}

/// `session.ui.registerDirectAutoModeSwitchHandler`.
package struct HandlerHandleResult: Codable, Sendable, Hashable {
    package var handle: String
    package init(handle: String) { self.handle = handle }
}

/// `session.ui.unregisterDirectAutoModeSwitchHandler`.
package struct HandlerHandleParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var handle: String
}

package struct UnregisteredResult: Codable, Sendable, Hashable {
    package var unregistered: Bool
    package init(unregistered: Bool) { self.unregistered = unregistered }
}
