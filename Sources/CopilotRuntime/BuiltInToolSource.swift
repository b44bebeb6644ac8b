import CopilotCore
import CopilotProviders
import Foundation

/// The runtime's own file, search, shell, web and intent tools as a ``ToolSource``.
struct BuiltInToolSource: ToolSource {
    /// The built-in tools this session offers.
    let enabled: [BuiltInTool]
    /// The session's shell commands (shared by every call of the session).
    let shells: ShellSessions
    /// Fetches URLs for `web_fetch`.
    let transport: (any HTTPTransport)?
    /// Measures the shell's waits.
    let clock: any Clock<Duration>

    var tools: [SourcedTool] { enabled.map { SourcedTool($0.definition, origin: .builtin) } }

    func run(_ context: ToolCallContext) async throws -> ToolRunOutput {
        guard let tool = BuiltInTool(rawValue: context.call.name), enabled.contains(tool) else {
            throw BuiltInToolError("`\(context.call.name)` is not a built-in tool of this session.")
        }
        let callID = context.call.id
        let runner = BuiltInToolRunner(
            directory: WorkingDirectory(context.workingDirectory), ask: context.ask, shells: shells, transport: transport,
            reportIntent: { intent in await context.publish(.assistantIntent(.init(intent: intent))) },
            partialOutput: { output in await context.publish(.toolExecutionPartialResult(.init(toolCallId: callID, partialOutput: output))) },
            clock: clock)
        let output = try await runner.run(tool, call: context.call, arguments: context.arguments)
        return ToolRunOutput(output.result, images: output.images, imagePath: output.imagePath)
    }
}
