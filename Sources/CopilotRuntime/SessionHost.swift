package import CopilotCore
package import CopilotProviders
package import Foundation
package import Logging
import Synchronization

/// One session, wired once: the engine, the recorder that writes its events to a store, the
/// persisted history, the broadcaster that fans its events out, and the metadata a session list
/// shows. The in-process client and the protocol server both build their sessions here, so a
/// `SessionConfig` means the same in every mode.
///
/// Build one with ``create(_:id:providerContext:store:logger:)`` or
/// ``resume(_:from:id:providerContext:logger:)``, subscribe to ``events``, then call ``start()``:
/// no event is emitted before it.
package final class SessionHost: Sendable {
    /// The agent loop.
    package let engine: SessionEngine
    /// Every event, in order, to handlers and streams; finished by ``close()``.
    package let events: EventBroadcaster
    /// The session's id.
    package var sessionId: String { engine.sessionId }
    /// The session's own folder: its plan and workspace files.
    package let workspace: SessionWorkspace

    private let recorder: SessionRecorder?
    private let clock: any Clock<Duration>
    private let ledger: Ledger
    /// Taken by ``start()``, so a resumed session's stored events are not kept twice.
    private let origin: Mutex<Origin?>

    /// What ``start()`` begins with.
    private enum Origin {
        case new
        case resumed(StoredSession)
    }

    /// The persisted events and the live metadata, updated by the engine's sink.
    private final class Ledger: Sendable {
        private struct State {
            var persisted: [SessionEvent]
            var metadata: SessionMetadata
        }

        private let state: Mutex<State>

        init(persisted: [SessionEvent], metadata: SessionMetadata) {
            state = Mutex(State(persisted: persisted.filter { !$0.ephemeral }, metadata: metadata))
        }

        func record(_ event: SessionEvent) {
            guard !event.ephemeral else { return }
            state.withLock { state in
                state.persisted.append(event)
                state.metadata.note(event)
            }
        }

        var persisted: [SessionEvent] { state.withLock { $0.persisted } }
        var metadata: SessionMetadata { state.withLock { $0.metadata } }
    }

    private init(
        config: SessionConfig, id: String, metadata: SessionMetadata, origin: Origin, providerContext: ProviderContext,
        persists: Bool, workspaces: URL, logger: Logger
    ) throws {
        if let problem = SessionIdentifier.problem(with: id) {
            throw CopilotError(code: .invalidConfiguration, message: "'\(id.prefix(64))' is not a valid session id: \(problem).")
        }
        let events = EventBroadcaster()
        let recorder = persists ? SessionRecorder(logger: logger, secrets: config.secretFilter) : nil
        let persisted: [SessionEvent]
        if case .resumed(let stored) = origin { persisted = stored.events } else { persisted = [] }
        let ledger = Ledger(persisted: persisted, metadata: metadata)
        do {
            engine = try SessionEngine(
                sessionId: id, config: config, providerContext: providerContext, logger: logger,
                sink: { event in
                    recorder?.record(event)
                    ledger.record(event)
                    events.publish(event)
                })
        } catch let error as ProviderError {
            throw CopilotError(
                code: error.code == .unsupported ? .unsupported : .invalidConfiguration, message: error.message, underlying: error)
        }
        self.events = events
        self.recorder = recorder
        // Another writer took the session over: say so, and stop working on a session whose log is not ours.
        recorder?.whenFenced { [engine] message in
            Task { await engine.lose(to: message) }
        }
        // A store that cannot take the events (a full disk) is an error the client sees, not a log line.
        recorder?.whenWriteFails { [engine] reason in
            Task { await engine.reportStorageFailure(reason) }
        }
        self.ledger = ledger
        self.workspace = SessionWorkspace(root: workspaces.appendingPathComponent(id, isDirectory: true))
        self.origin = Mutex(origin)
        self.clock = providerContext.clock
    }

    /// A new session `id`. With a `store`, its log is created there once the config has been
    /// checked, so a config that cannot work leaves nothing behind. Its folder (plan, workspace
    /// files) is `workspaces/<id>`, by default ``SessionWorkspace/folder(for:)``.
    ///
    /// - Throws: ``CopilotError`` `invalidConfiguration` (or `unsupported`) when the config or the
    ///   store refuses.
    package static func create(
        _ config: SessionConfig, id: String, providerContext: ProviderContext, store: (any SessionStore)?, workspaces: URL? = nil,
        logger: Logger
    ) async throws -> SessionHost {
        let metadata = SessionMetadata(
            sessionId: id, model: config.model, providerType: config.provider?.resolvedType.rawValue,
            baseURL: config.provider?.displayBaseURL, workingDirectory: config.workingDirectory)
        let host = try SessionHost(
            config: config, id: id, metadata: metadata, origin: .new, providerContext: providerContext, persists: store != nil,
            workspaces: workspaces ?? SessionWorkspace.folder(for: store), logger: logger)
        if let store {
            do {
                let log = try await store.create(metadata)
                host.recorder?.attach(log, metadata: metadata)
                await host.engine.setTranscriptPath(log.transcriptPath)
            } catch let error as SessionStoreError {
                throw CopilotError(code: .invalidConfiguration, message: error.message)
            }
        }
        return host
    }

    /// Session `id` brought back from `store`, continuing its conversation.
    ///
    /// A config without a model or provider gets the stored ones back. Keys, headers and the wire
    /// API are never stored: a stored provider that is one of `knownProviders` (same type and base
    /// URL; a server's default provider) comes back whole, any other as its type and base URL, which
    /// is enough for a local server (Ollama, llama.cpp); a provider that needs a key answers 401
    /// until the caller passes its provider again.
    ///
    /// - Throws: ``CopilotError`` `invalidConfiguration` when the store does not have the session,
    ///   cannot open it (another writer holds it), or the config cannot work.
    package static func resume(
        _ config: SessionConfig, from store: any SessionStore, id: String, providerContext: ProviderContext,
        knownProviders: [ProviderConfig] = [], workspaces: URL? = nil, logger: Logger
    ) async throws -> SessionHost {
        let stored: StoredSession
        do {
            // As the official runtime: a resume takes the session over from a writer that still
            // holds it (another process or client), which the store then fences.
            stored = try await store.open(id, takeOver: true)
        } catch let error as SessionStoreError {
            throw CopilotError(code: .invalidConfiguration, message: error.message)
        }
        var config = config
        if config.model == nil { config.model = stored.metadata.model }
        if config.provider == nil, let baseURL = stored.metadata.baseURL {
            let type = stored.metadata.providerType.flatMap(ProviderConfig.ProviderType.init(rawValue:)) ?? .openai
            config.provider = knownProviders.first { $0.resolvedType == type && $0.displayBaseURL == baseURL }
                ?? ProviderConfig(type: type, baseURL: baseURL)
        }
        if config.workingDirectory == nil { config.workingDirectory = stored.metadata.workingDirectory }
        do {
            let host = try SessionHost(
                config: config, id: id, metadata: stored.metadata,
                origin: .resumed(stored), providerContext: providerContext,
                persists: true, workspaces: workspaces ?? SessionWorkspace.folder(for: store), logger: logger)
            host.recorder?.attach(stored.log, metadata: stored.metadata)
            await host.engine.setTranscriptPath(stored.log.transcriptPath)
            return host
        } catch {
            await stored.log.close()
            throw error
        }
    }

    /// Emits `session.start` (a new session) or `session.resume` (a resumed one); later calls do nothing.
    package func start() async {
        switch origin.withLock({ origin in defer { origin = nil }; return origin }) {
        case nil: return
        case .new: await engine.start()
        case .resumed(let stored):
            await engine.resume(from: stored.events, droppedLines: stored.droppedLines, recovery: stored.recovery)
        }
    }

    /// Every persisted (non-ephemeral) event so far, in order, including those read back from a store.
    package var persistedEvents: [SessionEvent] { ledger.persisted }

    /// The session as a session list shows it, up to date with the last event.
    package var metadata: SessionMetadata { ledger.metadata }

    /// Sends a message and waits for the `session.idle` that ends it; see
    /// ``EventBroadcaster/sendAndWait(timeout:clock:send:)``.
    package func sendAndWait(_ options: MessageOptions, timeout: Duration? = nil) async throws -> (messageId: String, completion: MessageCompletion) {
        let failuresBefore = recorder?.failures.count ?? 0
        var (messageID, completion) = try await events.sendAndWait(timeout: timeout, clock: clock) { try await self.engine.send(options) }
        // What the message did must have reached the store: a write that failed meanwhile fails it,
        // even when the store's answer came after the session went idle.
        if let recorder {
            await recorder.flush()
            let failures = recorder.failures
            if completion.failure == nil, failures.count > failuresBefore {
                completion.failure = SessionEngine.storageFailure(failures.last ?? "unknown error", messageID: messageID)
            }
        }
        return (messageID, completion)
    }

    /// Returns once every event so far has been handed to the store (at once without one).
    package func flush() async {
        await recorder?.flush()
    }

    /// Ends the session: the engine stops (running the `sessionEnd` hook), what is left is written
    /// to the store and the log released, then every event stream ends.
    package func close() async {
        await engine.close()
        await recorder?.close()
        events.finish()
    }
}

extension SessionMetadata {
    /// What one persisted event changes in a session list, the one rule for every store and mode:
    /// a new prompt is what "modified" means, and the first one is the summary; a summary given at
    /// the end (the `sessionEnd` hook's) replaces it.
    package mutating func note(_ event: SessionEvent) {
        switch event.payload {
        case .userMessage(let message):
            modifiedAt = event.timestamp
            if summary == nil { summary = String(message.content.prefix(80)) }
        case .sessionTaskComplete(let done):
            if let summary = done.summary { self.summary = summary }
        default:
            break
        }
    }
}
