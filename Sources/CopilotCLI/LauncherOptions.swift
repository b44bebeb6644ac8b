import ArgumentParser
import CopilotProviders
import CopilotRuntime
import Foundation

/// The Copilot CLI flags the official SDKs start their runtime with, and those their users pass
/// through (`cli_args`, `RuntimeConnection.for_stdio(args:)`, `setCliArgs`, `extra_args`): every one
/// is accepted, so any SDK can start `copilot-swift` in place of the Copilot CLI. Those that mean
/// something here act; those that belong to GitHub's services or to the CLI's terminal UI are named
/// in a warning when they would change behaviour, and are no-ops when they would not.
struct LauncherOptions: ParsableArguments {
    @Flag(
        name: [.customLong("headless"), .customLong("server")],
        help: "Run as the protocol server (--server is the Java and Rust SDKs' spelling); implied by starting with flags only.")
    var headless = false

    @Flag(name: .customLong("no-auto-update"), help: "Accepted; this runtime never updates itself.")
    var noAutoUpdate = false

    @Flag(name: .customLong("no-auto-login"), help: "Accepted; there is no GitHub login.")
    var noAutoLogin = false

    @Option(name: .customLong("auth-token-env"), help: "Accepted; GitHub tokens are not used (BYOK only).")
    var authTokenEnv: String?

    @Option(name: .customLong("session-idle-timeout"), help: "Accepted; sessions end when their client detaches or disconnects.")
    var sessionIdleTimeout: Int?

    @Flag(
        help: "Accepted. Remote (GitHub cloud) sessions need a GitHub login this BYOK runtime does not have: the methods that open them answer an error saying so.")
    var remote = false

    // MARK: Permissions, as the Copilot CLI spells them

    @Flag(name: [.customLong("yolo"), .customLong("allow-all")], help: "Approve every permission request: tools, paths and URLs.")
    var allowAll = false

    @Flag(name: .customLong("allow-all-tools"), help: "Run every tool without asking (inside the working directory; URLs still ask).")
    var allowAllTools = false

    @Flag(name: .customLong("allow-all-paths"), help: "With --allow-all-tools, reads and writes outside the working directory need no approval either.")
    var allowAllPaths = false

    @Flag(name: .customLong("allow-all-urls"), help: "Fetch every URL without asking.")
    var allowAllURLs = false

    @Option(
        name: .customLong("allow-tool"),
        help: "A permission rule approved without asking (repeatable): shell, shell(git:*), write, read(PATH), url(HOST), or a tool's name.")
    var allowTool: [String] = []

    @Option(name: .customLong("deny-tool"), help: "A permission rule always refused (repeatable; wins over every approval).")
    var denyTool: [String] = []

    @Option(name: .customLong("allow-url"), help: "A host whose URLs are fetched without asking (repeatable).")
    var allowURL: [String] = []

    @Option(name: .customLong("deny-url"), help: "A host whose URLs are always refused (repeatable).")
    var denyURL: [String] = []

    @Option(name: .customLong("add-dir"), help: "A directory outside the working directory that tools may read and write without asking (repeatable).")
    var addDir: [String] = []

    // MARK: Accepted, acting on nothing here

    @Option(name: .customLong("log-dir"), help: "Accepted; logs go to standard error (--log-level sets how much).")
    var logDir: String?

    @Option(name: .customLong("agent"), help: "Accepted; each session selects its own custom agent (its `agent`), so this names none for them (a warning says so).")
    var agent: String?

    @Flag(name: .customLong("no-custom-instructions"), help: "Accepted; instruction files are read only from the directories a client names.")
    var noCustomInstructions = false

    @Flag(name: .customLong("disable-builtin-mcps"), help: "Accepted; this runtime has no built-in MCP servers.")
    var disableBuiltinMCPs = false

    @Flag(name: .customLong("no-ask-user"), help: "Leave out the ask_user tool, so the agent never stops to ask.")
    var noAskUser = false

    @Option(name: .customLong("plugin-dir"), help: "A plugin folder (plugin.json or SKILL.md; skills/, agents/, .mcp.json) every session loads (repeatable).")
    var pluginDir: [String] = []

    @Flag(help: "Accepted; there are no experimental features to turn on.")
    var experimental = false

    @Flag(name: .customLong("no-color"), help: "Accepted; the server prints no colours.")
    var noColor = false

    func validate() throws {
        for (flag, rules) in [("--allow-tool", allowTool), ("--deny-tool", denyTool)] {
            if let problem = PermissionRules.problem(in: rules) { throw ValidationError("\(flag): \(problem).") }
        }
        for host in allowURL + denyURL where host.isEmpty || host.contains("/") && !host.contains("://") {
            throw ValidationError("--allow-url/--deny-url take a host such as example.com (got '\(host)').")
        }
        for directory in addDir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--add-dir: \(directory) is not a directory.")
            }
        }
        do {
            for directory in pluginDir { _ = try Plugin(contentsOf: URL(fileURLWithPath: directory)) }
        } catch let error as CopilotError {
            throw ValidationError("--plugin-dir: \(error.message)")
        }
    }

    /// The `--plugin-dir` folders, as absolute paths (relative ones are the launch directory's).
    var pluginDirectories: [String] { pluginDir.map { URL(fileURLWithPath: $0).standardizedFileURL.path } }

    /// The standing permission answers these flags give every session.
    var permissionRules: PermissionRules {
        func host(_ value: String) -> String {
            value.contains("://") ? ProviderEndpoint.host(of: value) ?? value : value
        }
        let directories = addDir.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        return PermissionRules(
            allow: allowTool + allowURL.map { "url(\(host($0)))" } + directories.flatMap { ["read(\($0))", "write(\($0))"] },
            deny: denyTool + denyURL.map { "url(\(host($0)))" },
            allowAllTools: allowAll || allowAllTools, allowAllPaths: allowAll || allowAllPaths, allowAllURLs: allowAll || allowAllURLs)
    }

    /// Tools these flags leave out of every session.
    var excludedTools: [String] { noAskUser ? ["ask_user"] : [] }

    /// What the flags ask for that this runtime does not do, one line each.
    var ignored: [String] {
        var lines: [String] = []
        if let agent { lines.append("--agent \(agent): not applied; a session starts with the agent its own config selects (agent), else the default one") }
        if let logDir { lines.append("--log-dir \(logDir): logs go to standard error") }
        return lines
    }
}
