import CopilotCore
import CopilotProtocol
import CopilotRuntime
import Foundation

/// The UI methods: the app asks the session's user to fill a form (`session.ui.elicitation`), and
/// a client that answers forms answers one (`session.ui.handlePendingElicitation`).
extension RuntimeServer {
    static func addUIMethods(to router: inout RPCRouter, _ server: RuntimeServer) {
        router.on(RPC.sessionUIElicitation, sessionsOf: server) { params, call in
            let session = call.session
            guard session.ui.elicitation else {
                throw RPCError.internalError(
                    method: RPC.sessionUIElicitation.name, "Elicitation is not supported: no connected client answers forms (requestElicitation).")
            }
            if let schema = params.requestedSchema, schema.objectValue == nil {
                throw RPCError.invalidParams("\(RPC.sessionUIElicitation.name): requestedSchema must be an object.")
            }
            let request = ElicitationRequest(
                requestId: UUID().uuidString.lowercased(), message: params.message, requestedSchema: params.requestedSchema,
                mode: params.mode ?? "form")
            do {
                let result = try await call.engine.elicit(request)
                return UIElicitationResult(action: result.action.rawValue, content: result.content.map { .object($0) })
            } catch is ElicitationUnavailable {
                throw RPCError.internalError(method: RPC.sessionUIElicitation.name, ElicitationUnavailable().description)
            }
        }
        router.on(RPC.sessionUIHandlePendingElicitation, sessionsOf: server) { params, call in
            let session = call.session
            guard ElicitationResult.Action(rawValue: params.result.action) != nil else {
                throw RPCError.invalidParams(
                    "\(RPC.sessionUIHandlePendingElicitation.name): result.action must be accept, decline or cancel, not `\(params.result.action)`.")
            }
            // `false` when another client answered first, or nothing asked.
            return SuccessResult(success: session.answer(params.requestId, with: try JSONValue(encoding: params.result)))
        }
    }
}
