import CopilotRuntime

/// Where a ``CopilotSession`` runs: the in-process engine, or a runtime behind the protocol.
protocol SessionBackend: Sendable {
    /// Queues a message; returns its id.
    func send(_ options: MessageOptions) async throws -> String
    /// Cancels the message being processed.
    func abort() async
    /// Ends the session here (the remote runtime keeps it for resuming).
    func close() async
}

extension SessionEngine: SessionBackend {}
