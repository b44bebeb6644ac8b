package import CopilotCore
import CopilotProviders
import Foundation
package import Logging
import Synchronization

/// Writes a session's persisted events to its log, in order, and keeps the stored summary current.
///
/// Put ``record(_:)`` in the engine's event sink: it never waits. One writer task takes whatever
/// has been recorded since its last write and appends it as one batch, so a slow store (a database
/// round trip) costs one write per batch, not one per event, and the engine is never held up by it.
/// Events recorded before ``attach(_:metadata:)`` are kept and written first. ``close()`` writes
/// everything still waiting, then closes the log.
package final class SessionRecorder: Sendable {
    private struct State {
        var log: (any SessionLog)?
        var metadata: SessionMetadata?
        var pending: [SessionEvent] = []
        var closing = false
        var writerWaiting: CheckedContinuation<Void, Never>?
        var writer: Task<Void, Never>?
        /// Set once another writer took the session over: nothing more is written.
        var fenced = false
        var onFenced: (@Sendable (String) -> Void)?
    }

    private let logger: Logger
    private let state = Mutex(State())

    package init(logger: Logger) { self.logger = logger }

    /// Calls `handler` once if the store says another writer took the session over (the recorder
    /// then stops writing).
    package func whenFenced(_ handler: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.onFenced = handler }
    }

    /// Starts writing to `log`; events recorded before it was attached are written first.
    package func attach(_ log: any SessionLog, metadata: SessionMetadata?) {
        state.withLock { state in
            precondition(state.log == nil, "a recorder writes to one log")
            state.log = log
            state.metadata = metadata
            state.writer = Task { [self] in await runWriter(log) }
        }
    }

    /// Queues a non-ephemeral event for the log. Never waits.
    package func record(_ event: SessionEvent) {
        guard !event.ephemeral else { return }
        let writer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.closing else { return nil }
            state.pending.append(event)
            defer { state.writerWaiting = nil }
            return state.writerWaiting
        }
        writer?.resume()
    }

    /// Writes what is still queued, then closes the log. Later events are not recorded.
    package func close() async {
        let (writer, waiting) = state.withLock { state in
            state.closing = true
            defer { state.writerWaiting = nil }
            return (state.writer, state.writerWaiting)
        }
        waiting?.resume()
        await writer?.value
    }

    // MARK: - The writer

    private func runWriter(_ log: any SessionLog) async {
        while let batch = await nextBatch() {
            await write(batch, to: log)
        }
        await log.close()
    }

    /// Everything recorded since the last batch; waits while there is nothing; `nil` once closing
    /// and drained.
    private func nextBatch() async -> [SessionEvent]? {
        while true {
            let batch = state.withLock { state -> [SessionEvent]?? in
                if !state.pending.isEmpty {
                    defer { state.pending.removeAll(keepingCapacity: true) }
                    return .some(state.pending)
                }
                return state.closing ? .some(nil) : nil
            }
            if let batch { return batch }
            await withCheckedContinuation { continuation in
                let wakeNow = state.withLock { state -> Bool in
                    if !state.pending.isEmpty || state.closing { return true }
                    state.writerWaiting = continuation
                    return false
                }
                if wakeNow { continuation.resume() }
            }
        }
    }

    private func write(_ batch: [SessionEvent], to log: any SessionLog) async {
        let updated = state.withLock { state -> SessionMetadata? in
            guard var metadata = state.metadata else { return nil }
            for event in batch { metadata.note(event) }
            guard metadata != state.metadata else { return nil }
            state.metadata = metadata
            return metadata
        }
        guard !state.withLock({ $0.fenced }) else { return }
        do {
            try await log.append(batch)
            if let updated { try await log.update(updated) }
        } catch let error as SessionStoreError where error.fenced {
            let handler = state.withLock { state -> (@Sendable (String) -> Void)? in
                state.fenced = true
                defer { state.onFenced = nil }
                return state.onFenced
            }
            logger.warning("session taken over by another writer; this one stops", metadata: ["error": "\(error)"])
            handler?(error.message)
        } catch {
            logger.error(
                "could not store session events",
                metadata: ["error": "\(error)", "events": "\(batch.count)", "first": "\(batch.first?.type ?? "")"])
        }
    }
}
