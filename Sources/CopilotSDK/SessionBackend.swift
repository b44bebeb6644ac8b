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

/// An in-process session: the engine, and the recorder that stores its events (when the client has a store).
struct LocalSessionBackend: SessionBackend {
    let engine: SessionEngine
    let recorder: SessionRecorder

    func send(_ options: MessageOptions) async throws -> String { try await engine.send(options) }
    func abort() async { await engine.abort() }
    func close() async {
        await engine.close()
        await recorder.close()
    }
}
