import CopilotCore
import Foundation

/// The built-in `ask_user` tool as a ``ToolSource``: `user_input.requested`, the app's
/// ``UserInputHandler``, `user_input.completed`.
struct UserInputToolSource: ToolSource {
    let handler: UserInputHandler

    var tools: [SourcedTool] { [SourcedTool(UserInputHandler.toolDefinition, origin: .builtin)] }

    func run(_ context: ToolCallContext) async throws -> ToolRunOutput {
        let arguments = context.arguments
        guard let question = arguments["question"]?.stringValue, !question.isEmpty else {
            return ToolRunOutput(.failure("ask_user needs a `question` string."))
        }
        let choices = arguments["choices"]?.arrayValue?.compactMap(\.stringValue)
        let request = UserInputRequest(
            question: question, choices: choices, allowFreeform: arguments["allow_freeform"] != false, toolCallId: context.call.id)
        let requestID = UUID().uuidString.lowercased()
        await context.publish(.userInputRequested(.init(
            requestId: requestID, question: question, choices: choices, allowFreeform: request.allowFreeform, toolCallId: context.call.id)))
        do {
            let response = try await handler(request)
            await context.publish(.userInputCompleted(.init(requestId: requestID, answer: response.answer, wasFreeform: response.wasFreeform)))
            return ToolRunOutput(.success(response.wasFreeform ? "User responded: \(response.answer)" : "User selected: \(response.answer)"))
        } catch {
            await context.publish(.userInputCompleted(.init(requestId: requestID)))
            if Task.isCancelled || error is CancellationError { throw CancellationError() }
            return ToolRunOutput(ToolResult(
                textResultForLlm: "The user did not answer the question.", resultType: .failure, error: "The user could not be asked: \(error)"))
        }
    }
}
