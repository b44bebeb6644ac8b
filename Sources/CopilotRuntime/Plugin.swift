import CopilotCore
import CopilotProtocol
public import Foundation

/// A plugin: a folder that bundles skills, custom agents and MCP servers, as the official runtime
/// loads one from `--plugin-dir` (``SessionConfig/pluginDirectories`` here).
///
/// The folder has a manifest — `plugin.json`, `.github/plugin.json` or `.github/plugin/plugin.json`,
/// with `name`, `version`, `description` and optionally where its parts are — or only a `SKILL.md`.
/// Without the manifest saying otherwise, skills are its own `SKILL.md` and `skills/*/SKILL.md`,
/// agents are `agents/*.md` (as ``CustomAgent/init(contentsOf:)`` reads them) and MCP servers are
/// `.mcp.json` (`{"mcpServers": {…}}`); every part must be inside the folder, also through
/// symlinks. A plugin's own `SKILL.md` makes its folder a skill folder, read as any other (its
/// subfolders' `SKILL.md` count too). A plugin's `hooks.json` and `.lsp.json` are not loaded:
/// hooks here are the app's (``SessionHooks``), and there is no LSP client; ``ignored`` names them.
public struct Plugin: Sendable {
    /// The manifest's `name`, else the folder's name.
    public var name: String
    public var version: String?
    public var description: String?
    /// The plugin's folder.
    public var directory: String
    /// Folders holding its skills (each read as ``SessionConfig/skillDirectories`` are).
    public var skillDirectories: [String]
    public var agents: [CustomAgent]
    public var mcpServers: [String: MCPServerConfig]
    /// Files of the plugin this runtime does not load (`hooks.json`, `.lsp.json`).
    public var ignored: [String]

    /// The largest manifest read.
    static let manifestLimit = 256 * 1024
    /// At most this many agent files are read from one plugin.
    static let agentLimit = 200

    /// Reads the plugin in `directory`.
    ///
    /// - Throws: ``CopilotError`` `invalidConfiguration` when the folder has neither a manifest nor
    ///   a `SKILL.md`, or when a manifest, an agent file or `.mcp.json` cannot be read.
    public init(contentsOf directory: URL) throws {
        let root = directory.standardizedFileURL.resolvingSymlinksInPath()
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CopilotError(code: .invalidConfiguration, message: "Plugin directory \(directory.path) does not exist or is not a directory.")
        }
        func exists(_ relative: String) -> Bool { manager.fileExists(atPath: root.appendingPathComponent(relative).path) }
        // Every part is the plugin's own: a path (the manifest's, or a default one through a
        // symlink) that leads out of its folder is refused.
        func inside(_ relative: String, _ part: String) throws -> URL {
            let url = root.appendingPathComponent(relative).standardizedFileURL.resolvingSymlinksInPath()
            guard url.path == root.path || url.path.hasPrefix(root.path + "/") else {
                throw CopilotError(code: .invalidConfiguration, message: "Plugin \(root.path): its \(part) path \(relative) leads out of the plugin's folder.")
            }
            return url
        }
        let manifestPath = try ["plugin.json", ".github/plugin.json", ".github/plugin/plugin.json"].first(where: exists).map { try inside($0, "manifest") }
        guard manifestPath != nil || exists("SKILL.md") else {
            throw CopilotError(code: .invalidConfiguration, message: "no plugin.json or SKILL.md found in \(root.path)")
        }
        let manifest = try manifestPath.map(Self.manifest) ?? Manifest()

        self.directory = root.path
        name = manifest.name.flatMap { $0.isEmpty ? nil : $0 } ?? root.lastPathComponent
        version = manifest.version
        description = manifest.description

        var skillFolders = exists("SKILL.md") ? [try inside(".", "skill").path] : []
        for relative in manifest.skills?.values ?? (exists("skills") ? ["skills"] : []) {
            skillFolders.append(try inside(relative, "skills").path)
        }
        skillDirectories = skillFolders

        var agents: [CustomAgent] = []
        for relative in manifest.agents?.values ?? (exists("agents") ? ["agents"] : []) {
            let url = try inside(relative, "agents")
            let names = url.pathExtension == "md"
                ? [relative] : ((try? manager.contentsOfDirectory(atPath: url.path)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
                    .prefix(Self.agentLimit).map { relative + "/" + $0 }
            for name in names { agents.append(try CustomAgent(contentsOf: try inside(name, "agent"))) }
        }
        self.agents = agents

        if let relative = manifest.mcpServers ?? (exists(".mcp.json") ? ".mcp.json" : nil) {
            let file = try inside(relative, "mcpServers")
            guard let data = SmallFile.contents(file.path, limit: Self.manifestLimit) else {
                throw CopilotError(code: .invalidConfiguration, message: "Plugin \(name): \(file.path) cannot be read (or is larger than 256 KB).")
            }
            mcpServers = try MCPServerConfig.servers(inConfigFile: data, named: file.path)
        } else {
            mcpServers = [:]
        }
        ignored = ["hooks.json", "hooks/hooks.json", ".lsp.json"].filter(exists)
    }

    /// What `plugin.json` may say. A part's location is a path or a list of paths.
    struct Manifest: Decodable {
        var name: String?
        var version: String?
        var description: String?
        var skills: Paths?
        var agents: Paths?
        var mcpServers: String?

        struct Paths: Decodable {
            var values: [String]
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let list = try? container.decode([String].self) {
                    values = list
                } else {
                    values = [try container.decode(String.self)]
                }
            }
        }
    }

    private static func manifest(_ url: URL) throws -> Manifest {
        guard let data = SmallFile.contents(url.path, limit: manifestLimit) else {
            throw CopilotError(code: .invalidConfiguration, message: "The plugin manifest \(url.path) cannot be read (or is larger than 256 KB).")
        }
        do {
            return try JSONValue(parsing: data).decode(as: Manifest.self)
        } catch let error as DecodingError {
            throw CopilotError(code: .invalidConfiguration, message: "The plugin manifest \(url.path): \(RPCError.describe(error, root: "manifest"))")
        } catch {
            throw CopilotError(code: .invalidConfiguration, message: "The plugin manifest \(url.path) is not JSON: \(error)")
        }
    }
}

extension SessionConfig {
    /// The config with its plugins' parts added (``pluginDirectories``, each folder once, in order):
    /// their skill folders after the config's own, and their agents and MCP servers where the
    /// config has none of that name (the app's own win). Returns the plugins too.
    ///
    /// - Throws: ``CopilotError`` `invalidConfiguration` when a plugin cannot be read.
    package func resolvingPlugins() throws -> (config: SessionConfig, plugins: [Plugin]) {
        var config = self
        var plugins: [Plugin] = []
        var seen: Set<String> = []
        for directory in pluginDirectories {
            let plugin = try Plugin(contentsOf: URL(fileURLWithPath: directory))
            guard seen.insert(plugin.directory).inserted else { continue }
            plugins.append(plugin)
            for agent in plugin.agents where !config.customAgents.contains(where: { $0.name == agent.name }) {
                config.customAgents.append(agent)
            }
            config.mcpServers.merge(plugin.mcpServers) { own, _ in own }
        }
        return (config, plugins)
    }
}
