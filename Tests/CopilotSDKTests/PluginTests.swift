import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plugin folders: a manifest (or a lone SKILL.md), and the skills, agents and MCP servers they bring.
@Suite("Plugins")
struct PluginTests {
    /// A fresh folder in the temporary directory with `files` (relative path → text).
    static func folder(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("plugin-\(UUID().uuidString)", isDirectory: true)
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }

    static let reviewPack: [String: String] = [
        "plugin.json": #"{"name": "review-pack", "version": "2.0.1", "description": "Review helpers"}"#,
        "skills/lint/SKILL.md": "---\nname: lint\ndescription: How to lint a change\n---\nLINT_MARKER\n",
        "agents/checker.md": "---\nname: checker\ndescription: Checks a change\ntools: []\n---\nYou are the checker.\n",
        ".mcp.json": #"{"mcpServers": {"files": {"command": "/bin/cat", "args": ["-u"]}}}"#,
        "hooks.json": "{}",
    ]

    @Test("a plugin's manifest, skills, agents and MCP servers are read; what it has that is not loaded is named")
    func reading() throws {
        let plugin = try Plugin(contentsOf: try Self.folder(Self.reviewPack))
        #expect(plugin.name == "review-pack" && plugin.version == "2.0.1" && plugin.description == "Review helpers")
        #expect(plugin.skillDirectories.map { URL(fileURLWithPath: $0).lastPathComponent } == ["skills"])
        #expect(plugin.agents.map(\.name) == ["checker"] && plugin.agents.first?.prompt == "You are the checker.")
        #expect(Array(plugin.mcpServers.keys) == ["files"])
        #expect(plugin.ignored == ["hooks.json"])

        let lone = try Plugin(contentsOf: try Self.folder(["SKILL.md": "---\nname: solo\ndescription: A lone skill\n---\nSolo.\n"]))
        #expect(lone.skillDirectories == [lone.directory] && lone.agents.isEmpty && lone.mcpServers.isEmpty)

        let nested = try Plugin(contentsOf: try Self.folder([".github/plugin/plugin.json": #"{"name": "nested", "agents": "team"}"#,
                                                           "team/a.md": "---\nname: a\n---\nAgent a.\n"]))
        #expect(nested.name == "nested" && nested.agents.map(\.name) == ["a"])
    }

    @Test("a folder that is not a plugin, a manifest that is not JSON or leaves the folder, and a broken agent are refused, each saying why")
    func refusals() throws {
        func message(_ files: [String: String]) throws -> String {
            do {
                _ = try Plugin(contentsOf: try Self.folder(files))
                return "accepted"
            } catch let error as CopilotError {
                #expect(error.code == .invalidConfiguration)
                return error.message
            }
        }
        #expect(try message(["README.md": "hi"]).hasPrefix("no plugin.json or SKILL.md found in "))
        #expect(try message(["plugin.json": "{nope"]).contains("plugin.json"))
        let wrongType = try message(["plugin.json": #"{"name": 7}"#])
        #expect(wrongType.contains("`name` must be a string"), "\(wrongType)")
        #expect(try message(["plugin.json": #"{"skills": "../elsewhere"}"#]).contains("leads out of the plugin's folder"))
        // A default part that is a symlink out of the folder is refused too.
        let linked = try Self.folder(["plugin.json": "{}"])
        try FileManager.default.createSymbolicLink(atPath: linked.path + "/agents", withDestinationPath: FileManager.default.temporaryDirectory.path)
        #expect(throws: CopilotError.self) { try Plugin(contentsOf: linked) }
        // A manifest that is a FIFO is not read (the read would block until someone writes).
        let fifo = try Self.folder(["SKILL.md": "---\nname: s\ndescription: d\n---\nS\n"])
        #expect(mkfifo(fifo.path + "/plugin.json", 0o600) == 0)
        #expect(throws: CopilotError.self) { try Plugin(contentsOf: fifo) }
        #expect(try message(["plugin.json": "{}", "agents/empty.md": "---\nname: empty\n---\n"]).contains("has no prompt"))
        #expect(throws: CopilotError.self) { try Plugin(contentsOf: URL(fileURLWithPath: "/no/such/plugin")) }
    }

    @Test("a session loads its plugins: listed, their skills and agents offered, their MCP servers configured, a warning for what is not loaded", arguments: [false, true])
    func session(remote: Bool) async throws {
        let plugin = try Self.folder(Self.reviewPack)
        let options = remote
            ? CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary())) : CopilotClientOptions(retryPolicy: .none)
        try await withScriptedClient(turns: [.text("ok")], options: options) { client, server in
            var config = scriptedConfig(server)
            config.pluginDirectories = [plugin.path, plugin.path + "/"]
            config.builtInTools = [.task]
            config.disabledMCPServers = ["files"]
            let session = try await client.createSession(config)
            #expect(try await session.plugins() == [PluginInfo(name: "review-pack", version: "2.0.1")], "the same folder loads once")
            let lint = try #require(try await session.skills().first { $0.name == "lint" })
            #expect(lint.source == .plugin && lint.pluginName == "review-pack")
            #expect(try await session.agents().map(\.name) == ["checker"])
            #expect(try await session.mcpServers().map(\.name) == ["files"], "configured (and disabled here)")
            _ = try await session.sendAndWait("Hello")
            let tools = (server.modelCalls.last?.json?["tools"]?.arrayValue ?? []).compactMap { $0["function"] }
            #expect(tools.contains { $0["name"] == "skill" && $0["description"]?.stringValue?.contains("lint: How to lint a change") == true })
            #expect(tools.contains { $0["name"] == "task" && $0["description"]?.stringValue?.contains("checker") == true })
            let warnings = try await session.messages().compactMap { event -> String? in
                if case .sessionWarning(let warning) = event.payload { warning.message } else { nil }
            }
            #expect(warnings.contains { $0.hasPrefix("Plugin review-pack: hooks.json not loaded") }, "\(warnings)")
            await session.disconnect()
        }
    }
}
