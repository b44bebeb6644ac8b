import CopilotCore

extension BuiltInTool {
    /// Send input to a running shell command.
    public static let writeBash = BuiltInTool(named: "write_bash")
}

/// `write_bash`: input for a command started by `bash`, then what it printed.
struct WriteBashTool: BuiltInToolKind {
    let tool = BuiltInTool.writeBash
    let summary = "Send `input` to a running shell command's standard input, then return the output it produced within `delay` seconds."
    var parameters: JSONValue {
        Self.object(
            [
                "shellId": ["type": "string", "description": "The shellId bash returned."],
                "input": ["type": "string", "description": "Text to send; end it with \\n to press Enter."],
                "delay": ["type": "integer", "description": "Seconds to wait for output (default 2)."],
            ], required: ["shellId", "input"])
    }

    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput {
        let shell = try context.shells.shell(try arguments.string("shellId"))
        let input = try arguments.string("input")
        guard !shell.hasExited else { throw BuiltInToolError("The command with shellId \(shell.id) has already exited; its input is closed.") }
        if !input.isEmpty, !shell.write(input) {
            throw BuiltInToolError("Could not write to shellId \(shell.id): the command no longer reads its input.")
        }
        return await BashTool.report(shell, delay: arguments.int("delay"), clock: context.clock)
    }
}
