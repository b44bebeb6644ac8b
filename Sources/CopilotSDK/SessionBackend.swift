import CopilotCore
import CopilotRuntime
import Synchronization

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

/// An in-process session: the engine, and the recorder that stores its events (when the client has a store).
struct LocalSessionBackend: SessionBackend {
    let engine: SessionEngine
    let recorder: SessionRecorder
    let history: EventHistory

    func send(_ options: MessageOptions) async throws -> String { try await engine.send(options) }
    func abort() async { await engine.abort() }
    func messages() async throws -> [SessionEvent] { history.events }
    func close() async {
        await engine.close()
        await recorder.close()
    }
}

/// The persisted events of an in-process session, for ``CopilotSession/messages()``.
final class EventHistory: Sendable {
    private let state = Mutex<[SessionEvent]>([])

    func seed(_ events: [SessionEvent]) {
        state.withLock { $0 = events.filter { !$0.ephemeral } }
    }

    func record(_ event: SessionEvent) {
        guard !event.ephemeral else { return }
        state.withLock { $0.append(event) }
    }

    var events: [SessionEvent] { state.withLock { $0 } }
}
