import CopilotProtocol
import CopilotRuntime

/// A request for one live session: the router found the session its params name before the
/// handler ran, so no handler looks it up again.
struct SessionCall: Sendable {
    /// The session as the server keeps it: its clients, their tools and pending answers.
    let session: ServerSession
    /// The session itself: the one API every session operation goes through.
    let host: SessionHost
    /// The client that sent the request.
    let connection: RPCConnection
    /// The method's name, for errors.
    let method: String

    var engine: SessionEngine { host.engine }
}

extension RPCRouter {
    /// Handles `method`, a method for one session: the session its params name is looked up here,
    /// once. A session that is not live here (never was, was let go, or was deleted) is answered
    /// with the "Session not found" error the official SDKs recognise.
    mutating func on<Params: SessionScoped, Result>(
        _ method: RPCMethod<Params, Result>, sessionsOf server: RuntimeServer,
        _ body: @escaping @Sendable (Params, SessionCall) async throws -> Result
    ) {
        on(method) { [unowned server] params, connection in
            let session = try server.liveSession(params.sessionId, method.name)
            // A session is listed only once its host is attached; one without is one that ended.
            guard let host = session.host else { throw RPCError.sessionNotFound(method: method.name, params.sessionId) }
            return try await body(params, SessionCall(session: session, host: host, connection: connection, method: method.name))
        }
    }
}
