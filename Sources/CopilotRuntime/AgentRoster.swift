import CopilotCore
import CopilotProviders
import Foundation
import Synchronization

/// A session's agents: the custom ones it was given, the built-in ones it keeps, the one running
/// as its main agent, and the sub-agents running in the background (the official "tasks").
struct AgentRoster {
    /// The app's agents, in order.
    var custom: [CustomAgent]
    /// Built-in agents the `task` tool does not offer.
    var excludedBuiltIns: Set<String>
    /// The custom agent running as the main agent, if any, and the instructions of the skills it preloads.
    var selected: CustomAgent?
    var selectedSkills: [String] = []
    /// The agent ``SessionConfig/agent`` names, selected when the session starts or resumes.
    var initial: String?
    /// Other providers a custom agent's `model` may name as `provider/model`.
    var providers: [String: ProviderConfig]
    /// The model ids each provider listed (by its key in ``providers``, `""` for the session's),
    /// asked once; `nil` inside when it could not list them.
    var listedModels: [String: Set<String>?] = [:]
    /// Sub-agents started in the background (and sync ones while they run), by agent id, in start order.
    var tasks: [String: AgentTask] = [:]
    var order: [String] = []
    /// Notifications for the main agent: background agents that finished and were not read yet.
    var pendingNotifications: [String] = []
    /// Waiting for a background agent to finish (the main agent, or `read_agent` with `wait`).
    var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    /// Sub-agents running now, and those waiting for a place (at most ``AgentRoster/parallelLimit`` run at once).
    var running = 0
    var queued: [(key: UUID, continuation: CheckedContinuation<Bool, Never>)] = []
    /// Every agent id given out in this session: one is never given twice, also after a task is removed.
    var usedIDs: Set<String> = []

    /// How many sub-agents of one session run at the same time; more wait for a place.
    static let parallelLimit = 4

    /// Every agent that can be delegated to: the app's first (they are what the session is for),
    /// then the built-in ones it keeps. An app agent with a built-in's name replaces it.
    var all: [CustomAgent] {
        custom + CustomAgent.builtIn.filter { builtIn in !excludedBuiltIns.contains(builtIn.name) && !custom.contains { $0.name == builtIn.name } }
    }

    /// The agents the `task` tool offers: all but custom ones with `infer: false`.
    var delegable: [CustomAgent] { all.filter(\.infer) }

    func agent(named name: String) -> CustomAgent? { all.first { $0.name == name } }

    /// An agent id for `name` not used yet in this session.
    func freshID(for name: String) -> String {
        let base = name.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" }.reduce(into: "") { $0.append($1) }
        let stem = base.isEmpty ? "agent" : base
        guard usedIDs.contains(stem) else { return stem }
        var number = 2
        while usedIDs.contains("\(stem)-\(number)") { number += 1 }
        return "\(stem)-\(number)"
    }

    var hasRunningBackground: Bool { tasks.values.contains { $0.mode == .background && $0.status == .running } }
}

/// One sub-agent the session started: what it was asked, how it went, and its answer.
struct AgentTask: Sendable {
    enum Mode: String, Sendable { case sync, background }
    enum Status: String, Sendable { case running, completed, failed, cancelled }

    var id: String
    var agentType: String
    var description: String
    var prompt: String
    var mode: Mode
    var toolCallId: String?
    var status: Status = .running
    var started = ContinuousClock.now
    var startedAt = Date()
    var finished: ContinuousClock.Instant?
    var finishedAt: Date?
    var result: String?
    var error: String?
    /// How many times it was sent on after its answer (a `subagentStop` hook's block): `total_turns`.
    var turns = 0
    var task: Task<Void, Never>?

    var elapsedSeconds: Int {
        Int(started.duration(to: finished ?? .now).components.seconds)
    }

    /// How `read_agent` and `list_agents` describe it, in the official runtime's words.
    var summary: String {
        let state: String =
            switch status {
            case .running: "Agent is still running"
            case .completed: "Agent completed"
            case .failed: "Agent failed"
            case .cancelled: "Agent was cancelled"
            }
        var text = "\(state). agent_id: \(id), agent_type: \(agentType), status: \(status.rawValue), description: \(description), elapsed: \(elapsedSeconds)s"
        if status != .running { text += ", total_turns: \(turns), duration: \(elapsedSeconds)s" }
        return text
    }
}

/// Arguments of the `task` tool.
struct TaskRequest: Sendable {
    var agentType: String
    var prompt: String
    var description: String
    var name: String?
    var mode: AgentTask.Mode
    var model: String?
}

/// The built-in `task`, `read_agent` and `list_agents` tools: the main agent delegates to a
/// sub-agent and reads what its background sub-agents did. The session runs the sub-agents.
struct AgentToolSource: ToolSource {
    static let names: Set<String> = ["task", "read_agent", "list_agents"]

    let runTask: @Sendable (TaskRequest, ToolCallContext) async throws -> ToolRunOutput
    let readAgent: @Sendable (_ id: String, _ wait: Bool, _ timeout: Duration) async -> ToolResult
    let listAgents: @Sendable () async -> String
    /// Declared once: the agents `task` offers (the session's built-in and custom agents, less
    /// excluded and `infer: false` ones) do not change while the session lives.
    let tools: [SourcedTool]

    init(
        offering agents: [CustomAgent], runTask: @escaping @Sendable (TaskRequest, ToolCallContext) async throws -> ToolRunOutput,
        readAgent: @escaping @Sendable (_ id: String, _ wait: Bool, _ timeout: Duration) async -> ToolResult,
        listAgents: @escaping @Sendable () async -> String
    ) {
        self.runTask = runTask
        self.readAgent = readAgent
        self.listAgents = listAgents
        tools = Self.declarations(offering: agents).map { SourcedTool($0, origin: .builtin) }
    }

    /// How `task`, `read_agent` and `list_agents` are declared to a model whose session has
    /// `offered` agents (none: no tools).
    static func declarations(offering offered: [CustomAgent]) -> [ToolDefinition] {
        guard !offered.isEmpty else { return [] }
        let list = offered.map { "- \($0.name): \($0.description ?? $0.shownName)" }.joined(separator: "\n")
        let task = ToolDefinition(
            name: "task",
            description: """
                Start a sub-agent for a task that can be done on its own: it works in a fresh context with its own tools and \
                answers with its result. `sync` (the default) waits for the answer; `background` returns at once with an agent_id, \
                and you are told when it finishes (read its result with read_agent). Start several background agents in one turn \
                for independent work.

                Agents:
                \(list)
                """,
            parameters: [
                "type": "object",
                "properties": [
                    "agent_type": ["type": "string", "enum": .array(offered.map { .string($0.name) }), "description": "Which agent to start."],
                    "prompt": ["type": "string", "description": "The complete task: the agent sees nothing else of this conversation."],
                    "description": ["type": "string", "description": "A few words on what the agent does."],
                    "name": ["type": "string", "description": "A short name, used as its agent_id."],
                    "mode": ["type": "string", "enum": ["sync", "background"], "description": "sync (default) or background."],
                    "model": ["type": "string", "description": "A model to run the agent on instead of its own."],
                ],
                "required": ["agent_type", "prompt", "description"],
            ])
        let read = ToolDefinition(
            name: "read_agent",
            description: "Read the status and result of a sub-agent started in the background; with wait, wait for it to finish.",
            parameters: [
                "type": "object",
                "properties": [
                    "agent_id": ["type": "string"],
                    "wait": ["type": "boolean", "description": "Wait until the agent finishes."],
                    "timeout": ["type": "integer", "description": "Seconds to wait at most (default 60)."],
                ],
                "required": ["agent_id"],
            ])
        let list_ = ToolDefinition(
            name: "list_agents", description: "List the sub-agents of this session and their status.",
            parameters: ["type": "object", "properties": [:]])
        return [task, read, list_]
    }

    func run(_ context: ToolCallContext) async throws -> ToolRunOutput {
        let arguments = context.arguments
        switch context.call.name {
        case "task":
            guard let type = arguments["agent_type"]?.stringValue, !type.isEmpty,
                let prompt = arguments["prompt"]?.stringValue, !prompt.isEmpty
            else {
                return ToolRunOutput(.failure("The task tool needs `agent_type` and `prompt`."))
            }
            let modeName = arguments["mode"]?.stringValue ?? "sync"
            guard let mode = AgentTask.Mode(rawValue: modeName) else {
                return ToolRunOutput(.failure("`mode` must be sync or background, not \(modeName)."))
            }
            let request = TaskRequest(
                agentType: type, prompt: prompt, description: arguments["description"]?.stringValue ?? type,
                name: arguments["name"]?.stringValue, mode: mode, model: arguments["model"]?.stringValue)
            return try await runTask(request, context)
        case "read_agent":
            guard let id = arguments["agent_id"]?.stringValue, !id.isEmpty else {
                return ToolRunOutput(.failure("read_agent needs `agent_id`."))
            }
            let seconds = arguments["timeout"]?.intValue ?? 60
            return ToolRunOutput(await readAgent(id, arguments["wait"] == .bool(true), .seconds(min(max(seconds, 1), 600))))
        default:
            return ToolRunOutput(.success(await listAgents()))
        }
    }
}

/// A weak reference to the session's engine, for tool sources made before it is.
final class EngineLink: Sendable {
    private struct Reference: Sendable { weak var engine: SessionEngine? }
    private let reference = Mutex(Reference())

    func connect(_ engine: SessionEngine) { reference.withLock { $0.engine = engine } }

    var engine: SessionEngine? { reference.withLock { $0.engine } }

    /// The `task`, `read_agent` and `list_agents` tools of the linked engine, offering `agents`.
    func agentTools(offering agents: [CustomAgent]) -> AgentToolSource {
        AgentToolSource(
            offering: agents,
            runTask: { request, context in
                guard let engine = self.engine else { throw CancellationError() }
                return try await engine.runTask(request, context: context)
            },
            readAgent: { id, wait, timeout in
                await self.engine?.readAgent(id, wait: wait, timeout: timeout) ?? .failure("The session has ended.")
            },
            listAgents: { await self.engine?.listAgents() ?? "" })
    }
}
