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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var environment = ProcessInfo.processInfo.environment
        environment["COPILOT_TOOL_ARGS"] = input
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr

        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try? stdin.fileHandleForWriting.close()

        // Read both pipes while the command runs, so a chatty command cannot fill a pipe and stall.
        async let output = readAll(stdout.fileHandleForReading)
        async let errors = readAll(stderr.fileHandleForReading)
        // `nil` means the command ran out of time and was stopped.
        let status: Int32? = try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Int32?.self) { group in
                group.addTask {
                    var iterator = exited.stream.makeAsyncIterator()
                    return await iterator.next() ?? -1
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                let first = try await group.next() ?? nil
                if first == nil { process.terminate() }
                return first
            }
        } onCancel: {
            process.terminate()
        }
        let stdoutText = String(decoding: (await output).prefix(outputLimit), as: UTF8.self)
        let stderrText = String(decoding: (await errors).prefix(4096), as: UTF8.self)
        guard let status else {
            return .failure("The command `\(command)` did not finish within \(timeout) and was stopped.")
        }
        guard status == 0 else {
            return .failure("The command `\(command)` exited with status \(status). stderr: \(stderrText)")
        }
        return .success(stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func readAll(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: (try? handle.readToEnd()) ?? Data())
            }
        }
    }
}

struct CommandToolError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
