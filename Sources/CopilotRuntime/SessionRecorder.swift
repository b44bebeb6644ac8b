import CopilotProviders
import Foundation
public import Logging
import Synchronization

/// Writes a session's persisted events to its log, in order, and keeps the stored summary current.
///
/// Put ``record(_:)`` in the engine's event sink; events recorded before ``attach(_:metadata:)``
/// are kept and written first.
public final class SessionRecorder: Sendable {
    private let logger: Logger
    private let state = Mutex<(log: (any SessionLog)?, metadata: SessionMetadata?, pending: [SessionEvent])>((nil, nil, []))

    public init(logger: Logger) { self.logger = logger }

    /// Starts writing to `log`; events recorded before it was open are written first.
    public func attach(_ log: (any SessionLog)?, metadata: SessionMetadata?) {
        state.withLock { state in
            state.log = log
            state.metadata = metadata
            let pending = state.pending
            state.pending.removeAll()
            for event in pending { write(event, state: &state) }
        }
    }

    public func record(_ event: SessionEvent) {
        guard !event.ephemeral else { return }
        state.withLock { state in
            guard state.log != nil else {
                state.pending.append(event)
                return
            }
            write(event, state: &state)
        }
    }

    private func write(_ event: SessionEvent, state: inout (log: (any SessionLog)?, metadata: SessionMetadata?, pending: [SessionEvent])) {
        do {
            try state.log?.append(event)
            // A new prompt is what "modified" means in a session list; the first one is its summary.
            if case .userMessage(let message) = event.payload, var metadata = state.metadata {
                metadata.modifiedAt = event.timestamp
                if metadata.summary == nil { metadata.summary = String(message.content.prefix(80)) }
                state.metadata = metadata
                try state.log?.update(metadata)
            }
            // A summary given at the end (the sessionEnd hook) replaces the first prompt's.
            if case .other(type: "session.task_complete", let data) = event.payload, let summary = data["summary"]?.stringValue,
                var metadata = state.metadata
            {
                metadata.summary = summary
                state.metadata = metadata
                try state.log?.update(metadata)
            }
        } catch {
            logger.error("could not store a session event", metadata: ["error": "\(error)", "type": "\(event.type)"])
        }
    }
}
