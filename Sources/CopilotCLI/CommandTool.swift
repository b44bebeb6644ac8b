import CopilotRuntime
import CopilotProviders
import CopilotSDK
import Foundation

/// A tool backed by a shell command, declared on the command line as `--tool NAME=COMMAND`.
///
/// The command receives the tool's JSON arguments on standard input (and in `COPILOT_TOOL_ARGS`);
/// its standard output is the result. A non-zero exit status makes the call fail with its stderr.
struct CommandTool {
    var name: String
    var command: String

    /// Parses `NAME=COMMAND`.
    init(argument: String) throws {
        guard let separator = argument.firstIndex(of: "=") else {
            throw CommandToolError("--tool expects NAME=COMMAND, got '\(argument)'.")
        }
        name = String(argument[..<separator]).trimmingCharacters(in: .whitespaces)
        command = String(argument[argument.index(after: separator)...])
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw CommandToolError("Tool name '\(name)' must be letters, digits, '_' or '-'.")
        }
        guard !command.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CommandToolError("Tool '\(name)' has an empty command.")
        }
    }

    /// Largest output passed back to the model.
    static let outputLimit = 64 * 1024
    /// How long the command may run.
    static let timeout: Duration = .seconds(60)

    var tool: Tool {
        let command = command
        return Tool(
            name: name,
            description: "Runs the shell command `\(command)`. Pass any arguments as a JSON object; the command reads them on standard input.",
            parameters: ["type": "object", "properties": [:], "additionalProperties": true]
        ) { invocation in
            try await Self.run(command: command, input: invocation.arguments.jsonString)
        }
    }

    static func run(command: String, input: String) async throws -> ToolResult {
        let result = try await ShellCommand.run(
            command, workingDirectory: FileManager.default.currentDirectoryPath, input: input,
            environment: ["COPILOT_TOOL_ARGS": input], timeout: timeout, outputLimit: outputLimit)
        if result.timedOut {
            return .failure("The command `\(command)` did not finish within \(timeout) and was stopped.")
        }
        guard result.exitCode == 0 else {
            return .failure("The command `\(command)` exited with status \(result.exitCode ?? -1). stderr: \(result.standardError.prefix(4096))")
        }
        return .success(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

struct CommandToolError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
