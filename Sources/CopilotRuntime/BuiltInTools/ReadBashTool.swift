import CopilotCore

extension BuiltInTool {
    /// Read what a running shell command printed since the last read.
    public static let readBash = BuiltInTool(named: "read_bash")
}

/// `read_bash`: what a command started by `bash` printed since the last read.
struct ReadBashTool: BuiltInToolKind {
    let tool = BuiltInTool.readBash
    let summary = "Read the output a shell command produced since the last read, waiting up to `delay` seconds for more."
    var parameters: JSONValue {
        Self.object(
            ["shellId": ["type": "string", "description": "The shellId bash returned."], "delay": ["type": "integer", "description": "Seconds to wait for output (default 2)."]],
            required: ["shellId"])
    }

    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput {
        let shell = try context.shells.shell(try arguments.string("shellId"))
        return await BashTool.report(shell, delay: arguments.int("delay"), clock: context.clock)
    }
}
