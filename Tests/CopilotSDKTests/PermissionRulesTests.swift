import CopilotCore
import CopilotRuntime
import Testing

@Suite("Permission rules (the Copilot CLI's --allow-tool, --deny-tool, --allow-all-*)")
struct PermissionRulesTests {
    static func shell(_ command: String) -> PermissionRequest {
        var request = PermissionRequest(kind: .shell, toolName: "bash")
        request.fullCommandText = command
        return request
    }

    static func write(_ path: String, outside: Bool = false) -> PermissionRequest {
        var request = PermissionRequest(kind: .write, toolName: "create")
        request.fileName = path
        request.outsideWorkingDirectory = outside ? true : nil
        return request
    }

    static func url(_ address: String) -> PermissionRequest {
        var request = PermissionRequest(kind: .url, toolName: "web_fetch")
        request.url = address
        return request
    }

    @Test("a shell rule covers the commands it names, and every command of a compound line must be covered")
    func shellRules() {
        let rules = PermissionRules(allow: ["shell(git:*)", "shell(npm test)"])
        #expect(rules.decision(for: Self.shell("git status"))?.isApproval == true)
        #expect(rules.decision(for: Self.shell("git"))?.isApproval == true)
        #expect(rules.decision(for: Self.shell("npm test -- --watch"))?.isApproval == true)
        #expect(rules.decision(for: Self.shell("npm install")) == nil)
        #expect(rules.decision(for: Self.shell("gitk")) == nil, "a prefix of a word is not the command")
        #expect(rules.decision(for: Self.shell("git status; rm -rf ~")) == nil)
        #expect(rules.decision(for: Self.shell("git log | sh")) == nil)
        #expect(PermissionRules(allow: ["shell"]).decision(for: Self.shell("anything at all"))?.isApproval == true)
    }

    @Test("a deny rule wins over allow rules and over --yolo")
    func denyWins() {
        let rules = PermissionRules(allow: ["shell"], deny: ["shell(rm)"], allowAllTools: true, allowAllPaths: true, allowAllURLs: true)
        let decision = rules.decision(for: Self.shell("rm -rf build"))
        #expect(decision?.isRejection == true)
        #expect(decision?.feedback?.contains("shell(rm)") == true)
        #expect(rules.decision(for: Self.shell("ls"))?.isApproval == true)
    }

    @Test("--allow-all-tools stays inside the working directory and off URLs; paths and URLs have their own switches")
    func switches() {
        let tools = PermissionRules(allowAllTools: true)
        #expect(tools.decision(for: Self.write("/work/a.txt"))?.isApproval == true)
        #expect(tools.decision(for: Self.write("/etc/passwd", outside: true)) == nil)
        #expect(tools.decision(for: Self.url("https://example.com/")) == nil)
        let everything = PermissionRules(allowAllTools: true, allowAllPaths: true, allowAllURLs: true)
        #expect(everything.decision(for: Self.write("/etc/passwd", outside: true))?.isApproval == true)
        #expect(everything.decision(for: Self.url("https://example.com/"))?.isApproval == true)
        #expect(PermissionRules().decision(for: Self.shell("ls")) == nil, "no rule: the handler decides")
    }

    @Test("path and URL rules match whole path components and hosts with their subdomains")
    func pathsAndHosts() {
        let rules = PermissionRules(allow: ["write(/srv/data)", "url(example.com)"])
        #expect(rules.decision(for: Self.write("/srv/data/x.txt", outside: true))?.isApproval == true)
        #expect(rules.decision(for: Self.write("/srv/database/x.txt", outside: true)) == nil)
        #expect(rules.decision(for: Self.url("https://api.example.com/v1"))?.isApproval == true)
        #expect(rules.decision(for: Self.url("https://user:pw@example.com:8443/"))?.isApproval == true)
        #expect(rules.decision(for: Self.url("https://example.com.evil.net/")) == nil)
        #expect(rules.decision(for: Self.url("https://notexample.com/")) == nil)
    }

    @Test("an app's tool is named by its name; malformed rules are reported")
    func toolNamesAndProblems() {
        var request = PermissionRequest(kind: .customTool, toolName: "deploy")
        #expect(PermissionRules(deny: ["deploy"]).decision(for: request)?.isRejection == true)
        request.toolName = "deploy_preview"
        #expect(PermissionRules(deny: ["deploy"]).decision(for: request) == nil)
        #expect(PermissionRules.problem(in: ["shell(git"]) != nil)
        #expect(PermissionRules.problem(in: ["(git)"]) != nil)
        #expect(PermissionRules.problem(in: [" "]) != nil)
        #expect(PermissionRules.problem(in: ["shell(git:*)", "write", "url(example.com)"]) == nil)
    }
}
