import CopilotCore
import CopilotProviders
import Foundation

/// The runtime's own tools (``BuiltInTool/registered``) as a ``ToolSource``.
struct BuiltInToolSource: ToolSource {
    /// The built-in tools this session offers.
    let enabled: [BuiltInTool]
    /// The session's shell commands (shared by every call of the session).
    let shells: ShellSessions
    /// Fetches URLs for `web_fetch`.
    let transport: (any HTTPTransport)?
    /// Measures the shell's waits.
    let clock: any Clock<Duration>
    /// Their declarations, made once: the registry reads them at every model call.
    let tools: [SourcedTool]

    init(enabled: [BuiltInTool], shells: ShellSessions, transport: (any HTTPTransport)?, clock: any Clock<Duration>) {
        self.enabled = enabled
        self.shells = shells
        self.transport = transport
        self.clock = clock
        tools = enabled.flatMap(\.definitions).map { SourcedTool($0, origin: .builtin) }
    }

    func run(_ context: ToolCallContext) async throws -> ToolRunOutput {
        guard let tool = BuiltInTool(rawValue: context.call.name), enabled.contains(tool) else {
            return ToolRunOutput(.failure("`\(context.call.name)` is not a built-in tool of this session."))
        }
        let toolContext = BuiltInToolContext(
            session: context, directory: WorkingDirectory(context.workingDirectory), shells: shells, transport: transport, clock: clock)
        do {
            return try await tool.kind.run(BuiltInToolArguments(json: context.arguments), in: toolContext)
        } catch let error as BuiltInToolError {
            return ToolRunOutput(.failure(error.message))
        }
    }
}
