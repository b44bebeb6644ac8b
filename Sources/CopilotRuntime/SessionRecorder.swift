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
        var onWriteFailure: (@Sendable (String) -> Void)?
        /// Set while writes fail, so a streak of failures is reported once.
        var failing = false
        /// Failed writes so far, and why the last one failed.
        var failures = 0
        var lastFailure: String?
        /// Events recorded and events handed to the log so far, for ``flush()``.
        var recorded = 0
        var written = 0
        var flushWaiters: [(upTo: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let logger: Logger
    private let secrets: SecretFilter?
    private let state = Mutex(State())

    /// - Parameter secrets: values scrubbed from every event before it is written.
    package init(logger: Logger, secrets: SecretFilter? = nil) {
        self.logger = logger
        self.secrets = secrets
    }

    /// Returns once every event recorded before the call has been handed to the log (at once when
    /// no log is attached, or the recorder has stopped).
    package func flush() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                guard state.log != nil, state.writer != nil, state.written < state.recorded else { return true }
                state.flushWaiters.append((state.recorded, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Counts `count` more events as written and wakes the flushes they complete (all of them when `finished`).
    private func noteWritten(_ count: Int, finished: Bool = false) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.written += count
            let written = state.written
            let ready = state.flushWaiters.filter { finished || $0.upTo <= written }.map(\.continuation)
            state.flushWaiters.removeAll { finished || $0.upTo <= written }
            if finished { state.writer = nil }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Calls `handler` once if the store says another writer took the session over (the recorder
    /// then stops writing).
    package func whenFenced(_ handler: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.onFenced = handler }
    }

    /// Calls `handler` when a write to the store fails (a full disk, a lost database), once per run of
    /// failures: what the session does meanwhile may be lost if the process stops.
    package func whenWriteFails(_ handler: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.onWriteFailure = handler }
    }

    /// How many writes have failed so far, and why the last one did.
    package var failures: (count: Int, last: String?) { state.withLock { ($0.failures, $0.lastFailure) } }

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
            state.recorded += 1
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
            noteWritten(batch.count)
        }
        await log.close()
        noteWritten(0, finished: true)
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
        let batch = secrets.map { filter in batch.map(filter.scrub) } ?? batch
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
            state.withLock { $0.failing = false }
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
            let reason = String(describing: error)
            let handler = state.withLock { state -> (@Sendable (String) -> Void)? in
                defer { state.failing = true }
                state.failures += 1
                state.lastFailure = reason
                return state.failing ? nil : state.onWriteFailure
            }
            handler?(reason)
        }
    }
}
