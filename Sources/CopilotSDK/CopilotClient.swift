import CopilotProtocol
import CopilotCore
import CopilotMCP
public import CopilotProviders
public import CopilotRuntime
import Foundation
public import Logging
import Synchronization

/// Options for a ``CopilotClient``.
public struct CopilotClientOptions: Sendable {
    /// Connect and idle timeouts for provider HTTP calls.
    public var httpTimeouts: HTTPTimeouts
    /// A transport to use instead of the built-in AsyncHTTPClient one. The client does not shut it down.
    /// Without one, clients with the same ``httpTimeouts`` share one process-wide connection pool.
    public var transport: (any HTTPTransport)?
    /// When to retry failed model calls (429, 5xx, dropped connections, cut streams).
    public var retryPolicy: RetryPolicy
    /// The clock retry waits use; inject a test clock to make them instant.
    public var clock: any Clock<Duration>
    /// Where the client and its sessions log. Defaults to swift-log's configured backend.
    public var logger: Logger
    /// Lists models for ``CopilotClient/listModels()``, replacing any provider listing. The first result
    /// is cached until ``CopilotClient/stop()``.
    public var onListModels: (@Sendable () async throws -> [ModelInfo])?
    /// The provider whose own listing ``CopilotClient/listModels()`` returns when there is no ``onListModels``.
    public var provider: ProviderConfig?
    /// Where sessions run: in this process (the default), in a runtime this client starts, or in
    /// one already listening.
    public var runtime: Runtime
    /// Where in-process sessions are kept so they can be resumed, listed and deleted later
    /// (e.g. `FileSessionStore(directory: FileSessionStore.defaultDirectory)`, or `PostgresSessionStore`
    /// from `CopilotPostgres` to share them between processes). `nil` keeps nothing. In-process only:
    /// a remote runtime keeps its own sessions (`copilot-swift server --store …`).
    public var sessionStore: (any SessionStore)?

    /// Where a client's sessions run. Tools, permission handlers and hooks always run in this process.
    public enum Runtime: Sendable, Hashable {
        /// The agent loop runs in this process and calls the provider itself.
        case inProcess
        /// Starts the runtime at `path` (e.g. `copilot-swift`) and speaks the Copilot CLI protocol
        /// over its standard input and output; `arguments` go before the protocol flags.
        case spawn(path: String, arguments: [String] = [])
        /// Connects to a runtime listening at `address` (`host:port`), presenting `token` in `connect`
        /// when the runtime was started with one.
        case connect(address: String, token: String? = nil)
    }

    public init(
        httpTimeouts: HTTPTimeouts = .default,
        transport: (any HTTPTransport)? = nil,
        retryPolicy: RetryPolicy = .default,
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "copilot"),
        provider: ProviderConfig? = nil,
        runtime: Runtime = .inProcess,
        sessionStore: (any SessionStore)? = nil,
        onListModels: (@Sendable () async throws -> [ModelInfo])? = nil
    ) {
        self.httpTimeouts = httpTimeouts
        self.transport = transport
        self.retryPolicy = retryPolicy
        self.clock = clock
        self.logger = logger
        self.onListModels = onListModels
        self.provider = provider
        self.runtime = runtime
        self.sessionStore = sessionStore
    }
}

/// The entry point: starts the runtime, creates sessions, lists models.
///
/// ```swift
/// let client = CopilotClient()
/// try await client.start()
/// let session = try await client.createSession(SessionConfig(model: "llama3.2",
///     provider: ProviderConfig(type: .openai, baseURL: "http://localhost:11434/v1")))
/// let reply = try await session.sendAndWait("What is 2+2?")
/// try await client.stop()
/// ```
///
/// Sessions run in-process by default: the agent loop, tools and provider calls all live in this
/// process. With ``CopilotClientOptions/runtime`` `.spawn` or `.connect` they run in a
/// runtime behind the Copilot CLI protocol instead, with the same API and the same events; tools,
/// permission handlers and hooks still run here.
public final class CopilotClient: Sendable {
    /// The options the client was created with.
    public let options: CopilotClientOptions

    private enum Phase { case created, started, stopped }

    private struct State {
        var phase = Phase.created
        var transport: (any HTTPTransport)?
        var sessions: [String: CopilotSession] = [:]
        var modelListing: Task<[ModelInfo], any Error>?
        var remoteStartup: Task<RemoteRuntime, any Error>?
    }

    private let state = Mutex(State())

    /// A client that does nothing until it is first used (or ``start()``ed).
    ///
    /// - Parameter options: where sessions run, the HTTP transport, retries, clock, logger and store.
    public init(options: CopilotClientOptions = CopilotClientOptions()) {
        self.options = options
    }

    /// Prepares the client: its HTTP transport, or the connection to a remote runtime.
    /// ``createSession(_:)`` calls it when needed.
    public func start() async throws {
        _ = try await remoteRuntime()
        state.withLock { state in
            guard state.phase != .started else { return }
            state.transport = options.transport ?? AsyncHTTPClientTransport.shared(timeouts: options.httpTimeouts)
            state.phase = .started
        }
    }

    /// The remote runtime when one is configured, started and connected once.
    private func remoteRuntime() async throws -> RemoteRuntime? {
        guard options.runtime != .inProcess else { return nil }
        guard options.sessionStore == nil else {
            throw CopilotError(
                code: .invalidConfiguration,
                message: "CopilotClientOptions.sessionStore applies to in-process sessions only; a remote runtime keeps its own sessions (start it with `copilot-swift server --store …`).")
        }
        let startup = state.withLock { state in
            if let existing = state.remoteStartup { return existing }
            let options = options
            let task = Task {
                let runtime: RemoteRuntime
                let token: String?
                switch options.runtime {
                case .inProcess:
                    preconditionFailure("an in-process client has no remote runtime")
                case .spawn(let path, let arguments):
                    runtime = try await RemoteRuntime.spawn(path: path, arguments: arguments, clock: options.clock, logger: options.logger)
                    token = nil
                case .connect(let address, let connectToken):
                    runtime = try await RemoteRuntime.connect(to: address, clock: options.clock, logger: options.logger)
                    token = connectToken
                }
                do {
                    try await runtime.handshake(token: token)
                } catch {
                    await runtime.shutdown()
                    throw error
                }
                return runtime
            }
            state.remoteStartup = task
            return task
        }
        do {
            return try await startup.value
        } catch {
            state.withLock { state in
                if state.remoteStartup == startup { state.remoteStartup = nil }
            }
            throw error
        }
    }

    /// Disconnects every session (waiting until each has ended and written what it had to its
    /// store), closes the connection to a remote runtime and clears the model cache.
    public func stop() async throws {
        let (sessions, listing, remote) = state.withLock { state in
            defer {
                state.sessions.removeAll()
                state.transport = nil
                state.modelListing = nil
                state.remoteStartup = nil
                state.phase = .stopped
            }
            return (Array(state.sessions.values), state.modelListing, state.remoteStartup)
        }
        listing?.cancel()
        for session in sessions { await session.disconnect() }
        if let runtime = try? await remote?.value { await runtime.shutdown() }
    }

    /// Creates a session and emits its `session.start`.
    ///
    /// A provider without a model is accepted, as the official runtime accepts it: a message sent
    /// before a model is chosen (``CopilotSession/setModel(_:reasoningEffort:)``) fails with "Model
    /// required when a custom provider is set".
    ///
    /// - Throws: `CopilotError` `invalidConfiguration` — for example no provider, or a missing or
    ///   malformed provider base URL.
    public func createSession(_ config: SessionConfig = SessionConfig()) async throws -> CopilotSession {
        try await start()
        if let remote = try await remoteRuntime() {
            return try await remoteSession(config, id: config.sessionId ?? UUID().uuidString.lowercased(), runtime: remote, resume: false)
        }
        let host = try await SessionHost.create(
            withMCP(config), id: config.sessionId ?? UUID().uuidString.lowercased(), providerContext: try providerContext(),
            store: options.sessionStore, logger: options.logger)
        let session = track(host, broadcaster: host.events, id: host.sessionId)
        await host.start()
        return session
    }

    /// `config`, with its MCP servers started by this process.
    private func withMCP(_ config: SessionConfig) -> SessionConfig {
        var config = config
        config.mcpConnector = MCPServers(logger: options.logger)
        return config
    }

    /// Transport, retries and clock for model calls; throws once the client was stopped.
    private func providerContext() throws -> ProviderContext {
        guard let transport = state.withLock({ $0.transport }) else {
            throw CopilotError(code: .clientStopped, message: "The client was stopped; create a new CopilotClient.")
        }
        return ProviderContext(transport: transport, retryPolicy: options.retryPolicy, clock: options.clock, logger: options.logger)
    }

    /// A session the client keeps until it disconnects (or ``stop()``).
    private func track(_ backend: any SessionBackend, broadcaster: EventBroadcaster, id: String) -> CopilotSession {
        let session = CopilotSession(id: id, backend: backend, broadcaster: broadcaster, clock: options.clock) { [weak self] id in
            _ = self?.state.withLock { $0.sessions.removeValue(forKey: id) }
        }
        state.withLock { $0.sessions[id] = session }
        return session
    }

    /// Reattaches to a session that a remote runtime still holds (after this or another client
    /// disconnected), with this side's tools, permission handler and hooks.
    ///
    /// - Throws: `CopilotError` `invalidConfiguration` when the runtime does not know `sessionId`;
    ///   `unsupported` for in-process clients, whose sessions end with `disconnect()`.
    public func resumeSession(_ sessionId: String, _ config: SessionConfig = SessionConfig()) async throws -> CopilotSession {
        try await start()
        if let remote = try await remoteRuntime() {
            return try await remoteSession(config, id: sessionId, runtime: remote, resume: true)
        }
        guard let store = options.sessionStore else {
            throw CopilotError(
                code: .unsupported,
                message: "Resuming needs a session store (CopilotClientOptions.sessionStore) or a runtime (CopilotClientOptions.runtime).")
        }
        let host = try await SessionHost.resume(
            withMCP(config), from: store, id: sessionId, providerContext: try providerContext(), logger: options.logger)
        let session = track(host, broadcaster: host.events, id: sessionId)
        await host.start()
        return session
    }

    /// The stored sessions, newest first: those in ``CopilotClientOptions/sessionStore``, or, with a
    /// remote runtime (`CopilotClientOptions.runtime`), those the runtime keeps (`session.list`).
    public func listSessions() async throws -> [SessionMetadata] {
        if let remote = try await remoteRuntime() {
            return try await remote.call(RPC.sessionList, SessionListParams()).sessions.map(SessionMetadata.init)
        }
        return try await requireStore().list()
    }

    /// One stored session's metadata, or `nil`.
    public func sessionMetadata(_ sessionId: String) async throws -> SessionMetadata? {
        if let remote = try await remoteRuntime() {
            return try await remote.call(RPC.sessionGetMetadata, SessionIDParams(sessionId: sessionId)).session.map(SessionMetadata.init)
        }
        return try await requireStore().metadata(sessionId)
    }

    /// The most recently used stored session's id.
    public func lastSessionId() async throws -> String? {
        if let remote = try await remoteRuntime() {
            return try await remote.call(RPC.sessionGetLastId, EmptyParams()).sessionId
        }
        return try await requireStore().lastSessionId()
    }

    /// Deletes a stored session; refused while it is open in any client.
    public func deleteSession(_ sessionId: String) async throws {
        if let remote = try await remoteRuntime() {
            let result = try await remote.call(RPC.sessionDelete, SessionIDParams(sessionId: sessionId))
            guard result.success else {
                throw CopilotError(code: .invalidConfiguration, message: "Could not delete session \(sessionId): \(result.error ?? "the runtime refused")")
            }
            return
        }
        do {
            try await requireStore().delete(sessionId)
        } catch let error as SessionStoreError {
            throw CopilotError(code: .invalidConfiguration, message: error.message)
        }
    }

    /// Stores a copy of session `sessionId` as a new session, to resume and take another way
    /// from there: its whole conversation, or what came before event `eventId` (a
    /// `SessionEvent` id from ``CopilotSession/messages()``). The session may be open or stored.
    /// Returns the new session's id; `name` becomes its summary in ``listSessions()``.
    ///
    /// - Throws: `CopilotError` `invalidInput` when the session has no persisted events or `eventId`
    ///   is not one of them; `invalidConfiguration` without a store (in process).
    public func forkSession(_ sessionId: String, before eventId: String? = nil, name: String? = nil) async throws -> String {
        if let remote = try await remoteRuntime() {
            return try await remote.call(RPC.sessionsFork, SessionForkParams(sessionId: sessionId, toEventId: eventId, name: name)).sessionId
        }
        let live = state.withLock { $0.sessions[sessionId] }?.host
        return try await requireStore().fork(sessionId, live: live, before: eventId, name: name)
    }

    private func requireStore() throws -> any SessionStore {
        guard let store = options.sessionStore else {
            throw CopilotError(code: .invalidConfiguration, message: "No session store is configured (CopilotClientOptions.sessionStore).")
        }
        return store
    }

    private func remoteSession(_ config: SessionConfig, id: String, runtime: RemoteRuntime, resume: Bool) async throws -> CopilotSession {
        let broadcaster = EventBroadcaster()
        let backend = try await runtime.createSession(config, id: id, broadcaster: broadcaster, resume: resume)
        return track(backend, broadcaster: broadcaster, id: id)
    }

    /// The models available to this client.
    ///
    /// With ``CopilotClientOptions/onListModels`` set, returns its result without asking any provider;
    /// otherwise the listing of ``CopilotClientOptions/provider``. The first successful result is cached
    /// until ``stop()``, and concurrent first calls share one request.
    public func listModels() async throws -> [ModelInfo] {
        let lister: @Sendable () async throws -> [ModelInfo]
        if let handler = options.onListModels {
            lister = handler
        } else if let provider = options.provider {
            lister = { [self] in try await self.listModels(provider: provider) }
        } else {
            throw CopilotError(
                code: .invalidConfiguration,
                message: "No model listing is configured: set CopilotClientOptions.onListModels, or CopilotClientOptions.provider to list that provider's models.")
        }
        let task = state.withLock { state in
            if let existing = state.modelListing { return existing }
            let task = Task { try await lister() }
            state.modelListing = task
            return task
        }
        do {
            return try await task.value
        } catch {
            // A failed listing is not cached: the next call asks again.
            state.withLock { state in
                if state.modelListing == task { state.modelListing = nil }
            }
            throw error
        }
    }

    /// Asks `provider` for its models (not cached).
    public func listModels(provider: ProviderConfig) async throws -> [ModelInfo] {
        try await start()
        return try await provider.listModels(context: try providerContext())
    }
}
