import CopilotCore
import Foundation

/// The app's own tools (``SessionConfig/tools``, or the tools a client joining the session brings)
/// as a ``ToolSource``: each call asks the permission handler (kind `custom-tool`) unless the tool
/// skips it, then runs the tool's handler.
package struct AppToolSource: ToolSource {
    /// The tools, in the order the app gave them.
    let appTools: [Tool]

    package init(appTools: [Tool]) {
        self.appTools = appTools
    }

    package var tools: [SourcedTool] { appTools.map { SourcedTool($0.definition, origin: .custom) } }

    package func run(_ context: ToolCallContext) async throws -> ToolRunOutput {
        guard let tool = appTools.first(where: { $0.name == context.call.name }) else {
            throw CopilotError(code: .invalidConfiguration, message: "`\(context.call.name)` is not one of the app's tools.")
        }
        if !tool.skipPermission {
            let request = PermissionRequest(
                kind: .customTool, toolCallId: context.call.id, toolName: tool.name, toolDescription: tool.description,
                args: context.arguments)
            if let refusal = await context.permit(request) { return ToolRunOutput(refusal) }
        }
        try Task.checkCancellation()
        let result = try await tool.handler(
            ToolInvocation(sessionId: context.sessionId, toolCallId: context.call.id, toolName: tool.name, arguments: context.arguments))
        return ToolRunOutput(result)
    }
}
