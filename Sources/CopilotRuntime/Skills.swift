package import CopilotCore
import CopilotProviders
package import Foundation
import Synchronization

/// One session's skills: where they are read from, which are turned off, and which the model loaded.
/// Shared by the session and its `skill` tool; reading is explicit (``reload()``), so a folder
/// changed on disk shows only after a reload.
package final class SkillCatalog: Sendable {
    /// The folders skills are read from, each with the source its skills are reported under (and
    /// the plugin's name, for a plugin's folder).
    package let folders: [(path: String, source: Skill.Source, plugin: String?)]
    private let state: Mutex<State>

    private struct State {
        var skills: [Skill] = []
        var disabled: Set<String>
        var invoked: [InvokedSkill] = []
        var diagnostics = SkillDiagnostics()
        var loaded = false
    }

    /// The largest `SKILL.md` read.
    static let sizeLimit = 256 * 1024
    /// At most this many skills are read from one folder.
    static let folderLimit = 500

    /// Skills from `directories` (source `custom`), with `discovery` the working directory's
    /// `.github/skills` and `.claude/skills` (source `project`), then the `plugins`' (source
    /// `plugin`). Nothing is read until first use.
    package init(directories: [String], disabled: [String], discovery: Bool, workingDirectory: String?, plugins: [Plugin] = []) {
        var folders = directories.map { (path: $0, source: Skill.Source.custom, plugin: String?.none) }
        if discovery, let workingDirectory {
            let base = URL(fileURLWithPath: workingDirectory)
            for relative in [".github/skills", ".claude/skills"] {
                folders.append((base.appendingPathComponent(relative).path, .project, nil))
            }
        }
        for plugin in plugins {
            folders += plugin.skillDirectories.map { ($0, .plugin, plugin.name) }
        }
        self.folders = folders
        state = Mutex(State(disabled: Set(disabled)))
    }

    /// Whether any folder could hold skills (the `skill` tool is offered only then).
    package var isEmpty: Bool { folders.isEmpty }

    /// Every skill found, in folder order, enabled or not.
    package var skills: [Skill] {
        ensureLoaded()
        return state.withLock { $0.skills }
    }

    /// The skills the model may load.
    package var enabled: [Skill] { skills.filter(\.enabled) }

    /// The skills loaded so far, in order.
    package var invoked: [InvokedSkill] { state.withLock { $0.invoked } }

    /// Reads the folders if they have not been read yet.
    package func ensureLoaded() {
        guard !state.withLock({ $0.loaded }) else { return }
        _ = reload()
    }

    /// Reads the folders again; returns what was wrong with them.
    @discardableResult
    package func reload() -> SkillDiagnostics {
        var diagnostics = SkillDiagnostics()
        var found: [Skill] = []
        for folder in folders {
            for path in Self.skillFiles(in: folder.path) {
                switch Self.parse(path, source: folder.source) {
                case .success(var skill):
                    skill.pluginName = folder.plugin
                    if found.contains(where: { $0.name == skill.name }) {
                        diagnostics.warnings.append("Skill \(skill.name) at \(path) has the name of one found earlier; it is left out.")
                    } else {
                        found.append(skill)
                    }
                case .failure(let problem):
                    diagnostics.errors.append(problem.message)
                }
            }
        }
        return state.withLock { state in
            state.skills = found.map { skill in
                var skill = skill
                skill.enabled = !state.disabled.contains(skill.name)
                return skill
            }
            state.diagnostics = diagnostics
            state.loaded = true
            return diagnostics
        }
    }

    /// Turns the skill `name` on or off. Returns `false` when there is no such skill.
    @discardableResult
    package func setEnabled(_ name: String, _ enabled: Bool) -> Bool {
        ensureLoaded()
        return state.withLock { state in
            guard let index = state.skills.firstIndex(where: { $0.name == name }) else { return false }
            if enabled { state.disabled.remove(name) } else { state.disabled.insert(name) }
            state.skills[index].enabled = enabled
            return true
        }
    }

    /// Reads the enabled skill `name` for the model: the skill and its instructions (the file
    /// without its front matter).
    package func load(_ name: String) throws(SkillError) -> (skill: Skill, instructions: String) {
        guard let skill = enabled.first(where: { $0.name == name }) else {
            let names = enabled.map(\.name)
            throw SkillError(
                message: names.isEmpty
                    ? "Skill \"\(name)\" not found: no skills are available."
                    : "Skill \"\(name)\" not found. Available skills: \(names.joined(separator: ", ")).")
        }
        guard let text = Self.read(skill.path) else {
            throw SkillError(message: "Skill \"\(name)\" could not be read from \(skill.path).")
        }
        return (skill, FrontMatter.split(text).body)
    }

    /// Notes that the model loaded `skill` in `turn`.
    package func noteInvoked(_ skill: InvokedSkill) {
        state.withLock { $0.invoked.append(skill) }
    }

    /// The message that gives the model a skill's instructions, as the official runtime words it.
    package static func contextMessage(name: String, directory: String, instructions: String) -> String {
        "<skill-context name=\"\(name)\">\nBase directory for this skill: \(directory)\n\n\(instructions.trimmingCharacters(in: .whitespacesAndNewlines))\n\n</skill-context>"
    }

    // MARK: Reading

    /// `SKILL.md` files in `folder`: its own, then one per subfolder, sorted by folder name.
    static func skillFiles(in folder: String) -> [String] {
        let manager = FileManager.default
        var files: [String] = []
        let own = folder + "/SKILL.md"
        if manager.fileExists(atPath: own) { files.append(own) }
        let children = ((try? manager.contentsOfDirectory(atPath: folder)) ?? []).sorted().prefix(folderLimit)
        for child in children where !child.hasPrefix(".") {
            let file = folder + "/" + child + "/SKILL.md"
            if manager.fileExists(atPath: file) { files.append(file) }
        }
        return files
    }

    static func read(_ path: String) -> String? {
        SmallFile.contents(path, limit: sizeLimit).map { String(decoding: $0, as: UTF8.self) }
    }

    static func parse(_ path: String, source: Skill.Source) -> Result<Skill, SkillError> {
        guard let text = read(path) else {
            return .failure(SkillError(message: "\(path) could not be read (or is larger than \(sizeLimit / 1024) KB)."))
        }
        let fields = FrontMatter.split(text).fields
        let folderName = URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
        let name = fields["name"].flatMap { $0.isEmpty ? nil : $0 } ?? folderName
        guard let description = fields["description"], !description.isEmpty else {
            return .failure(SkillError(message: "\(path) has no `description` in its front matter; the model could not know when to use it."))
        }
        let tools = fields["allowed-tools"].map(FrontMatter.list)
        return .success(Skill(
            name: name, description: description, source: source, path: path, allowedTools: tools, argumentHint: fields["argument-hint"],
            userInvocable: fields["user-invocable"].map { $0.lowercased() != "false" } ?? true))
    }
}

/// A skill that is not there, not enabled, or cannot be read.
package struct SkillError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}

/// The built-in `skill` tool: loads an enabled skill's instructions into the conversation (after
/// the call's result, as a message of their own) and emits `skill.invoked`. Offered while the
/// session has enabled skills; its description lists them.
struct SkillToolSource: ToolSource {
    static let toolName = "skill"
    let catalog: SkillCatalog

    var tools: [SourcedTool] {
        let skills = catalog.enabled
        guard !skills.isEmpty else { return [] }
        let list = skills.map { "- \($0.name): \($0.description)" }.joined(separator: "\n")
        let definition = ToolDefinition(
            name: Self.toolName,
            description: """
                Load a skill: instructions for a kind of task, with any files beside them. When the user's request matches a \
                skill's description, load it before you start and follow what it says.

                Available skills:
                \(list)
                """,
            parameters: [
                "type": "object",
                "properties": ["skill": ["type": "string", "description": "The name of the skill to load."]],
                "required": ["skill"],
            ])
        return [SourcedTool(definition, origin: .builtin)]
    }

    func run(_ context: ToolCallContext) async throws -> ToolRunOutput {
        guard let name = context.arguments["skill"]?.stringValue, !name.isEmpty else {
            return ToolRunOutput(.failure("The skill tool needs `skill`: the name of the skill to load."))
        }
        let loaded: (skill: Skill, instructions: String)
        do {
            loaded = try catalog.load(name)
        } catch {
            return ToolRunOutput(.failure(error.message))
        }
        let directory = URL(fileURLWithPath: loaded.skill.path).deletingLastPathComponent().path
        let message = SkillCatalog.contextMessage(name: loaded.skill.name, directory: directory, instructions: loaded.instructions)
        let turn = Int(context.turnID) ?? 0
        catalog.noteInvoked(InvokedSkill(
            name: loaded.skill.name, path: loaded.skill.path, content: message, invokedAtTurn: turn, allowedTools: loaded.skill.allowedTools))
        await context.publish(.skillInvoked(.init(
            name: loaded.skill.name, path: loaded.skill.path, content: message, description: loaded.skill.description,
            source: loaded.skill.source.rawValue, allowedTools: loaded.skill.allowedTools, invokedAtTurn: turn, trigger: "agent-invoked")))
        var output = ToolRunOutput(.success("Skill \"\(loaded.skill.name)\" loaded successfully. Follow the instructions in the skill context."))
        output.followUp = message
        return output
    }
}
