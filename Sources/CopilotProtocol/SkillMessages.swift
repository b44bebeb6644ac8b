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
    package var plugins: [JSONValue]
    package init(plugins: [JSONValue]) { self.plugins = plugins }
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
