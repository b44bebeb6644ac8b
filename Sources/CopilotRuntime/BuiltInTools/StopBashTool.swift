import CopilotCore

extension BuiltInTool {
    /// Stop a running shell command.
    public static let stopBash = BuiltInTool(named: "stop_bash")
}

/// `stop_bash`: ends a command started by `bash`.
struct StopBashTool: BuiltInToolKind {
    let tool = BuiltInTool.stopBash
    let summary = "Stop a running shell command."
    var parameters: JSONValue {
        Self.object(["shellId": ["type": "string", "description": "The shellId bash returned."]], required: ["shellId"])
    }

    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput {
        let shell = try context.shells.shell(try arguments.string("shellId"))
        if shell.hasExited { return .success("<shellId: \(shell.id) already exited with exit code \(shell.exitCode ?? -1)>") }
        shell.kill()
        _ = await shell.wait(upTo: .seconds(2), clock: context.clock)
        return .success("<shellId: \(shell.id) stopped>")
    }
}
