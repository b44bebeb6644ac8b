import CopilotCore

extension BuiltInTool {
    /// Run a shell command; it may keep running in the background (`read_bash`, `write_bash`, `stop_bash`).
    public static let bash = BuiltInTool(named: "bash")
}

/// `bash`: runs a command (asked as a `shell` permission) and waits for it, or starts it in the
/// background; a command still running after its wait goes on, for the other shell tools.
struct BashTool: BuiltInToolKind {
    let tool = BuiltInTool.bash
    let summary =
        "Run a command in a shell in the working directory. In `sync` mode (the default) it waits up to `initial_wait` seconds and returns the output and exit code; a command still running then keeps running, and its output is read with read_bash. In `async` mode it starts the command and returns its shellId at once."
    var parameters: JSONValue {
        Self.object(
            [
                "command": ["type": "string", "description": "The command to run."],
                "description": ["type": "string", "description": "A short description of what the command does."],
                "mode": ["type": "string", "enum": ["sync", "async"], "description": "sync (default) waits for the command; async returns at once."],
                "initial_wait": ["type": "integer", "description": "sync only: seconds to wait before returning (default 30, at most 600)."],
            ], required: ["command", "description"])
    }

    /// How long a `sync` command is waited for when the model gives no `initial_wait`.
    static let defaultInitialWait = 30
    /// The longest wait honoured, here and by the other shell tools.
    static let maximumWait = 600

    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput {
        let command = try arguments.string("command")
        let mode = arguments.optionalString("mode") ?? "sync"
        guard mode == "sync" || mode == "async" else { throw BuiltInToolError("mode must be sync or async (not \(mode)).") }
        let description = arguments.optionalString("description").flatMap { $0.isEmpty ? nil : $0 }
        let call = context.call
        var request = PermissionRequest(kind: .shell, toolCallId: call.id, toolName: call.name, intention: description ?? "Run \(command)")
        request.fullCommandText = command
        request.commands = [["identifier": .string(command), "readOnly": false]]
        request.possiblePaths = []
        request.possibleUrls = []
        request.hasWriteFileRedirection = command.contains(">")
        request.canOfferSessionApproval = true
        if let refusal = await context.permit(request) { return refusal }

        let shell = try context.shells.start(command, in: context.root)
        if mode == "async" {
            return .success("<command started in background with shellId: \(shell.id)>")
        }
        let wait = max(1, min(arguments.int("initial_wait") ?? Self.defaultInitialWait, Self.maximumWait))
        // While it runs, what it prints is reported each second (`tool.execution_partial_result`).
        let ended = await withTaskCancellationHandler {
            var waited = 0
            while waited < wait {
                if await shell.wait(upTo: .seconds(1), clock: context.clock) { return true }
                waited += 1
                let output = shell.previewOutput()
                if !output.isEmpty {
                    await context.session.publish(.toolExecutionPartialResult(.init(toolCallId: call.id, partialOutput: output)))
                }
            }
            return shell.hasExited
        } onCancel: {
            shell.kill()
        }
        try Task.checkCancellation()
        let output = shell.takeOutput()
        guard ended else {
            return .success(
                Self.appending(
                    "<command with shellId: \(shell.id) is still running after \(wait) seconds. It goes on in the background: read its output with read_bash, send it input with write_bash, or stop it with stop_bash.>",
                    to: output))
        }
        // A command that failed still ran: the exit code is for the model to read.
        return .success(Self.appending("<exited with exit code \(shell.exitCode ?? -1)>", to: output))
    }

    /// `marker` on its own line after a command's `output`.
    static func appending(_ marker: String, to output: String) -> String {
        output + (output.isEmpty || output.hasSuffix("\n") ? "" : "\n") + marker
    }

    /// New output of `shell` after waiting up to `delay` seconds (2 when not given) for it to end,
    /// as `read_bash` and `write_bash` report it.
    static func report(_ shell: BackgroundShell, delay: Int?, clock: any Clock<Duration>) async -> ToolRunOutput {
        let ended = await shell.wait(upTo: .seconds(max(0, min(delay ?? 2, maximumWait))), clock: clock)
        let output = shell.takeOutput()
        guard ended else { return .success(appending("<shellId: \(shell.id) is still running>", to: output)) }
        let marker = shell.wasStopped ? "<shellId: \(shell.id) was stopped>" : "<shellId: \(shell.id) completed with exit code \(shell.exitCode ?? -1)>"
        return .success(appending(marker, to: output))
    }
}
