import CopilotCore
import CopilotRuntime
import CopilotSDK
import CopilotTesting
import Foundation
import Testing

/// Skills: the model sees names and descriptions; a skill's instructions reach it only when it
/// loads the skill with the `skill` tool. And what `enableConfigDiscovery` lets in.
@Suite("Skills and project configuration")
struct SkillTests {
    static let marker = "PAPAYA_MARKER_7"

    /// A folder of two skills: `greeting` (with the marker in its body) and `farewell`.
    static func skillFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("copilot-skills-\(UUID().uuidString)")
        for (name, description) in [("greeting", "How to greet the user"), ("farewell", "How to say goodbye")] {
            let directory = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let text = "---\nname: \(name)\ndescription: \"\(description)\"\n---\n\n# \(name)\n\nAlways say \(marker) when you \(name == "greeting" ? "greet" : "leave").\n"
            try text.write(to: directory.appendingPathComponent("SKILL.md"), atomically: true, encoding: .utf8)
        }
        return folder.path
    }

    static func options(remote: Bool) throws -> CopilotClientOptions {
        remote ? CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary())) : CopilotClientOptions(retryPolicy: .none)
    }

    @Test("a skill's instructions reach the model only after the skill tool loads it; a disabled skill is not offered until enabled", arguments: [false, true])
    func skillLoadsOnlyWhenCalled(remote: Bool) async throws {
        let folder = try Self.skillFolder()
        let turns: [ScriptedTurn] = [.toolCalls([("skill", #"{"skill":"greeting"}"#)]), .text("Hello! \(Self.marker)")]
        try await withScriptedClient(turns: turns, options: try Self.options(remote: remote)) { client, server in
            var config = scriptedConfig(server)
            config.skillDirectories = [folder]
            config.disabledSkills = ["farewell"]
            let session = try await client.createSession(config)
            let listed = try await session.skills()
            #expect(listed.map(\.name) == ["farewell", "greeting"], "in folder-name order")
            #expect(listed.map(\.enabled) == [false, true])
            #expect(listed.last?.source == .custom && listed.last?.path == folder + "/greeting/SKILL.md")
            #expect(listed.last?.description == "How to greet the user", "quotes are taken off")

            let events = try await runToIdle(session, "Greet me")
            let first = try #require(server.modelCalls.first?.json)
            let skillTool = try #require(first["tools"]?.arrayValue?.first { $0["function"]?["name"] == "skill" })
            let description = skillTool["function"]?["description"]?.stringValue ?? ""
            #expect(description.contains("greeting: How to greet the user") && !description.contains("farewell"))
            #expect(!first.jsonString.contains(Self.marker), "before the call, the model has only the name and description")

            let messages = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue)
            #expect(messages.suffix(2).map { $0["role"] } == ["tool", "user"])
            #expect(messages.suffix(2).first?["content"] == "Skill \"greeting\" loaded successfully. Follow the instructions in the skill context.")
            let context = messages.last?["content"]?.stringValue ?? ""
            #expect(context.hasPrefix("<skill-context name=\"greeting\">\nBase directory for this skill: \(folder)/greeting\n\n# greeting"))
            #expect(context.contains(Self.marker) && !context.contains("description:"), "the body, without its front matter")
            let invoked = try #require(events.compactMap { SessionEventKind.skillInvoked.data(of: $0) }.first)
            #expect(invoked.name == "greeting" && invoked.trigger == "agent-invoked" && invoked.content == context)
            #expect(try await session.invokedSkills().map(\.name) == ["greeting"])

            try await session.setSkill("farewell", enabled: true)
            #expect(try await session.skills().map(\.enabled) == [true, true])
            await #expect(throws: (any Error).self) { try await session.setSkill("no-such-skill", enabled: true) }
        }
    }

    @Test("a skill added on disk shows after reloadSkills; a file without a description is reported, not offered", arguments: [false, true])
    func reload(remote: Bool) async throws {
        let folder = try Self.skillFolder()
        try await withScriptedClient(turns: [], options: try Self.options(remote: remote)) { client, server in
            var config = scriptedConfig(server)
            config.skillDirectories = [folder]
            let session = try await client.createSession(config)
            #expect(try await session.skills().count == 2)
            let added = URL(fileURLWithPath: folder).appendingPathComponent("broken")
            try FileManager.default.createDirectory(at: added, withIntermediateDirectories: true)
            try "---\nname: broken\n---\nNo description.\n".write(to: added.appendingPathComponent("SKILL.md"), atomically: true, encoding: .utf8)
            #expect(try await session.skills().count == 2, "read once, until a reload")
            let diagnostics = try await session.reloadSkills()
            #expect(diagnostics.errors.count == 1 && diagnostics.errors.first?.contains("description") == true)
            #expect(try await session.skills().map(\.name) == ["farewell", "greeting"])
        }
    }

    @Test("a resumed session gives the model the skill it had loaded, after the result of the call that loaded it")
    func resumeKeepsSkill() async throws {
        let folder = try Self.skillFolder()
        let store = FileSessionStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("copilot-skill-store-\(UUID().uuidString)"))
        let turns: [ScriptedTurn] = [.toolCalls([("skill", #"{"skill":"greeting"}"#)]), .text("Hello!"), .text("Again.")]
        try await withScriptedClient(turns: turns, options: CopilotClientOptions(retryPolicy: .none, sessionStore: store)) { client, server in
            var config = scriptedConfig(server)
            config.skillDirectories = [folder]
            let session = try await client.createSession(config)
            _ = try await session.sendAndWait("Greet me")
            let before = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue)
            await session.disconnect()
            let resumed = try await client.resumeSession(session.sessionId, config)
            _ = try await resumed.sendAndWait("Once more")
            let after = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue)
            #expect(Array(after.dropFirst().prefix(before.count - 1)).map(\.withoutDatetime) == before.dropFirst().map(\.withoutDatetime))
        }
    }

    @Test("the project's AGENTS.md and .github/skills count only with enableConfigDiscovery", arguments: [false, true])
    func configDiscovery(enabled: Bool) async throws {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("copilot-project-\(UUID().uuidString)")
        let skill = project.appendingPathComponent(".github/skills/house-style")
        try FileManager.default.createDirectory(at: skill, withIntermediateDirectories: true)
        try "Always answer in haiku. AGENTS_MARKER".write(to: project.appendingPathComponent("AGENTS.md"), atomically: true, encoding: .utf8)
        try "---\nname: house-style\ndescription: The house style\n---\nBe terse.\n".write(
            to: skill.appendingPathComponent("SKILL.md"), atomically: true, encoding: .utf8)
        try await withScriptedClient(turns: [.text("ok")]) { client, server in
            var config = scriptedConfig(server)
            config.workingDirectory = project.path
            config.enableConfigDiscovery = enabled
            let session = try await client.createSession(config)
            _ = try await session.sendAndWait("Hi")
            let system = server.modelCalls.first?.json?["messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
            #expect(system.contains("AGENTS_MARKER") == enabled)
            let skills = try await session.skills()
            #expect(skills.map(\.name) == (enabled ? ["house-style"] : []))
            #expect(skills.allSatisfy { $0.source == .project })
        }
    }
}
