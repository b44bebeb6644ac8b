public import CopilotCore

/// `session.skills.enable` / `disable`.
package struct SkillNameParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var name: String
    package init(sessionId: String, name: String) {
        self.sessionId = sessionId
        self.name = name
    }
}

/// `session.skills.list`: every skill the session found, enabled or not.
package struct SkillListResult: Codable, Sendable, Hashable {
    package var skills: [Skill]
    package init(skills: [Skill]) { self.skills = skills }
}

/// `session.skills.getInvoked`: the skills loaded so far, oldest first.
package struct InvokedSkillsResult: Codable, Sendable, Hashable {
    package var skills: [InvokedSkill]
    package init(skills: [InvokedSkill]) { self.skills = skills }
}

/// `session.plugins.list`: the session's plugins (none: this runtime loads no plugins).
package struct PluginListResult: Codable, Sendable, Hashable {
    package var plugins: [PluginInfo]
    package init(plugins: [PluginInfo]) { self.plugins = plugins }
}

/// `plugins.builtin.set`: the complete set of trusted plugin folders (absolute paths) for the
/// sessions the calling client creates.
package struct PluginsBuiltinSetParams: Codable, Sendable, Hashable {
    package var paths: [String]
    package init(paths: [String]) { self.paths = paths }
}

/// `session.extensions.list`: the session's extensions (none: this runtime runs no extensions).
package struct ExtensionListResult: Codable, Sendable, Hashable {
    package var extensions: [JSONValue]
    package init(extensions: [JSONValue]) { self.extensions = extensions }
}

/// `session.extensions.enable` / `disable`.
package struct ExtensionIDParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var id: String
}
