public import Foundation

/// An agent the main agent can delegate to with the `task` tool, or that the session can run as
/// its main agent (``SessionConfig/agent``, `CopilotSession.selectAgent(_:)`): its own prompt,
/// tools, skills and model.
///
/// A sub-agent starts with a conversation of its own (the task's prompt), calls only its tools,
/// and gives the parent its final answer. Its `model` may name another of the session's providers
/// (`provider/model`, see ``SessionConfig/providers``): the official runtime runs sub-agents on its
/// own model; this one calls the provider the agent names.
public struct CustomAgent: Sendable, Hashable {
    /// The name the model and the app call it by (the `task` tool's `agent_type`).
    public var name: String
    public var displayName: String?
    /// What it is for: the model reads this to decide when to delegate.
    public var description: String?
    /// Its system prompt.
    public var prompt: String
    /// The tools it may call, by name; `nil` for every tool the session offers.
    public var tools: [String]?
    /// Whether the main agent may delegate to it by itself (`false`: only when selected).
    public var infer: Bool
    /// Skills whose instructions it starts with, by name.
    public var skills: [String]?
    /// The model it runs on (`provider/model` for a named provider); `nil` for the session's.
    public var model: String?
    /// The reasoning effort it runs with; `nil` keeps the session's when the model is the session's.
    public var reasoningEffort: String?
    /// MCP servers of its own: started when it starts, offered to it alone, ended when it ends.
    public var mcpServers: [String: MCPServerConfig]

    public init(
        name: String, displayName: String? = nil, description: String? = nil, prompt: String, tools: [String]? = nil, infer: Bool = true,
        skills: [String]? = nil, model: String? = nil, reasoningEffort: String? = nil, mcpServers: [String: MCPServerConfig] = [:]
    ) {
        self.name = name
        self.displayName = displayName
        self.description = description
        self.prompt = prompt
        self.tools = tools
        self.infer = infer
        self.skills = skills
        self.model = model
        self.reasoningEffort = reasoningEffort
        self.mcpServers = mcpServers
    }

    /// The agent an agent file describes (the official `NAME.agent.md`): its front matter gives
    /// `name` (else the file's name), `description`, `displayName`, `tools` (`[a, b]`), `model`,
    /// `reasoningEffort`, `skills` and `infer`; the rest of the file is its prompt.
    ///
    /// - Throws: ``CopilotError`` `invalidConfiguration` when the file cannot be read or has no prompt.
    public init(contentsOf url: URL) throws {
        guard let data = SmallFile.contents(url.path, limit: 256 * 1024) else {
            throw CopilotError(code: .invalidConfiguration, message: "The agent file \(url.path) cannot be read (or is larger than 256 KB).")
        }
        let (fields, body) = FrontMatter.split(String(decoding: data, as: UTF8.self))
        let prompt = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !prompt.isEmpty else {
            throw CopilotError(code: .invalidConfiguration, message: "The agent file \(url.path) has no prompt after its front matter.")
        }
        var stem = url.lastPathComponent
        for suffix in [".agent.md", ".md"] where stem.hasSuffix(suffix) {
            stem = String(stem.dropLast(suffix.count))
            break
        }
        self.init(
            name: fields["name"].flatMap { $0.isEmpty ? nil : $0 } ?? stem, displayName: fields["displayName"] ?? fields["display-name"],
            description: fields["description"], prompt: prompt, tools: fields["tools"].map(FrontMatter.list),
            infer: fields["infer"].map { $0.lowercased() != "false" } ?? true, skills: fields["skills"].map(FrontMatter.list),
            model: fields["model"], reasoningEffort: fields["reasoningEffort"] ?? fields["reasoning-effort"])
    }

    /// The name events show.
    public var shownName: String { displayName ?? name }

    /// The agents every session has (unless ``SessionConfig/excludedBuiltInAgents`` leaves them
    /// out), as the official runtime names them.
    public static let builtIn: [CustomAgent] = [
        CustomAgent(
            name: "explore", displayName: "Explore",
            description: "Fast agent for exploring a codebase: finds files, searches code and reads it to answer questions. Read-only.",
            prompt: """
                You explore a codebase to answer a question. Find the relevant files with glob and grep, read them with view, and \
                answer with what you found: file paths, the relevant lines, and a short explanation. You cannot change files.
                """,
            tools: ["view", "grep", "glob"]),
        CustomAgent(
            name: "task", displayName: "Task",
            description: "Runs commands (builds, tests, linters) and reports the outcome briefly: a summary on success, the full error on failure.",
            prompt: """
                You run the commands a task needs (builds, tests, linters, scripts) and report the outcome. On success, say so in \
                one or two sentences; on failure, give the command and its full error output.
                """,
            tools: ["bash", "read_bash", "write_bash", "stop_bash", "list_bash", "view", "grep", "glob"]),
        CustomAgent(
            name: "general-purpose", displayName: "General purpose",
            description: "A capable agent with every tool, for complex tasks of several steps that need their own context.",
            prompt: """
                You carry out a task on your own, with every tool the session has, and finish with a complete answer for the agent \
                that gave you the task: what you did, what you found, and anything left undone.
                """),
    ]
}
