import CopilotCore
import CopilotRuntime

/// Where a ``CopilotSession`` runs: the in-process engine, or a runtime behind the protocol.
protocol SessionBackend: Sendable {
    /// Queues a message; returns its id.
    func send(_ options: MessageOptions) async throws -> String
    /// Cancels the message being processed.
    func abort() async
    /// Every persisted (non-ephemeral) event so far, in order.
    func messages() async throws -> [SessionEvent]
    /// Ends the session here (a store or the remote runtime keeps it for resuming).
    func close() async
}

/// An in-process session: the host runs it in this process and stores it when the client has a store.
extension SessionHost: SessionBackend {
    func send(_ options: MessageOptions) async throws -> String { try await engine.send(options) }
    func abort() async { await engine.abort() }
    func messages() async throws -> [SessionEvent] { persistedEvents }
}
