import CopilotCore

extension BuiltInTool {
    /// List the shell commands started in this session.
    public static let listBash = BuiltInTool(named: "list_bash")
}

/// `list_bash`: the session's commands, running or finished.
struct ListBashTool: BuiltInToolKind {
    let tool = BuiltInTool.listBash
    let summary = "List the shell commands of this session, running or finished."
    var parameters: JSONValue { Self.object([:], required: []) }

    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput {
        let all = context.shells.all
        guard !all.isEmpty else { return .success("No shell commands have been started in this session.") }
        return .success(all.map { shell in
            let status = shell.exitCode.map { "exited with exit code \($0)" } ?? "running"
            return "shellId: \(shell.id) (\(status)): \(shell.command)"
        }.joined(separator: "\n"))
    }
}
