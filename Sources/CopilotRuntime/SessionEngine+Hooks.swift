import CopilotCore
import CopilotProviders
import Foundation
import Logging

/// Running the session's hooks with a timeout, framed by `hook.start` / `hook.end` events.
extension SessionEngine {
    /// Runs the session's hook for `point`, if it has one, with the configured timeout, framed by
    /// `hook.start` / `hook.end` events. Returns its output, or `nil` when there is no hook, it gave
    /// none, or it failed or timed out (reported in `hook.end`); never hangs.
    func runHook<Input: HookInput, Output: Codable & Sendable>(_ point: HookPoint<Input, Output>, _ input: Input) async -> Output? {
        guard let hooks, let body = point.handler(hooks) else { return nil }
        let type = point.name
        let invocationID = UUID().uuidString.lowercased()
        let inputJSON = (try? JSONValue(encoding: input)) ?? .null
        emit(.hookStart(.init(hookInvocationId: invocationID, hookType: type, input: inputJSON)))
        let timeout = hooks.timeout
        let result: Result<Output?, any Error>
        do {
            if let output = try await withTimeout(timeout, clock: clock, { try await body(input) }) {
                result = .success(output)
            } else {
                result = .failure(CopilotError(code: .timeout, message: "The \(type) hook did not answer within \(timeout)."))
            }
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let output):
            emit(.hookEnd(.init(hookInvocationId: invocationID, hookType: type, success: true)))
            return output
        case .failure(let error):
            logger.warning("hook failed", metadata: ["hook": "\(type)", "error": "\(error)"])
            emit(.hookEnd(.init(
                hookInvocationId: invocationID, hookType: type, success: false, error: .init(message: String(describing: error)))))
            return nil
        }
    }
}
