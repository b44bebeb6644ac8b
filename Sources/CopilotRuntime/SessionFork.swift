import CopilotCore
import Foundation

extension SessionStore {
    /// Stores a new session whose log is session `source`'s up to, not including, event `boundary`
    /// (the whole log without one), to be resumed like any other; returns its id. The source is read
    /// from `live` when it is open here (its newest events may not be stored yet), else from the store.
    ///
    /// - Throws: ``CopilotError`` `invalidInput` when the source has no persisted events or the
    ///   boundary is not one of them; `sessionError` when the store refuses the new session.
    package func fork(_ source: String, live: SessionHost?, before boundary: String?, name: String?) async throws -> String {
        var events: [SessionEvent]
        var metadata: SessionMetadata
        if let live {
            events = live.persistedEvents
            metadata = live.metadata
        } else {
            // Read, not opened: a session another writer holds can be forked too, and its log is left as it is.
            guard let stored = try? await self.metadata(source), let read = try? await self.events(source) else {
                throw CopilotError(code: .invalidInput, message: "Session \(source) not found or has no persisted events.")
            }
            events = read
            metadata = stored
        }
        if let boundary {
            guard let index = events.firstIndex(where: { $0.id.uuidString.lowercased() == boundary.lowercased() }) else {
                throw CopilotError(code: .invalidInput, message: "Event \(boundary) not found in session \(source).")
            }
            events.removeSubrange(index...)
        }
        guard events.contains(where: { if case .sessionStart = $0.payload { false } else { true } }) else {
            throw CopilotError(code: .invalidInput, message: "Session \(source) not found or has no persisted events.")
        }
        let id = UUID().uuidString.lowercased()
        events = events.map { event in
            guard case .sessionStart(var start) = event.payload else { return event }
            start.sessionId = id
            var copy = event
            copy.payload = .sessionStart(start)
            return copy
        }
        metadata.sessionId = id
        metadata.createdAt = Date()
        metadata.modifiedAt = metadata.createdAt
        if let name { metadata.summary = name }
        do {
            let log = try await create(metadata)
            try await log.append(events)
            await log.close()
        } catch {
            throw CopilotError(code: .sessionError, message: "The fork of session \(source) could not be stored: \(error)")
        }
        return id
    }
}
