import ArgumentParser
import CopilotSDK
import Foundation

/// `--agent FILE`, `--skills DIR` and `--plugin-dir DIR`: custom agents the main agent may delegate
/// to, folders of skills it may load, and plugins that bring both (and MCP servers).
struct AgentOptions: ParsableArguments {
    @Option(name: .customLong("agent"), help: "An agent file (front matter with name, description, tools, model; then its prompt) the model may delegate to with the task tool (repeatable).")
    var agentFiles: [String] = []

    @Option(name: .customLong("skills"), help: "A folder of skills (each a subfolder with SKILL.md) the model may load with the skill tool (repeatable).")
    var skillDirectories: [String] = []

    @Option(name: .customLong("plugin-dir"), help: "A plugin folder (plugin.json or SKILL.md; skills/, agents/, .mcp.json) whose skills, agents and MCP servers the session loads (repeatable).")
    var pluginDirectories: [String] = []

    /// Adds the agents, skill folders and plugins to `config`; with agents, the `task` tool is offered.
    func apply(to config: inout SessionConfig) throws {
        let plugins: [Plugin]
        do {
            plugins = try pluginDirectories.map { try Plugin(contentsOf: URL(fileURLWithPath: $0)) }
        } catch let error as CopilotError {
            throw ValidationError("--plugin-dir: \(error.message)")
        }
        config.pluginDirectories += plugins.map(\.directory)
        if plugins.contains(where: { !$0.agents.isEmpty }) { config.builtInTools.insert(.task) }
        for path in skillDirectories {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--skills: \(path) is not a folder.")
            }
        }
        config.skillDirectories += skillDirectories
        do {
            config.customAgents += try agentFiles.map { try CustomAgent(contentsOf: URL(fileURLWithPath: $0)) }
        } catch let error as CopilotError {
            throw ValidationError("--agent: \(error.message)")
        }
        if !agentFiles.isEmpty { config.builtInTools.insert(.task) }
    }
}
