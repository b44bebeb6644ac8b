public import CopilotCore
public import CopilotRuntime
import Foundation
public import Logging
import PostgresNIO
public import ServiceLifecycle
import Synchronization

/// A `SessionStore` in PostgreSQL, so that several servers share sessions: one created through
/// server A can be resumed and continued through server B.
///
/// - **Schema.** Two tables, created on first use (safe when several servers start at once):
///   `copilot_sessions` (one row per session: metadata, event count, owner and lease) and
///   `copilot_session_events` (one row per persisted event: session, sequence number, type, and
///   the event in the official JSON shape).
/// - **Order.** A batch of events is appended in one statement, which PostgreSQL runs as one
///   transaction: it checks that this store still owns the session and that the count it expects
///   is the stored one, raises the count, and inserts the events under the next sequence numbers
///   (1, 2, 3, … per session). A batch is stored whole or not at all, and nothing is stored twice.
/// - **One live owner.** Opening a session takes a lease on it, named after this store instance
///   and renewed while it is open; a second writer (another server, or this one) is refused with a
///   clear error until the owner closes the session or its lease runs out (a crashed server's
///   sessions become free after ``Options/leaseDuration``). A writer whose lease was taken over can
///   no longer append.
/// - **Secrets.** Only `SessionMetadata` and events are written; neither holds a key or token.
///   The URL's password never appears in errors or logs.
///
/// - **Lifecycle.** The store is a swift-service-lifecycle `Service`: its ``run()`` runs the
///   connection pool and renews the leases of the sessions it has open, until the task running it is
///   cancelled or the service group shuts down gracefully. Add it to your `ServiceGroup`, or run it
///   in a child task, before using it:
///
///   ```swift
///   let store = try PostgresSessionStore(url: "postgres://copilot@127.0.0.1/copilot")
///   try await withThrowingDiscardingTaskGroup { group in
///       group.addTask { try await store.run() }
///       // … use the store …
///       group.cancelAll()
///   }
///   ```
///
///   Used while it is not running, it answers with an error that says so.
public final class PostgresSessionStore: SessionStore, Service, Sendable {
    public struct Options: Sendable {
        /// How long a session stays owned without renewal. Owners renew at a third of this.
        public var leaseDuration: Duration
        /// The most connections the pool opens.
        public var maximumConnections: Int
        /// The PostgreSQL schema that holds the tables (created if missing). `nil`: the URL's
        /// `schema` parameter, else `public`.
        public var schema: String?

        public init(leaseDuration: Duration = .seconds(30), maximumConnections: Int = 20, schema: String? = nil) {
            self.leaseDuration = leaseDuration
            self.maximumConnections = maximumConnections
            self.schema = schema
        }
    }

    /// The server's URL with its password masked.
    public let redactedURL: String
    /// Who this store is when it owns a session: host, process and a random part.
    public let ownerID: String
    let options: Options
    /// The schema in use: ``Options/schema``, the URL's `schema` parameter, or `public`.
    public let schema: String
    let logger: Logger
    let client: PostgresClient
    private let url: PostgresURL

    private struct State {
        var schemaReady: Task<Void, any Error>?
        var phase = Phase.idle
        /// The sessions this store has open, whose leases the heartbeat renews.
        var open: Set<String> = []
    }

    private enum Phase { case idle, running, stopped }

    private let state = Mutex(State())

    /// A store on the server at `url` (see the type's documentation for the URL's form). Nothing is
    /// sent to the server until the store is first used; the first use creates the schema over one
    /// direct connection, so a wrong password or an unreachable server is reported at once, in the
    /// server's words.
    public init(url: String, options: Options = Options(), logger: Logger = Logger(label: "copilot.store")) throws {
        let parsed = try PostgresURL(url)
        let schema = options.schema ?? parsed.schema ?? "public"
        guard schema.range(of: #"^[a-z_][a-z0-9_]{0,62}$"#, options: .regularExpression) != nil else {
            throw SessionStoreError("The schema name '\(schema)' must be lowercase letters, digits and underscores.")
        }
        guard options.leaseDuration >= .milliseconds(300) else {
            throw SessionStoreError("The lease must last at least 0.3 s.")
        }
        var configuration = try parsed.clientConfiguration()
        configuration.options.maximumConnections = options.maximumConnections
        // Unqualified names resolve in the store's schema, so hot statements can be prepared once
        // per connection (their SQL must not depend on the schema).
        configuration.options.additionalStartupParameters = [("search_path", schema)]
        self.url = parsed
        self.schema = schema
        self.redactedURL = parsed.redacted
        self.options = options
        self.logger = logger
        self.ownerID = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
        // PostgresNIO's own logs stay quiet unless they are errors: they may quote queries.
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        self.client = client
    }

    /// Runs the connection pool and renews the leases of open sessions at a third of
    /// ``Options/leaseDuration``, until the calling task is cancelled or its service group shuts
    /// down gracefully. A store runs once: afterwards it refuses work. Sessions still open when it
    /// stops stay owned until their leases run out; close them first for a clean hand-over.
    ///
    /// - Throws: `SessionStoreError` when the store is already running or has run before.
    public func run() async throws {
        try state.withLock { state in
            guard state.phase == .idle else {
                throw SessionStoreError("PostgresSessionStore.run() was called twice; a store runs once.")
            }
            state.phase = .running
        }
        defer { state.withLock { $0.phase = .stopped } }
        await cancelWhenGracefulShutdown { [self] in
            await withDiscardingTaskGroup { group in
                group.addTask { await self.client.run() }
                group.addTask { await self.renewLeasesUntilCancelled() }
            }
        }
    }

    /// Whether ``run()`` is running, so the pool can answer.
    var isRunning: Bool { state.withLock { $0.phase == .running } }

    /// Returns once ``run()`` runs. A store used right after the task that runs it was started may
    /// be a moment early, so this waits up to two seconds before saying that nothing runs it.
    private func awaitRunning() async throws {
        let deadline = ContinuousClock.now + .seconds(2)
        while true {
            switch state.withLock({ $0.phase }) {
            case .running:
                return
            case .stopped:
                throw SessionStoreError("PostgresSessionStore \(redactedURL) has stopped; make a new store.")
            case .idle where ContinuousClock.now < deadline:
                try await Task.sleep(for: .milliseconds(5))
            case .idle:
                throw SessionStoreError(
                    "PostgresSessionStore \(redactedURL) is not running: call its run() (or add it to a ServiceGroup) before using it.")
            }
        }
    }

    // MARK: - SessionStore

    public func create(_ metadata: SessionMetadata) async throws -> any SessionLog {
        try validate(metadata.sessionId)
        try await prepare()
        let rows = try await perform("creating session \(metadata.sessionId)") {
            try await client.query(
                """
                INSERT INTO \(unescaped: sessionsTable) (session_id, model, provider_type, base_url, working_directory,
                    created_at, modified_at, summary, event_count, owner, lease_until)
                VALUES (\(metadata.sessionId), \(metadata.model), \(metadata.providerType), \(metadata.baseURL),
                    \(metadata.workingDirectory), \(metadata.createdAt), \(metadata.modifiedAt), \(metadata.summary), 0,
                    \(ownerID), now() + make_interval(secs => \(leaseSeconds)))
                ON CONFLICT (session_id) DO NOTHING
                RETURNING 1
                """, logger: logger
            ).collect()
        }
        guard !rows.isEmpty else { throw SessionStoreError("Session \(metadata.sessionId) already exists in \(redactedURL).") }
        holdLease(metadata.sessionId)
        return PostgresSessionLog(store: self, sessionId: metadata.sessionId, storedCount: 0)
    }

    public func open(_ sessionId: String, takeOver: Bool) async throws -> StoredSession {
        try validate(sessionId)
        try await prepare()
        let claimed = try await perform("opening session \(sessionId)") {
            // Taking over moves the lease here at once; the old owner's next append finds it gone.
            try await client.query(
                """
                UPDATE \(unescaped: sessionsTable) SET owner = \(ownerID), lease_until = now() + make_interval(secs => \(leaseSeconds))
                WHERE session_id = \(sessionId) AND (owner IS NULL OR lease_until < now() OR \(takeOver))
                RETURNING \(unescaped: Self.metadataColumns), event_count
                """, logger: logger
            ).collect()
        }
        guard let row = claimed.first else { throw try await refusal(sessionId) }
        let log: PostgresSessionLog
        let metadata: SessionMetadata
        do {
            let (id, model, provider, baseURL, cwd, created, modified, summary, count) = try row.decode(
                (String, String?, String?, String?, String?, Date, Date, String?, Int64).self)
            metadata = SessionMetadata(
                sessionId: id, model: model, providerType: provider, baseURL: baseURL, workingDirectory: cwd, createdAt: created,
                modifiedAt: modified, summary: summary)
            log = PostgresSessionLog(store: self, sessionId: sessionId, storedCount: count)
        } catch {
            throw SessionStoreError("Session \(sessionId) has a row this store cannot read: \(Self.describe(error)).")
        }
        holdLease(sessionId)
        do {
            let (events, unreadable) = try await readEvents(sessionId, expected: log.storedCount)
            return StoredSession(metadata: metadata, events: events, droppedLines: unreadable, log: log)
        } catch {
            await log.close()
            throw error
        }
    }

    public func list() async throws -> [SessionMetadata] {
        try await prepare()
        return try await perform("listing sessions") {
            try await metadataRows(
                client.query(
                    "SELECT \(unescaped: Self.metadataColumns) FROM \(unescaped: sessionsTable) ORDER BY modified_at DESC",
                    logger: logger))
        }
    }

    public func metadata(_ sessionId: String) async throws -> SessionMetadata? {
        try validate(sessionId)
        try await prepare()
        return try await perform("reading session \(sessionId)") {
            try await metadataRows(
                client.query(
                    "SELECT \(unescaped: Self.metadataColumns) FROM \(unescaped: sessionsTable) WHERE session_id = \(sessionId)",
                    logger: logger)
            ).first
        }
    }

    public func delete(_ sessionId: String) async throws {
        try validate(sessionId)
        try await prepare()
        let rows = try await perform("deleting session \(sessionId)") {
            try await client.query(
                """
                DELETE FROM \(unescaped: sessionsTable)
                WHERE session_id = \(sessionId) AND (owner IS NULL OR lease_until < now())
                RETURNING 1
                """, logger: logger
            ).collect()
        }
        if rows.isEmpty { throw try await refusal(sessionId) }
    }

    // MARK: - Schema

    var sessionsTable: String { "\(schema).copilot_sessions" }
    var eventsTable: String { "\(schema).copilot_session_events" }
    var leaseSeconds: Double { Self.seconds(options.leaseDuration) }
    static let metadataColumns = "session_id, model, provider_type, base_url, working_directory, created_at, modified_at, summary"

    /// Creates the schema once per store; concurrent first uses from several servers take turns on
    /// a transaction-scoped advisory lock, so `CREATE … IF NOT EXISTS` never races itself.
    func prepare() async throws {
        let task = state.withLock { state -> Task<Void, any Error> in
            if let ready = state.schemaReady { return ready }
            let task = Task { try await self.createSchema() }
            state.schemaReady = task
            return task
        }
        do {
            try await task.value
        } catch {
            // Let the next call try again (the server may have been down).
            state.withLock { state in
                if state.schemaReady == task { state.schemaReady = nil }
            }
            throw error
        }
    }

    private func createSchema() async throws {
        let statements: [PostgresQuery] = [
            "SELECT pg_advisory_xact_lock(\(Self.schemaLockKey))",
            "CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)",
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: sessionsTable) (
                session_id text PRIMARY KEY,
                model text,
                provider_type text,
                base_url text,
                working_directory text,
                created_at timestamptz NOT NULL,
                modified_at timestamptz NOT NULL,
                summary text,
                event_count bigint NOT NULL DEFAULT 0,
                owner text,
                lease_until timestamptz
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: eventsTable) (
                session_id text NOT NULL REFERENCES \(unescaped: sessionsTable) (session_id) ON DELETE CASCADE,
                seq bigint NOT NULL,
                type text NOT NULL,
                event text NOT NULL,
                PRIMARY KEY (session_id, seq)
            )
            """,
            "CREATE INDEX IF NOT EXISTS copilot_sessions_by_modified ON \(unescaped: sessionsTable) (modified_at DESC)",
            // The lease renewal finds a store's sessions by owner; only open sessions have one.
            "CREATE INDEX IF NOT EXISTS copilot_sessions_by_owner ON \(unescaped: sessionsTable) (owner) WHERE owner IS NOT NULL",
        ]
        try await perform("connecting and creating the schema") {
            let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: 0, logger: logger)
            do {
                try await connection.withTransaction(logger: logger) { connection in
                    for statement in statements { try await connection.query(statement, logger: logger) }
                }
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        }
    }

    /// An arbitrary constant: the advisory-lock key that serialises schema creation.
    private static let schemaLockKey: Int64 = 0x636F_7069_6C6F_7400

    // MARK: - Leases

    /// One renewal query per store, for the sessions it has open, at a third of the lease.
    private func renewLeasesUntilCancelled() async {
        let interval = options.leaseDuration / 3
        while (try? await Task.sleep(for: interval)) != nil {
            let open = state.withLock { Array($0.open) }
            guard !open.isEmpty else { continue }
            do {
                try await client.query(
                    """
                    UPDATE \(unescaped: sessionsTable) SET lease_until = now() + make_interval(secs => \(leaseSeconds))
                    WHERE owner = \(ownerID) AND session_id = ANY(\(open))
                    """, logger: logger)
            } catch {
                logger.warning("could not renew session leases", metadata: ["store": "\(redactedURL)", "error": "\(Self.describe(error))"])
            }
        }
    }

    /// Starts renewing `sessionId`'s lease (it was just created or opened here).
    private func holdLease(_ sessionId: String) {
        state.withLock { _ = $0.open.insert(sessionId) }
    }

    /// Stops renewing `sessionId`'s lease: its log was closed or dropped.
    func releaseLease(_ sessionId: String) {
        state.withLock { _ = $0.open.remove(sessionId) }
    }

    /// Why a session could not be claimed or deleted: it does not exist, or someone holds it.
    private func refusal(_ sessionId: String) async throws -> SessionStoreError {
        let rows = try await perform("reading session \(sessionId)") {
            try await client.query(
                """
                SELECT owner, extract(epoch FROM lease_until - now())::float8 FROM \(unescaped: sessionsTable)
                WHERE session_id = \(sessionId)
                """, logger: logger
            ).collect()
        }
        guard let row = rows.first else { return SessionStoreError("Session not found: \(sessionId)") }
        let (owner, remaining) = try row.decode((String?, Double?).self)
        let holder = owner == ownerID ? "this store" : (owner ?? "another store")
        let expiry = remaining.map { String(format: "; its lease runs out in %.0f s unless renewed", max($0, 0)) } ?? ""
        return SessionStoreError("Session \(sessionId) is open in another writer (\(holder)\(expiry)); close it there first.")
    }

    // MARK: - Reading

    public func events(_ sessionId: String) async throws -> [SessionEvent] {
        guard try await metadata(sessionId) != nil else { throw SessionStoreError("Session not found: \(sessionId)") }
        return try await readEvents(sessionId, expected: nil).0
    }

    /// The stored events; with `expected`, the count the session row says there are must match.
    private func readEvents(_ sessionId: String, expected: Int64?) async throws -> ([SessionEvent], Int) {
        try await perform("reading the events of session \(sessionId)") {
            let rows = try await client.query(
                "SELECT seq, event FROM \(unescaped: eventsTable) WHERE session_id = \(sessionId) ORDER BY seq", logger: logger)
            var events: [SessionEvent] = []
            events.reserveCapacity(Int(expected ?? 0))
            var unreadable = 0
            var next: Int64 = 1
            for try await (seq, text) in rows.decode((Int64, String).self) {
                guard seq == next else {
                    throw SessionStoreError("Session \(sessionId) is missing event \(next) (the next stored one is \(seq)).")
                }
                next += 1
                if let event = try? SessionEvent(jsonLine: text) {
                    events.append(event)
                } else {
                    unreadable += 1
                }
            }
            if let expected, next - 1 != expected {
                throw SessionStoreError("Session \(sessionId) should have \(expected) events but has \(next - 1).")
            }
            return (events, unreadable)
        }
    }

    private func metadataRows(_ rows: PostgresRowSequence) async throws -> [SessionMetadata] {
        var result: [SessionMetadata] = []
        for try await (id, model, provider, baseURL, cwd, created, modified, summary) in rows.decode(
            (String, String?, String?, String?, String?, Date, Date, String?).self)
        {
            result.append(
                SessionMetadata(
                    sessionId: id, model: model, providerType: provider, baseURL: baseURL, workingDirectory: cwd, createdAt: created,
                    modifiedAt: modified, summary: summary))
        }
        return result
    }

    // MARK: - Helpers

    private func validate(_ sessionId: String) throws {
        if let problem = SessionIdentifier.problem(with: sessionId) {
            throw SessionStoreError("'\(sessionId.prefix(64))' is not a valid session id: \(problem).")
        }
    }

    /// Runs database work, turning PostgresNIO's errors into a `SessionStoreError` that says what
    /// was being done, the server's own message and SQLSTATE, and never the password.
    @discardableResult
    func perform<T>(_ what: @autoclosure () -> String, _ body: () async throws -> T) async throws -> T {
        try await awaitRunning()
        do {
            return try await body()
        } catch let error as SessionStoreError {
            throw error
        } catch {
            throw SessionStoreError("PostgreSQL store \(redactedURL): \(what()) failed: \(Self.describe(error)).")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        if let error = error as? PostgresTransactionError {
            return describe(error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error)
        }
        return String(describing: error)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// A session this store owns: batches go in under the next sequence numbers, fenced by ownership
/// and by the count this writer expects.
final class PostgresSessionLog: SessionLog {
    private let store: PostgresSessionStore
    private let sessionId: String
    private let state: Mutex<(count: Int64, closed: Bool)>

    init(store: PostgresSessionStore, sessionId: String, storedCount: Int64) {
        self.store = store
        self.sessionId = sessionId
        self.state = Mutex((storedCount, false))
    }

    var storedCount: Int64 { state.withLock { $0.count } }

    deinit {
        // Dropped without close(): stop renewing the lease, so the session frees itself when it runs out.
        store.releaseLease(sessionId)
    }

    func append(_ events: [SessionEvent]) async throws {
        guard !events.isEmpty else { return }
        let expected = try state.withLock { state -> Int64 in
            guard !state.closed else { throw SessionStoreError("The log of session \(sessionId) is closed.") }
            return state.count
        }
        var seqs: [Int64] = []
        var types: [String] = []
        var lines: [String] = []
        for (offset, event) in events.enumerated() {
            seqs.append(expected + Int64(offset) + 1)
            types.append(event.type)
            lines.append(try event.jsonLine())
        }
        let added = Int64(events.count)
        let statement = AppendStatement(
            sessionId: sessionId, owner: store.ownerID, expected: expected, leaseSeconds: store.leaseSeconds, seqs: seqs, types: types,
            lines: lines)
        let rows = try await store.perform("appending to session \(sessionId)") {
            if events.count == 1 {
                try await store.client.execute(AppendOneStatement(batch: statement), logger: store.logger).reduce(into: [Int64]()) { $0.append($1) }
            } else {
                try await store.client.execute(statement, logger: store.logger).reduce(into: [Int64]()) { $0.append($1) }
            }
        }
        let inserted = rows.first ?? 0
        guard inserted == added else {
            throw SessionStoreError(
                "Session \(sessionId) is no longer owned by this writer (its lease ran out or another writer took it over, or it was deleted); \(events.count) events were not stored.",
                fenced: true
            )
        }
        state.withLock { $0.count = expected + added }
    }

    func update(_ metadata: SessionMetadata) async throws {
        try await store.perform("updating session \(sessionId)") {
            try await store.client.query(
                """
                UPDATE \(unescaped: store.sessionsTable)
                SET model = \(metadata.model), provider_type = \(metadata.providerType), base_url = \(metadata.baseURL),
                    working_directory = \(metadata.workingDirectory), modified_at = \(metadata.modifiedAt), summary = \(metadata.summary)
                WHERE session_id = \(sessionId) AND owner = \(store.ownerID)
                """, logger: store.logger)
        }
    }

    /// Gives the session up, so another writer may open it at once.
    func close() async {
        let wasOpen = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        guard wasOpen else { return }
        store.releaseLease(sessionId)
        do {
            try await store.perform("releasing session \(sessionId)") {
                try await store.client.query(
                    """
                    UPDATE \(unescaped: store.sessionsTable) SET owner = NULL, lease_until = NULL
                    WHERE session_id = \(sessionId) AND owner = \(store.ownerID)
                    """, logger: store.logger)
            }
        } catch {
            store.logger.warning("could not release a session; it frees itself when the lease runs out", metadata: ["error": "\(error)"])
        }
    }
}

/// The append, prepared once per connection: one statement, so one transaction, that checks the
/// owner and the expected count, raises the count and renews the lease, and inserts the batch under
/// the next sequence numbers. Unqualified names resolve through the store's `search_path`.
/// A batch of one event (the usual case while a session runs) binds plain values: unpacking
/// arrays costs the server about 70 µs a statement.
struct AppendStatement: PostgresPreparedStatement {
    static let name = "copilot_append_v1"
    static let sql = statementText(rows: "unnest($6::bigint[], $7::text[], $8::text[]) AS batch(seq, type, event)")
    typealias Row = Int64

    static func statementText(rows: String) -> String {
        """
        WITH owned AS (
            UPDATE copilot_sessions
            SET event_count = event_count + $4, lease_until = now() + make_interval(secs => $5)
            WHERE session_id = $1 AND owner = $2 AND event_count = $3
            RETURNING session_id
        ), inserted AS (
            INSERT INTO copilot_session_events (session_id, seq, type, event)
            SELECT owned.session_id, batch.seq, batch.type, batch.event
            FROM owned, \(rows)
            RETURNING 1
        )
        SELECT count(*) FROM inserted
        """
    }

    var sessionId: String
    var owner: String
    var expected: Int64
    var leaseSeconds: Double
    var seqs: [Int64]
    var types: [String]
    var lines: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = header()
        bindings.append(seqs)
        bindings.append(types)
        bindings.append(lines)
        return bindings
    }

    func header() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 8)
        bindings.append(sessionId)
        bindings.append(owner)
        bindings.append(expected)
        bindings.append(Int64(seqs.count))
        bindings.append(leaseSeconds)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}

/// ``AppendStatement`` for a single event.
struct AppendOneStatement: PostgresPreparedStatement {
    static let name = "copilot_append_one_v1"
    static let sql = AppendStatement.statementText(rows: "(SELECT $6::bigint, $7::text, $8::text) AS batch(seq, type, event)")
    typealias Row = Int64

    var batch: AppendStatement

    func makeBindings() throws -> PostgresBindings {
        var bindings = batch.header()
        bindings.append(batch.seqs[0])
        bindings.append(batch.types[0])
        bindings.append(batch.lines[0])
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}
