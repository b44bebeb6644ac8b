public import CopilotCore
public import Foundation

/// Where sessions are kept so they can be listed, resumed and deleted after the process that ran
/// them is gone. Only persisted (non-ephemeral) events are stored, in the official JSON shape.
public protocol SessionStore: Sendable {
    /// Starts a new session's log and takes its write lock.
    func create(_ metadata: SessionMetadata) async throws -> any SessionLog
    /// Opens an existing session for appending: its metadata, every stored event in order, a report
    /// of anything that had to be repaired, and the log (with its write lock). A session another
    /// writer holds is refused, unless `takeOver`: then this writer takes it, and the other one's
    /// next append fails with a ``SessionStoreError`` whose ``SessionStoreError/fenced`` is set.
    func open(_ sessionId: String, takeOver: Bool) async throws -> StoredSession
    /// Every stored session, newest first.
    func list() async throws -> [SessionMetadata]
    /// One session's metadata, or `nil` when there is none.
    func metadata(_ sessionId: String) async throws -> SessionMetadata?
    /// One session's stored events in order, read without taking its write lock (for viewers: a
    /// session another writer holds can be read too). Lines that cannot be read are left out.
    func events(_ sessionId: String) async throws -> [SessionEvent]
    /// Removes a session. Refused while another writer holds it.
    func delete(_ sessionId: String) async throws
}

extension SessionStore {
    /// Opens a session no other writer holds (see ``open(_:takeOver:)``).
    public func open(_ sessionId: String) async throws -> StoredSession { try await open(sessionId, takeOver: false) }

    /// The most recently modified session's id.
    public func lastSessionId() async throws -> String? { try await list().first?.sessionId }
}

/// A session's append-only log, held open by its one writer (the store refuses a second).
///
/// `SessionRecorder` is the usual caller: it hands over events in order, in batches, one call at
/// a time.
public protocol SessionLog: Sendable {
    /// Appends persisted events in the order given: the whole batch is stored, or none of it and
    /// the call throws.
    func append(_ events: [SessionEvent]) async throws
    /// Updates the stored metadata (summary, modified time).
    func update(_ metadata: SessionMetadata) async throws
    /// Makes everything appended durable and gives up the session, so another writer may open it.
    func close() async
    /// The file the events are written to, when the store keeps them in one (hooks report it as
    /// `transcriptPath`); `nil` otherwise.
    var transcriptPath: String? { get }
}

extension SessionLog {
    public var transcriptPath: String? { nil }
}

/// A session read back from a store.
public struct StoredSession: Sendable {
    public var metadata: SessionMetadata
    public var events: [SessionEvent]
    /// Lines that could not be read, left out of ``events``.
    public var droppedLines: Int
    /// What the store did with them, for the warning the resumed session emits ("the torn last line
    /// was cut off", "kept in …/events.corrupt").
    public var recovery: String?
    public var log: any SessionLog

    public init(metadata: SessionMetadata, events: [SessionEvent], droppedLines: Int, recovery: String? = nil, log: any SessionLog) {
        self.metadata = metadata
        self.events = events
        self.droppedLines = droppedLines
        self.recovery = recovery
        self.log = log
    }
}

/// What a store remembers about a session besides its events. Never holds a secret.
public struct SessionMetadata: Sendable, Hashable, Codable {
    public var sessionId: String
    public var model: String?
    /// The provider family and base URL (no keys, tokens or headers).
    public var providerType: String?
    public var baseURL: String?
    public var workingDirectory: String?
    public var createdAt: Date
    public var modifiedAt: Date
    /// The first prompt, shortened.
    public var summary: String?

    public init(
        sessionId: String, model: String? = nil, providerType: String? = nil, baseURL: String? = nil,
        workingDirectory: String? = nil, createdAt: Date = Date(), modifiedAt: Date = Date(), summary: String? = nil
    ) {
        self.sessionId = sessionId
        self.model = model
        self.providerType = providerType
        self.baseURL = baseURL
        self.workingDirectory = workingDirectory
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
        self.summary = summary
    }
}

/// Errors from a ``SessionStore``.
public struct SessionStoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// Set when another writer took the session over: this writer may not append any more.
    public var fenced: Bool
    public init(_ message: String, fenced: Bool = false) {
        self.message = message
        self.fenced = fenced
    }
    public var description: String { message }
}
