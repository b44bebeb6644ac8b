import CopilotProtocol
import CopilotCore
import CopilotProviders
import CopilotRuntime
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A runtime in another process, reached over the Copilot CLI protocol (v3): a `copilot-swift server`
/// (or any compatible runtime) spawned over stdio, or one already listening on TCP.
///
/// Sessions behave as in-process ones: their events arrive as `session.event` notifications; tool
/// calls and permission requests come back as events, run here, and are answered over the protocol.
final class RemoteRuntime: Sendable {
    let connection: RPCConnection
    /// The runtime this client started (``spawn(path:arguments:clock:logger:)``), and the scope it
    /// was started in.
    private let process: (child: ChildProcess, scope: String)?
    private let runner: Task<Void, Never>
    private let logger: Logger
    private let sessions = Mutex<[String: RemoteSession]>([:])
    private let routes = Mutex<RPCRouter?>(nil)
    private var callbacks: RPCRouter {
        routes.withLock { routes in
            if let routes { return routes }
            let made = Self.makeCallbacks(self)
            routes = made
            return made
        }
    }

    private init(
        connection: RPCConnection, process: (child: ChildProcess, scope: String)?, runner: Task<Void, Never>, logger: Logger
    ) {
        self.connection = connection
        self.process = process
        self.runner = runner
        self.logger = logger
    }

    // MARK: Connecting

    /// Starts `path` with `--headless --no-auto-update --log-level warning --stdio` (after `arguments`)
    /// and speaks the protocol over its standard input and output.
    static func spawn(path: String, arguments: [String], clock: any Clock<Duration>, logger: Logger) async throws -> RemoteRuntime {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CopilotError(code: .invalidConfiguration, message: "No runtime executable at \(path) (CopilotClientOptions.runtime .spawn).")
        }
        // Started as every child is (its own process group, marked, ended for sure), with the app's
        // whole environment: the runtime is the app's own program, and reads its keys from there.
        let scope = "runtime#\(UUID().uuidString.prefix(8))"
        let child: ChildProcess
        do {
            child = try ProcessOwner.shared.spawn(
                ChildProcess.Configuration(
                    executable: path, arguments: arguments + ["--headless", "--no-auto-update", "--log-level", "warning", "--stdio"],
                    inheritsWholeEnvironment: true),
                scope: scope)
        } catch let error as CopilotError {
            throw CopilotError(code: .invalidConfiguration, message: "Could not start the runtime at \(path): \(error.message)")
        }
        child.forwardErrorLines { line in logger.warning("runtime: \(line)") }
        // Reaped as soon as it exits, so that shutdown sees it has.
        Task.detached { _ = await child.waitForExit() }
        // NIO takes ownership of its own copies of the pipe ends.
        let input = dup(child.stdoutFD)
        let output = dup(child.stdinFD)
        close(child.stdoutFD)
        child.closeInput()
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .takingOwnershipOfDescriptors(input: input, output: output) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            await ProcessOwner.shared.end(scope: scope)
            throw CopilotError(code: .invalidConfiguration, message: "Could not talk to the runtime at \(path): \(error)")
        }
        return start(channel: channel, process: (child, scope), clock: clock, logger: logger)
    }

    /// Connects to a runtime listening at `address` (`host:port`, `port`, or `http://host:port`).
    static func connect(to address: String, clock: any Clock<Duration>, logger: Logger) async throws -> RemoteRuntime {
        let (host, port) = try parse(address)
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw CopilotError(code: .invalidConfiguration, message: "Could not connect to the runtime at \(host):\(port): \(error)")
        }
        return start(channel: channel, process: nil, clock: clock, logger: logger)
    }

    static func parse(_ address: String) throws -> (String, Int) {
        var text = address
        for prefix in ["http://", "https://"] where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
        if let port = Int(text) { return ("127.0.0.1", port) }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw CopilotError(code: .invalidConfiguration, message: "The runtime address '\(address)' is not host:port.")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }

    private static func start(
        channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, process: (child: ChildProcess, scope: String)?, clock: any Clock<Duration>,
        logger: Logger
    ) -> RemoteRuntime {
        let connection = RPCConnection(clock: clock)
        let routes = Routes()
        let runner = Task<Void, Never> {
            _ = try? await channel.executeThenClose { inbound, outbound in
                await connection.run(
                    input: inbound.map { Array($0.readableBytesView) },
                    write: { try await outbound.write(ByteBuffer(bytes: $0)) },
                    onRequest: { _, method, params in try await routes.request(method, params) },
                    onNotification: { _, method, params in routes.notification(method, params) })
            }
        }
        let runtime = RemoteRuntime(connection: connection, process: process, runner: runner, logger: logger)
        routes.runtime.withLock { $0 = runtime }
        return runtime
    }

    /// Sends the runtime's calls to this object once it exists (the connection starts first).
    private final class Routes: Sendable {
        let runtime = Mutex<RemoteRuntime?>(nil)

        func request(_ method: String, _ params: JSONValue) async throws -> JSONValue {
            guard let runtime = runtime.withLock({ $0 }) else { throw RPCError.methodNotFound(method) }
            return try await runtime.serverRequest(method, params)
        }

        func notification(_ method: String, _ params: JSONValue) {
            runtime.withLock { $0 }?.serverNotification(method, params)
        }
    }

    /// `connect`: checks the token and the protocol version.
    func handshake(token: String?) async throws {
        let result: ConnectResult
        do {
            result = try await connection.call(RPC.connect, ConnectParams(token: token), timeout: .seconds(30))
        } catch let error as RPCError {
            throw CopilotError(code: .invalidConfiguration, message: "The runtime refused the connection: \(error.message)")
        }
        guard result.protocolVersion == 3 else {
            throw CopilotError(
                code: .unsupported,
                message: "The runtime speaks protocol version \(result.protocolVersion.map(String.init) ?? "none"); this client needs 3.")
        }
    }

    // MARK: Sessions

    func createSession(_ config: SessionConfig, id: String, broadcaster: EventBroadcaster, resume: Bool) async throws -> RemoteSession {
        let session = RemoteSession(id: id, config: config, runtime: self, broadcaster: broadcaster)
        sessions.withLock { $0[id] = session }
        let params = try SessionCreateParams(config, sessionId: id)
        do {
            _ = try await connection.call(resume ? RPC.sessionResume : RPC.sessionCreate, params)
        } catch let error as RPCError {
            sessions.withLock { _ = $0.removeValue(forKey: id) }
            throw CopilotError(code: .invalidConfiguration, message: error.message)
        }
        // The runtime asks for MCP OAuth tokens only once a client says it answers (as the official SDKs do).
        if config.onMcpAuthRequest != nil {
            _ = try? await connection.call(
                RPC.sessionEventLogRegisterInterest, InterestParams(sessionId: id, eventType: SessionEvent.MCPOAuthRequired.eventType))
        }
        return session
    }

    /// A request to the runtime; its JSON-RPC errors become `CopilotError` `sessionError`.
    func call<Params, Result>(_ method: RPCMethod<Params, Result>, _ params: Params, timeout: Duration = .seconds(120)) async throws -> Result {
        do {
            return try await connection.call(method, params, timeout: timeout)
        } catch let error as RPCError {
            // Input the runtime refused (-32602) is the caller's to fix, as it is in process.
            throw CopilotError(code: error.code == -32602 ? .invalidInput : .sessionError, message: error.message)
        }
    }

    func forget(_ id: String) { sessions.withLock { _ = $0.removeValue(forKey: id) } }

    private func serverNotification(_ method: String, _ params: JSONValue) {
        guard method == RPC.sessionEvent.name else { return }
        do {
            let notification = try params.decode(as: SessionEventNotification.self)
            sessions.withLock { $0[notification.sessionId] }?.receive(notification.event)
        } catch {
            logger.warning("dropped a malformed event from the runtime", metadata: ["error": "\(error)"])
        }
    }

    private func serverRequest(_ method: String, _ params: JSONValue) async throws -> JSONValue {
        try await callbacks.dispatch(method, params, on: connection)
    }

    /// What the runtime may ask of this side: hooks, questions for the user, bearer tokens.
    private static func makeCallbacks(_ runtime: RemoteRuntime) -> RPCRouter {
        var router = RPCRouter()
        router.on(RPC.hooksInvoke) { [unowned runtime] params, _ in
            try await runtime.session(params.sessionId, RPC.hooksInvoke.name).invokeHook(type: params.hookType, input: params.input)
        }
        router.on(RPC.userInputRequest) { [unowned runtime] params, _ in
            let session = try runtime.session(params.sessionId, RPC.userInputRequest.name)
            guard let handler = session.config.onUserInputRequest else {
                throw RPCError.internalError(method: RPC.userInputRequest.name, "User input requested but no handler registered")
            }
            let response = try await handler(UserInputRequest(
                question: params.question, choices: params.choices, allowFreeform: params.allowFreeform != false, toolCallId: params.toolCallId))
            return UserInputRequestResult(answer: response.answer, wasFreeform: response.wasFreeform)
        }
        router.on(RPC.systemMessageTransform) { [unowned runtime] params, _ in
            let session = try runtime.session(params.sessionId, RPC.systemMessageTransform.name)
            guard case .customize(let edits, _) = session.config.systemMessage else {
                return SystemMessageTransformResult(sections: params.sections)
            }
            var sections = params.sections
            for (id, text) in params.sections {
                guard let section = SystemMessage.Section(rawValue: id), case .transform(let rewrite) = edits[section] else { continue }
                sections[id] = SectionText(content: try await rewrite(text.content))
            }
            return SystemMessageTransformResult(sections: sections)
        }
        router.on(RPC.providerTokenGetToken) { [unowned runtime] params, _ in
            let session = try runtime.session(params.sessionId, RPC.providerTokenGetToken.name)
            // `default` is the session's provider; any other name one of its named providers.
            let config = params.providerName == "default" ? session.config.provider : session.config.providers[params.providerName]
            guard let provider = config?.bearerTokenProvider else {
                throw RPCError.internalError(
                    method: RPC.providerTokenGetToken.name, "no bearer token provider is configured for provider \(params.providerName) of this session")
            }
            return ProviderTokenResult(token: try await provider.token())
        }
        return router
    }

    private func session(_ id: String, _ method: String) throws -> RemoteSession {
        guard let session = sessions.withLock({ $0[id] }) else { throw RPCError.sessionNotFound(method: method, id) }
        return session
    }

    /// Ends the connection; a runtime this client started is asked to shut down, given up to three
    /// seconds to exit, then ended (SIGTERM, then SIGKILL) with whatever it left behind.
    func shutdown() async {
        if process != nil {
            _ = try? await connection.call(RPC.runtimeShutdown, EmptyParams(), timeout: .seconds(10))
        }
        runner.cancel()
        await runner.value
        guard let (child, scope) = process else { return }
        let deadline = ContinuousClock.now + .seconds(3)
        while !child.hasExited, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await ProcessOwner.shared.end(scope: scope)
    }
}
