package import CopilotProtocol
import CopilotCore
import CopilotMCP
package import CopilotProviders
package import CopilotRuntime
package import Foundation
package import Logging
import Synchronization

/// The Copilot CLI's JSON-RPC protocol (v3), served by this package's runtime.
///
/// The official SDKs (Python, Node, Go, .NET, Java, Rust) drive it exactly as they drive the Copilot
/// CLI: sessions, streamed `session.event` notifications, SDK-defined tools through
/// `external_tool.requested`, permissions through `permission.requested`, and `hooks.invoke`.
/// Transport-independent: ``serve(_:input:write:)`` runs one connection over any byte stream.
package final class RuntimeServer: Sendable {
    /// The protocol version this server speaks.
    package static let protocolVersion = 3
    /// The version reported by `connect` and `status.get`.
    package static let version = "0.1.0-swift"

    private let connectionToken: String?
    let providerContext: ProviderContext
    private let store: (any SessionStore)?
    /// Where each session's folder (plan, workspace files) is made.
    let workspaces: URL
    /// The user's own MCP servers (`mcp.config.*`), offered to every session created here.
    let mcpUserConfig: MCPUserConfig
    let logger: Logger
    /// Model calls a client carries (`llmInference.setProvider`).
    let inference: InferenceRelay
    /// What a new session that names no provider gets (`server --provider NAME`).
    let fallback: Fallback?
    /// What the runtime's flags set for every session.
    let options: Options
    /// Values no session log may hold (`secrets.addFilterValues`), shared by every session.
    let secretFilter = SecretFilter()

    /// What the runtime's flags (the Copilot CLI's, as the SDKs and their users pass them) set for every session.
    package struct Options: Sendable {
        /// `--allow-tool`, `--deny-tool`, `--yolo`…: permission answers given before a client is asked.
        package var permissionRules: PermissionRules
        /// Tools no session offers (`--no-ask-user`).
        package var excludedTools: [String]
        /// `--remote`: the client asked for remote sessions, which need a GitHub login this runtime does not have.
        package var remoteSessionsRequested: Bool
        /// How long a client carrying model calls (`llmInference.setProvider`) may stay silent: the
        /// provider idle timeout (`--idle-timeout`), as for a call that goes out directly.
        package var relayIdleTimeout: Duration
        /// `--plugin-dir`: plugin folders (absolute) every session loads.
        package var pluginDirectories: [String]
        package init(
            permissionRules: PermissionRules = .init(), excludedTools: [String] = [], remoteSessionsRequested: Bool = false,
            relayIdleTimeout: Duration = HTTPTimeouts.default.idle, pluginDirectories: [String] = []
        ) {
            self.permissionRules = permissionRules
            self.excludedTools = excludedTools
            self.remoteSessionsRequested = remoteSessionsRequested
            self.relayIdleTimeout = relayIdleTimeout
            self.pluginDirectories = pluginDirectories
        }
    }

    /// The provider, model and sampling of sessions created without a provider.
    package struct Fallback: Sendable {
        package var provider: ProviderConfig
        package var model: String?
        package var temperature: Double?
        package var maxOutputTokens: Int?
        package init(provider: ProviderConfig, model: String?, temperature: Double? = nil, maxOutputTokens: Int? = nil) {
            self.provider = provider
            self.model = model
            self.temperature = temperature
            self.maxOutputTokens = maxOutputTokens
        }
    }

    private struct State {
        var sessions: [String: ServerSession] = [:]
        var authenticated: Set<UUID> = []
        /// Every connection being served, for lifecycle notifications.
        var connections: [UUID: RPCConnection] = [:]
        /// The trusted plugin folders each client set (`plugins.builtin.set`) for the sessions it creates.
        var builtinPlugins: [UUID: [String]] = [:]
    }

    /// Tells every connected client (that may talk to this server) about a session's lifecycle.
    func announce(_ notification: SessionLifecycleNotification) {
        let connections = state.withLock { state in
            state.connections.values.filter { connectionToken == nil || state.authenticated.contains($0.id) }
        }
        for connection in connections { connection.notify(RPC.sessionLifecycle, notification) }
    }

    private let state = Mutex(State())
    private let routes = Mutex<RPCRouter?>(nil)
    private var router: RPCRouter {
        routes.withLock { routes in
            if let routes { return routes }
            let made = Self.makeRouter(self)
            routes = made
            return made
        }
    }

    /// - Parameters:
    ///   - connectionToken: when set, a connection must present it in `connect` before anything else.
    ///   - providerContext: transport, retries and clock for the sessions' model calls.
    ///   - store: where sessions are kept, so `session.resume`, `list` and `delete` outlive this process.
    ///   - workspaces: where each session's folder goes (its plan and workspace files); by default
    ///     beside a file store's sessions, else in the temporary directory.
    ///   - fallback: the provider (and model) of a new session that names none.
    ///   - options: what the runtime's flags set for every session.
    package init(
        connectionToken: String?, providerContext: ProviderContext, store: (any SessionStore)? = nil, workspaces: URL? = nil,
        fallback: Fallback? = nil, options: Options = .init(), logger: Logger = Logger(label: "copilot.server")
    ) {
        self.fallback = fallback
        self.options = options
        self.connectionToken = connectionToken.flatMap { $0.isEmpty ? nil : $0 }
        self.providerContext = providerContext
        self.store = store
        self.workspaces = workspaces ?? SessionWorkspace.folder(for: store)
        self.logger = logger
        self.mcpUserConfig = MCPUserConfig(
            file: (store as? FileSessionStore).map { $0.directory.deletingLastPathComponent().appendingPathComponent("mcp-config.json") },
            logger: logger)
        self.inference = InferenceRelay(idleTimeout: options.relayIdleTimeout, clock: providerContext.clock)
    }

    /// The provider context of session `id`: its model calls go through the client that carries
    /// them, when one registered (`llmInference.setProvider`).
    func providerContext(forSession id: String) -> ProviderContext {
        var context = providerContext
        context.modelTransport = inference.transport(direct: providerContext.modelTransport ?? providerContext.transport, sessionID: id) {
            [weak self] in self?.state.withLock { $0.sessions[id] }?.memberIDs ?? []
        }
        return context
    }

    /// How long a connection may take to present the connection token.
    package static let authenticationDeadline: Duration = .seconds(10)

    /// Serves one client connection until its input ends. With a connection token, a connection
    /// that has not presented it within ``authenticationDeadline`` is closed. With `idleTimeout`, a
    /// connection that stays idle (``isIdle(_:)``, and no frame from the peer) for that long is
    /// closed; it is noticed within twice that.
    package func serve<Input: AsyncSequence>(
        _ connection: RPCConnection, input: Input, idleTimeout: Duration? = nil,
        write: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async where Input.Element == [UInt8] {
        state.withLock { $0.connections[connection.id] = connection }
        await withDiscardingTaskGroup { group in
            if connectionToken != nil {
                group.addTask { [self] in
                    guard (try? await providerContext.clock.sleep(for: Self.authenticationDeadline)) != nil else { return }
                    if !state.withLock({ $0.authenticated.contains(connection.id) }) { connection.close() }
                }
            }
            if let idleTimeout {
                group.addTask { [self] in
                    var seen = connection.activity.lastFrame
                    while (try? await providerContext.clock.sleep(for: idleTimeout)) != nil {
                        let now = connection.activity.lastFrame
                        if now == seen, isIdle(connection) {
                            logger.info("closing an idle connection", metadata: ["connection": "\(connection.id)", "idle-timeout": "\(idleTimeout)"])
                            connection.close()
                            return
                        }
                        seen = now
                    }
                }
            }
            // Until the token is presented, one request at a time: a `connect` with requests right
            // behind it is answered first, and wrong tokens cannot be tried in parallel.
            let token = connectionToken
            await connection.run(
                input: input, write: write,
                inOrder: { [self] in token != nil && !state.withLock { $0.authenticated.contains(connection.id) } }
            ) { [self] connection, method, params in
                try await self.handle(method, params, on: connection)
            }
            group.cancelAll()
        }
        let sessions = state.withLock { state -> [ServerSession] in
            state.authenticated.remove(connection.id)
            state.connections.removeValue(forKey: connection.id)
            state.builtinPlugins.removeValue(forKey: connection.id)
            return Array(state.sessions.values)
        }
        for session in sessions { await leave(session, connection) }
        inference.connectionClosed(connection)
    }

    /// Whether the server could let `connection` go without losing anything: it is not answering
    /// or awaiting a request, and no session sends it events.
    package func isIdle(_ connection: RPCConnection) -> Bool {
        !connection.activity.busy && !connectionsWithSessions().contains(ObjectIdentifier(connection))
    }

    /// The connections some session sends events to.
    func connectionsWithSessions() -> Set<ObjectIdentifier> {
        let sessions = state.withLock { Array($0.sessions.values) }
        return Set(sessions.flatMap { $0.listeners.map(ObjectIdentifier.init) })
    }

    /// Ends every session (as `runtime.shutdown` does): a running message is aborted, so each
    /// listening client gets `abort` and `session.idle`, and what was queued for the clients is
    /// written (two seconds at most) before this returns.
    package func shutdown() async {
        let sessions = state.withLock { state in
            defer { state.sessions.removeAll() }
            return Array(state.sessions.values)
        }
        let listeners = Dictionary(sessions.flatMap(\.listeners).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for session in sessions { await session.close() }
        _ = try? await withTimeout(.seconds(2), clock: providerContext.clock) {
            await withDiscardingTaskGroup { group in
                for connection in listeners.values { group.addTask { await connection.drain() } }
            }
        }
    }

    // MARK: - Dispatch

    func handle(_ method: String, _ params: JSONValue, on connection: RPCConnection) async throws -> JSONValue {
        if method != RPC.connect.name, connectionToken != nil, !state.withLock({ $0.authenticated.contains(connection.id) }) {
            throw RPCError.authenticationFailed("send `connect` with the connection token first.")
        }
        // Sessions belong to their clients: a session that clients hold answers only them, and to
        // anyone else it does not exist. Joining one (`session.resume`, `sessions.open`) takes its id.
        if !Self.joiningMethods.contains(method), case .string(let id)? = params["sessionId"],
            let session = state.withLock({ $0.sessions[id] }), !session.admits(connection)
        {
            throw RPCError.sessionNotFound(method: method, id)
        }
        return try await router.dispatch(method, params, on: connection)
    }

    /// The methods by which a client that knows a session's id joins it (the official multi-client
    /// mode) or makes one with an id it chose.
    private static let joiningMethods: Set<String> = [RPC.sessionResume.name, RPC.sessionCreate.name, RPC.sessionsOpen.name]

    /// The sessions `connection` may see: every stored one, and the live ones nobody holds or it holds.
    func visibleMetadata(to connection: RPCConnection) async throws -> [WireSessionMetadata] {
        let hidden = state.withLock { state in Set(state.sessions.values.filter { !$0.admits(connection) }.map(\.id)) }
        return try await allMetadata().filter { !hidden.contains($0.sessionId) }
    }

    /// Every method this server answers; any other is -32601.
    private static func makeRouter(_ server: RuntimeServer) -> RPCRouter {
        var router = RPCRouter()
        router.on(RPC.connect) { [unowned server] params, connection in try server.connect(params, on: connection) }
        router.on(RPC.ping) { params, _ in
            PingResult(
                message: "pong: \(params.message ?? "")", timestamp: EventTimestamp.format(Date()),
                protocolVersion: protocolVersion)
        }
        router.on(RPC.statusGet) { _, _ in StatusResult(version: version, protocolVersion: protocolVersion) }
        router.on(RPC.authGetStatus) { _, _ in
            AuthStatusResult(
                isAuthenticated: false, statusMessage: "This runtime is BYOK-only: sessions use the provider given at session.create.")
        }
        router.on(RPC.llmInferenceSetProvider) { [unowned server] _, connection in
            server.inference.register(connection)
            return InferenceSetProviderResult(success: true)
        }
        router.on(RPC.llmInferenceHTTPResponseStart) { [unowned server] params, connection in
            InferenceAcceptedResult(accepted: server.inference.responseStarted(params, from: connection))
        }
        router.on(RPC.llmInferenceHTTPResponseChunk) { [unowned server] params, connection in
            InferenceAcceptedResult(accepted: await server.inference.responseChunk(params, from: connection))
        }
        router.on(RPC.runtimeShutdown) { [unowned server] _, _ in
            await server.shutdown()
            return EmptyResult()
        }
        router.on(RPC.sessionCreate) { [unowned server] params, connection in try await server.createSession(params, on: connection) }
        router.on(RPC.sessionResume) { [unowned server] params, connection in try await server.resumeSession(params, on: connection) }
        router.on(RPC.sessionList) { [unowned server] params, connection in
            var sessions = try await server.visibleMetadata(to: connection)
            if let cwd = params.filter?.cwd { sessions = sessions.filter { $0.context?.cwd == cwd } }
            return SessionListResult(sessions: sessions)
        }
        router.on(RPC.sessionGetLastId) { [unowned server] _, connection in
            SessionLastIDResult(sessionId: try await server.visibleMetadata(to: connection).first?.sessionId)
        }
        router.on(RPC.sessionGetMetadata) { [unowned server] params, connection in
            SessionMetadataResult(session: try await server.visibleMetadata(to: connection).first { $0.sessionId == params.sessionId })
        }
        router.on(RPC.sessionsFork) { [unowned server] params, _ in try await server.fork(params) }
        router.on(RPC.sessionDelete) { [unowned server] params, connection in try await server.deleteSession(params.sessionId, on: connection) }

        router.on(RPC.sessionSend, sessionsOf: server) { params, call in
            do {
                return SessionSendResult(messageId: try await call.engine.send(try Self.messageOptions(params)))
            } catch let error as RPCError {
                throw error
            } catch let error as CopilotError where error.code == .invalidInput {
                throw RPCError.invalidParams("\(call.method): \(error.message)")
            } catch {
                throw RPCError.internalError(method: RPC.sessionSend.name, String(describing: error))
            }
        }
        router.on(RPC.sessionSendAndWait, sessionsOf: server) { [unowned server] params, call in
            try await server.sendAndWait(params, host: call.host)
        }
        router.on(RPC.sessionAbort, sessionsOf: server) { _, call in
            await call.engine.abort()
            return EmptyResult()
        }
        // `detach` in SDK 1.0.27, `destroy` in older ones: "frees in-memory state; the session stays
        // resumable". With a store, the last client's disconnect lets the session go: its log is
        // completed and released, so this or any other server sharing the store can resume it.
        // Without one, the session stays in memory, as that is the only place it can be resumed from.
        for method in [RPC.sessionDetach, RPC.sessionDestroy] {
            router.on(method) { [unowned server] params, connection in
                // Nothing held in memory is nothing to free: a second detach (two handles on one
                // session, or one that a resume already took over) succeeds, as the official runtime's does.
                guard let session = server.state.withLock({ $0.sessions[params.sessionId] }) else { return SuccessResult(success: true) }
                // The session ends for its last client: the sessionEnd hook runs while that client can still answer it.
                if session.isOnlySubscriber(connection) { await session.engine?.reportEnd() }
                let remaining = await server.leave(session, connection)
                if server.store != nil, remaining == 0 {
                    let released = server.state.withLock { state in
                        state.sessions[params.sessionId] === session ? state.sessions.removeValue(forKey: params.sessionId) : nil
                    }
                    await released?.close()
                }
                return SuccessResult(success: true)
            }
        }
        router.on(RPC.sessionGetMessages, sessionsOf: server) { _, call in
            SessionMessagesResult(events: call.session.persistedEvents)
        }
        router.on(RPC.sessionToolsHandlePendingToolCall, sessionsOf: server) { params, call in
            let session = call.session
            var answer: [String: JSONValue] = [:]
            if let result = params.result { answer["result"] = result }
            if let error = params.error { answer["error"] = .string(error) }
            let found = session.answer(params.requestId, with: .object(answer))
            if found { await session.engine?.publish(.externalToolCompleted(.init(requestId: params.requestId))) }
            return SuccessResult(success: found)
        }
        router.on(RPC.sessionPermissionsHandlePendingPermissionRequest, sessionsOf: server) { params, call in
            let session = call.session
            return SuccessResult(success: session.answer(params.requestId, with: try JSONValue(encoding: params.result)))
        }
        router.on(RPC.sessionModelSwitchTo, sessionsOf: server) { [unowned server] params, call in
            let session = call.session
            let engine = call.engine
            do {
                // A named provider's model (`provider/id`) moves the session's calls to that provider;
                // any other model after one brings them back to the session's own provider.
                let named = session.namedProviders
                let entry = named.models.first { $0.selectionID == params.modelId }
                var config = session.replacedProvider
                if let entry {
                    let callbacks = SessionConfigTranslator(session: session, sessionID: session.id, cwd: await engine.workingDirectory ?? "")
                        .callbacks()
                    config = try ProviderConfig(named: entry, among: named.providers, callbacks: callbacks)
                }
                let target = try config.map { ($0, try $0.makeProvider(context: server.providerContext(forSession: session.id))) }
                try await engine.switchModel(
                    to: params.modelId, reasoningEffort: params.reasoningEffort, capabilities: params.modelCapabilities?.capabilities,
                    provider: target)
                if let config { session.describe(provider: config, named: entry?.provider) }
            } catch {
                throw RPCError.invalidParams("\(RPC.sessionModelSwitchTo.name): \((error as? CopilotError)?.message ?? String(describing: error))")
            }
            return ModelSwitchResult(modelId: params.modelId)
        }
        addSessionStateMethods(to: &router, server)
        addMCPMethods(to: &router, server)
        addSkillMethods(to: &router, server)
        addAgentMethods(to: &router, server)
        addPendingAnswerMethods(to: &router, server)
        addUIMethods(to: &router, server)
        addCatalogMethods(to: &router, server)
        router.on(RPC.sessionLog, sessionsOf: server) { params, call in
            // An unknown level is written as info, as the official runtime does.
            let level = params.level.flatMap(SessionLogLevel.init(rawValue:)) ?? .info
            return SessionLogResult(eventId: await call.host.log(params.message, level: level, tip: params.tip, url: params.url))
        }
        return router
    }

    private func connect(_ params: ConnectParams, on connection: RPCConnection) throws -> ConnectResult {
        if let expected = connectionToken {
            guard params.token == expected else {
                // One guess per connection: a client that gets the token wrong has to connect again.
                var refusal = RPCError.authenticationFailed("the connection token is missing or wrong.")
                refusal.closesConnection = true
                throw refusal
            }
        }
        state.withLock { _ = $0.authenticated.insert(connection.id) }
        return ConnectResult(ok: true, protocolVersion: Self.protocolVersion, version: Self.version)
    }

    /// The live session `id`, or the "Session not found" error the SDKs recognise.
    func liveSession(_ id: String, _ method: String) throws -> ServerSession {
        guard let session = state.withLock({ $0.sessions[id] }) else { throw RPCError.sessionNotFound(method: method, id) }
        return session
    }

    /// The longest plugin path `plugins.builtin.set` takes, as the official runtime.
    static let pluginPathLimit = 4096

    /// Replaces the trusted plugin folders of the sessions `connection` creates from now on. Each
    /// must be an absolute path of a folder that is a plugin: one that is not is refused here, with
    /// the reason, rather than when a session is created.
    func setBuiltinPlugins(_ paths: [String], for connection: RPCConnection) throws {
        let method = RPC.pluginsBuiltinSet.name
        for path in paths {
            guard path.hasPrefix("/"), path.utf8.count <= Self.pluginPathLimit, !path.contains("\0") else {
                throw RPCError.invalidParams("\(method): every path must be absolute and at most \(Self.pluginPathLimit) characters: \(path.prefix(80))")
            }
            do {
                _ = try Plugin(contentsOf: URL(fileURLWithPath: path))
            } catch let error as CopilotError {
                throw RPCError.invalidParams("\(method): \(error.message)")
            }
        }
        state.withLock { $0.builtinPlugins[connection.id] = paths.isEmpty ? nil : paths }
    }

    /// Ends a live session and lets it go (its log completed and released in the store).
    func release(_ session: ServerSession) async {
        let released = state.withLock { state in
            state.sessions[session.id] === session ? state.sessions.removeValue(forKey: session.id) : nil
        }
        await released?.close()
    }

    private func deleteSession(_ id: String, on connection: RPCConnection) async throws -> SuccessResult {
        let live = state.withLock { $0.sessions.removeValue(forKey: id) }
        await live?.close()
        var found = live != nil
        if let store {
            do {
                try await store.delete(id)
                found = true
            } catch {
                if live == nil { return SuccessResult(success: false, error: String(describing: error)) }
            }
        }
        guard found else { return SuccessResult(success: false, error: "Session not found: \(id)") }
        announce(SessionLifecycleNotification(type: SessionLifecycleNotification.deleted, sessionId: id))
        return SuccessResult(success: true)
    }

    /// A new stored session with the events of `params.sessionId` up to (not including)
    /// `params.toEventId`, to be resumed like any other.
    private func fork(_ params: SessionForkParams) async throws -> SessionForkResult {
        let method = RPC.sessionsFork.name
        guard let store else {
            throw RPCError(code: -32603, message: "\(method): forking needs a session store; this server keeps sessions in memory only (--no-store).")
        }
        let live = state.withLock { $0.sessions[params.sessionId] }?.host
        do {
            let id = try await store.fork(params.sessionId, live: live, before: params.toEventId, name: params.name)
            return SessionForkResult(sessionId: id, name: params.name)
        } catch let error as CopilotError where error.code == .invalidInput {
            throw RPCError.invalidParams("\(method): \(error.message)")
        } catch {
            throw RPCError.internalError(method: method, (error as? CopilotError)?.message ?? String(describing: error))
        }
    }

    /// Sends, waits for the `session.idle` that ends the message, and answers with the final
    /// `assistant.message` envelope. The idle notification is written before this answer.
    private func sendAndWait(_ params: SessionSendParams, host: SessionHost) async throws -> SessionSendAndWaitResult {
        let options = try Self.messageOptions(params)
        let (messageID, completion): (String, MessageCompletion)
        do {
            (messageID, completion) = try await host.sendAndWait(options)
        } catch {
            throw RPCError.internalError(method: RPC.sessionSendAndWait.name, (error as? CopilotError)?.message ?? String(describing: error))
        }
        let completionID = completion.idle.id.uuidString.lowercased()
        if let failure = completion.failure {
            throw RPCError(code: -32603, message: "Session error: \(failure.message)", data: ["completionEventId": .string(completionID)])
        }
        return SessionSendAndWaitResult(
            aborted: completion.aborted, messageId: messageID, completionEventId: completionID,
            response: completion.aborted ? nil : completion.answer)
    }

    /// `SessionMetadata` for every session, live or stored, most recently modified first. A live
    /// session's own metadata is newer than what its store has been told so far.
    func allMetadata() async throws -> [WireSessionMetadata] {
        let live = state.withLock { $0.sessions.values.compactMap(\.host?.metadata) }
        var byID: [String: SessionMetadata] = [:]
        for stored in (try? await store?.list()) ?? [] { byID[stored.sessionId] = stored }
        for metadata in live { byID[metadata.sessionId] = metadata }
        return byID.values.sorted { $0.modifiedAt > $1.modifiedAt }.map(\.wire)
    }

    // MARK: - Create and resume

    func createSession(_ params: SessionCreateParams, on connection: RPCConnection) async throws -> SessionCreateResult {
        let id = params.sessionId ?? UUID().uuidString.lowercased()
        guard state.withLock({ $0.sessions[id] }) == nil else {
            throw RPCError.internalError(method: RPC.sessionCreate.name, "A session with id \(id) already exists.")
        }
        let host = try await openSession(id, params, method: RPC.sessionCreate.name, on: connection) { [self] config in
            try await SessionHost.create(
                config, id: id, providerContext: providerContext(forSession: id), store: store, workspaces: workspaces, logger: logger)
        }
        announce(SessionLifecycleNotification(type: SessionLifecycleNotification.created, sessionId: id, metadata: host.metadata.wire))
        return SessionCreateResult(
            sessionId: id, workspacePath: workspaces.appendingPathComponent(id, isDirectory: true).path,
            capabilities: Self.capabilities(of: state.withLock { $0.sessions[id] }))
    }

    /// The config `params` describe, with tools, permissions, hooks and tokens answered by the client.
    private func sessionConfig(
        _ params: SessionCreateParams, session: ServerSession, id: String, method: String, sender: UUID
    ) throws -> SessionConfig {
        let cwd = params.workingDirectory ?? FileManager.default.currentDirectoryPath
        var config: SessionConfig
        do {
            config = try SessionConfig(params, callbacks: SessionConfigTranslator(session: session, sessionID: id, cwd: cwd).callbacks())
        } catch let error as CopilotError {
            throw RPCError.invalidParams("\(method): \(error.message)")
        }
        config.sessionId = id
        config.workingDirectory = cwd
        config.mcpConnector = MCPServers(logger: logger)
        let translator = SessionConfigTranslator(session: session, sessionID: id, cwd: cwd)
        config.onElicitationRequest = translator.elicitationHandler()
        config.onMcpAuthRequest = translator.mcpAuthHandler()
        if params.requestMcpApps == true { session.mcpApps = true }
        // The user's own servers join the session's, which win a name clash.
        config.mcpServers = mcpUserConfig.sessionServers.merging(config.mcpServers) { _, own in own }
        config.permissionRules = options.permissionRules
        config.secretFilter = secretFilter
        do {
            _ = try session.register(providers: params.providers ?? [], models: params.models ?? [], sentBy: sender)
        } catch let error as CopilotError {
            throw RPCError.invalidParams("\(method): \(error.message)")
        }
        if !options.excludedTools.isEmpty { config.excludedTools = (config.excludedTools ?? []) + options.excludedTools }
        // The creating client's trusted plugins, then the runtime's own, then those the session names
        // (absolute, as the server's own folder means nothing to a client).
        if let relative = config.pluginDirectories.first(where: { !$0.hasPrefix("/") }) {
            throw RPCError.invalidParams("\(method): pluginDirectories must be absolute paths, not \(relative.prefix(200))")
        }
        config.pluginDirectories = (state.withLock { $0.builtinPlugins[sender] } ?? []) + options.pluginDirectories + config.pluginDirectories
        if method == RPC.sessionCreate.name, config.provider == nil, let fallback {
            config.provider = fallback.provider
            config.model = config.model ?? fallback.model
            config.temperature = config.temperature ?? fallback.temperature
            config.maxOutputTokens = config.maxOutputTokens ?? fallback.maxOutputTokens
        }
        return config
    }

    /// A field the client set that this runtime does not act on is named in a `session.warning`,
    /// never dropped in silence.
    private static func warnAboutUnsupported(_ params: SessionCreateParams, engine: SessionEngine) async {
        guard !params.unsupportedFields.isEmpty else { return }
        let names = params.unsupportedFields.joined(separator: ", ")
        await engine.publish(.sessionWarning(.init(
            warningType: "unsupported_option",
            message: "This runtime does not support these session options yet and ignores them: \(names).")))
    }

    func resumeSession(_ params: SessionCreateParams, on connection: RPCConnection) async throws -> SessionCreateResult {
        guard let id = params.sessionId, !id.isEmpty else { throw RPCError.invalidParams("\(RPC.sessionResume.name): `sessionId` is required") }
        guard let session = state.withLock({ $0.sessions[id] }), let engine = session.engine else {
            return try await resumeStoredSession(id, params, on: connection)
        }
        if store != nil {
            // The resume's config (provider, model, prompt, tools, directory) applies from here on:
            // the live session is let go, its log completed, and it is taken up again with that
            // config, keeping the clients that listen to it — and the tools the others brought,
            // each still run by its own client (the official multi-client mode).
            let listeners = session.listeners.filter { $0 !== connection }
            let othersTools = session.toolsBrought(byOthersThan: connection)
            let othersUI = session.clientUI(byOthersThan: connection.id)
            let before = session.ui
            let released = state.withLock { state in
                state.sessions[id] === session ? state.sessions.removeValue(forKey: id) : nil
            }
            await released?.close()
            var result = try await resumeStoredSession(id, params, on: connection)
            if let resumed = state.withLock({ $0.sessions[id] }) {
                for listener in listeners { resumed.subscribe(listener, asOwner: false) }
                for (member, tools) in othersTools { try await offer(tools, broughtBy: member, in: resumed) }
                for (member, ui) in othersUI { resumed.noteUI(ui, of: member) }
                await Self.announceUIChanges(in: resumed, since: before)
                result.capabilities = Self.capabilities(of: resumed)
            }
            return result
        }
        // In memory only: another client joins the session as it is, its tools beside the others'.
        session.subscribe(connection, asOwner: true)
        try await offer(params.tools ?? [], broughtBy: connection, in: session)
        let before = session.ui
        session.noteUI(Self.clientUI(params), of: connection.id)
        await Self.announceUIChanges(in: session, since: before)
        if params.disableResume != true {
            await engine.publish(.sessionResume(.init(resumeTime: EventTimestamp.format(Date()), eventCount: session.persistedEvents.count)))
        }
        return SessionCreateResult(sessionId: id, capabilities: Self.capabilities(of: session))
    }

    /// What a client said it does for the session's UI on create or resume.
    private static func clientUI(_ params: SessionCreateParams) -> ServerSession.ClientUI {
        ServerSession.ClientUI(
            elicitation: params.requestElicitation == true,
            commands: (params.commands ?? []).map { .init(name: $0.name, description: $0.description) })
    }

    /// The `capabilities` object of a create or resume answer.
    static func capabilities(of session: ServerSession?) -> JSONValue {
        ["ui": ["elicitation": .bool(session?.ui.elicitation ?? false)]]
    }

    /// Tells the session's clients what changed in what they can do for it together
    /// (`capabilities.changed`, `commands.changed`).
    static func announceUIChanges(
        in session: ServerSession, since before: (elicitation: Bool, commands: [SessionEvent.CommandsChanged.Command])
    ) async {
        let now = session.ui
        guard let engine = session.engine else { return }
        if now.elicitation != before.elicitation {
            await engine.publish(.capabilitiesChanged(.init(ui: .init(elicitation: now.elicitation))))
        }
        if now.commands != before.commands {
            await engine.publish(.commandsChanged(.init(commands: now.commands)))
        }
    }

    /// Offers the tools `member` brought to `session` as a source of their own, run by that client.
    private func offer(_ wire: [SessionCreateParams.ToolParams], broughtBy member: RPCConnection, in session: ServerSession) async throws {
        guard !wire.isEmpty, let engine = session.engine else { return }
        let translator = SessionConfigTranslator(
            session: session, sessionID: session.id, cwd: await engine.workingDirectory ?? FileManager.default.currentDirectoryPath)
        let tools: [Tool]
        do {
            tools = try SessionConfig.tools(wire, callbacks: translator.callbacks())
        } catch let error as CopilotError {
            throw RPCError.invalidParams("\(RPC.sessionResume.name): \(error.message)")
        }
        session.noteTools(wire, broughtBy: member)
        await engine.register(AppToolSource(appTools: tools), id: Self.toolSourceID(of: member))
    }

    /// The id under which the tools a client brought to a session it joined are registered.
    static func toolSourceID(of connection: RPCConnection) -> String { "client:\(connection.id)" }

    /// `connection` leaves `session`: it no longer gets its events, and the tools it brought are
    /// no longer offered. Returns how many clients remain.
    @discardableResult
    func leave(_ session: ServerSession, _ connection: RPCConnection) async -> Int {
        let remaining = session.unsubscribe(connection)
        let before = session.ui
        session.forgetUI(of: connection.id)
        await Self.announceUIChanges(in: session, since: before)
        let forgotten = session.forgetTools(broughtBy: connection)
        if forgotten.brought {
            // Nobody could run them now: the client that brought them has gone.
            await session.engine?.unregister(toolSource: forgotten.configTools ? SessionEngine.appToolSourceID : Self.toolSourceID(of: connection))
        }
        return remaining
    }

    /// `session.send` parameters: prompt, attachments and delivery mode.
    static func messageOptions(_ params: SessionSendParams) throws -> MessageOptions {
        guard let mode = MessageOptions.DeliveryMode(rawValue: params.mode ?? MessageOptions.DeliveryMode.enqueue.rawValue) else {
            throw RPCError.invalidParams("\(RPC.sessionSend.name): `mode` must be enqueue or immediate")
        }
        return MessageOptions(
            prompt: params.prompt, attachments: params.attachments ?? [], mode: mode, agentMode: params.agentMode,
            requestHeaders: params.requestHeaders ?? [:], responseFormat: params.responseFormat)
    }

    /// Brings a session back from the store (after this server restarted, or after it was let go).
    private func resumeStoredSession(_ id: String, _ params: SessionCreateParams, on connection: RPCConnection) async throws -> SessionCreateResult {
        guard let store else { throw RPCError.sessionNotFound(method: RPC.sessionResume.name, id) }
        _ = try await openSession(id, params, method: RPC.sessionResume.name, on: connection) { [self] config in
            try await SessionHost.resume(
                config, from: store, id: id, providerContext: providerContext(forSession: id),
                knownProviders: fallback.map { [$0.provider] } ?? [], workspaces: workspaces, logger: logger)
        }
        return SessionCreateResult(sessionId: id, capabilities: Self.capabilities(of: state.withLock { $0.sessions[id] }))
    }

    /// The one path of `session.create` and of a resume from the store: the session's config from
    /// `params`, its host from `open` (create or resume), then it is listed, started, and told what
    /// it ignores.
    private func openSession(
        _ id: String, _ params: SessionCreateParams, method: String, on connection: RPCConnection,
        _ open: (SessionConfig) async throws -> SessionHost
    ) async throws -> SessionHost {
        let session = ServerSession(id: id)
        session.subscribe(connection, asOwner: true)
        session.noteTools(params.tools ?? [], broughtBy: connection)
        session.noteConfigTools(broughtBy: connection)
        session.noteUI(Self.clientUI(params), of: connection.id)
        let config = try sessionConfig(params, session: session, id: id, method: method, sender: connection.id)
        session.describe(provider: config.provider, sentBy: params.provider != nil ? connection.id : nil, clientName: config.clientName)
        let host: SessionHost
        do {
            host = try await open(config)
        } catch {
            throw RPCError.internalError(method: method, (error as? CopilotError)?.message ?? String(describing: error))
        }
        session.attach(host) { [weak self, weak host] in
            guard let self, let host else { return }
            self.announce(SessionLifecycleNotification(type: SessionLifecycleNotification.updated, sessionId: id, metadata: host.metadata.wire))
        }
        state.withLock { $0.sessions[id] = session }
        await host.start()
        await Self.warnAboutUnsupported(params, engine: host.engine)
        return host
    }
}
