// What a session knows about its skills, shared by the runtime, the protocol and the SDK.

/// A skill: a folder with a `SKILL.md` whose front matter gives its `name` and `description`.
/// The model sees the name and description; the rest of the file reaches it only when the model
/// loads the skill with the `skill` tool.
public struct Skill: Sendable, Hashable, Codable {
    /// Where a skill was found, as the official runtime names it.
    public struct Source: RawRepresentable, Sendable, Hashable, Codable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A folder the session's `skillDirectories` names.
        public static let custom = Source(rawValue: "custom")
        /// `.github/skills` (or `.claude/skills`) in the working directory, with `enableConfigDiscovery`.
        public static let project = Source(rawValue: "project")
        /// A plugin's (`SessionConfig.pluginDirectories`); ``Skill/pluginName`` names it.
        public static let plugin = Source(rawValue: "plugin")
    }

    public var name: String
    public var description: String
    public var source: Source
    /// The `SKILL.md` file.
    public var path: String
    /// Whether the model may load it (a session's `disabledSkills`, and `CopilotSession.setSkill(_:enabled:)`, turn it off).
    public var enabled: Bool
    /// The tools the front matter's `allowed-tools` names, if it does.
    public var allowedTools: [String]?
    /// The front matter's `argument-hint`.
    public var argumentHint: String?
    /// Whether a user may invoke it by name (front matter `user-invocable`, default yes).
    public var userInvocable: Bool
    /// The plugin it comes from, when ``source`` is `plugin`.
    public var pluginName: String?

    public init(
        name: String, description: String, source: Source, path: String, enabled: Bool = true, allowedTools: [String]? = nil,
        argumentHint: String? = nil, userInvocable: Bool = true, pluginName: String? = nil
    ) {
        self.name = name
        self.description = description
        self.source = source
        self.path = path
        self.enabled = enabled
        self.allowedTools = allowedTools
        self.argumentHint = argumentHint
        self.userInvocable = userInvocable
        self.pluginName = pluginName
    }
}

/// A skill the session loaded, and when.
public struct InvokedSkill: Sendable, Hashable, Codable {
    public var name: String
    public var path: String
    /// The instructions as the model got them.
    public var content: String
    /// The turn the model loaded it in.
    public var invokedAtTurn: Int
    public var allowedTools: [String]?

    public init(name: String, path: String, content: String, invokedAtTurn: Int, allowedTools: [String]? = nil) {
        self.name = name
        self.path = path
        self.content = content
        self.invokedAtTurn = invokedAtTurn
        self.allowedTools = allowedTools
    }
}

/// What reading the skill folders found wrong: a file without a name, a name used twice, a file too large.
public struct SkillDiagnostics: Sendable, Hashable, Codable {
    public var warnings: [String]
    public var errors: [String]

    public init(warnings: [String] = [], errors: [String] = []) {
        self.warnings = warnings
        self.errors = errors
    }
}
