package import CopilotProtocol
import CopilotCore
package import CopilotProviders
package import CopilotRuntime
import Foundation
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
    private let providerContext: ProviderContext
    private let store: (any SessionStore)?
    private let logger: Logger

    private struct State {
        var sessions: [String: ServerSession] = [:]
        var lastSessionID: String?
        var authenticated: Set<UUID> = []
    }

    private let state = Mutex(State())

    /// - Parameters:
    ///   - connectionToken: when set, a connection must present it in `connect` before anything else.
    ///   - providerContext: transport, retries and clock for the sessions' model calls.
    ///   - store: where sessions are kept, so `session.resume`, `list` and `delete` outlive this process.
    package init(
        connectionToken: String?, providerContext: ProviderContext, store: (any SessionStore)? = nil,
        logger: Logger = Logger(label: "copilot.server")
    ) {
        self.connectionToken = connectionToken.flatMap { $0.isEmpty ? nil : $0 }
        self.providerContext = providerContext
        self.store = store
        self.logger = logger
    }

    /// Serves one client connection until its input ends.
    package func serve<Input: AsyncSequence>(
        _ connection: RPCConnection, input: Input, write: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async where Input.Element == [UInt8] {
        await connection.run(input: input, write: write) { [self] connection, method, params in
            try await self.handle(method, params, on: connection)
        }
        let sessions = state.withLock { state -> [ServerSession] in
            state.authenticated.remove(connection.id)
            return Array(state.sessions.values)
        }
        for session in sessions { session.unsubscribe(connection) }
    }

    /// Ends every session (as `runtime.shutdown` does).
    package func shutdown() async {
        let sessions = state.withLock { state in
            defer { state.sessions.removeAll() }
            return Array(state.sessions.values)
        }
        for session in sessions { await session.close() }
    }

    // MARK: - Dispatch

    func handle(_ method: String, _ params: JSONValue, on connection: RPCConnection) async throws -> JSONValue {
        if method == "connect" { return try connect(params, on: connection) }
        if connectionToken != nil, !state.withLock({ $0.authenticated.contains(connection.id) }) {
            throw RPCError(code: -32001, message: "AUTHENTICATION_FAILED: send `connect` with the connection token first.")
        }
        switch method {
        case "ping":
            let message = params["message"]?.stringValue ?? ""
            return ["message": .string("pong: \(message)"), "timestamp": .int(Int(Date().timeIntervalSince1970 * 1000)), "protocolVersion": .int(Self.protocolVersion)]
        case "status.get":
            return ["version": .string(Self.version), "protocolVersion": .int(Self.protocolVersion)]
        case "auth.getStatus":
            return ["isAuthenticated": false, "statusMessage": "This runtime is BYOK-only: sessions use the provider given at session.create."]
        case "models.list":
            return ["models": []]
        case "runtime.shutdown":
            await shutdown()
            return .null
        case "session.create":
            return try await createSession(params, on: connection)
        case "session.resume":
            return try await resumeSession(params, on: connection)
        case "session.list":
            return ["sessions": .array(try await allMetadata())]
        case "session.getLastId":
            let id = try await allMetadata().first?["sessionId"]
            return id.map { ["sessionId": $0] } ?? [:]
        case "session.getMetadata":
            let id = try Self.string("sessionId", in: params)
            return ["session": try await allMetadata().first { $0["sessionId"]?.stringValue == id } ?? .null]
        case "session.delete":
            let id = try Self.string("sessionId", in: params)
            let live = state.withLock { $0.sessions.removeValue(forKey: id) }
            await live?.close()
            var found = live != nil
            if let store {
                do {
                    try await store.delete(id)
                    found = true
                } catch {
                    if live == nil { return ["success": false, "error": .string(String(describing: error))] }
                }
            }
            guard found else { return ["success": false, "error": .string("Session not found: \(id)")] }
            connection.notify("session.lifecycle", ["type": "session.deleted", "sessionId": .string(id)])
            return ["success": true]
        default:
            guard method.hasPrefix("session.") else { throw RPCError.methodNotFound(method) }
            return try await sessionMethod(method, params, on: connection)
        }
    }

    private func connect(_ params: JSONValue, on connection: RPCConnection) throws -> JSONValue {
        if let expected = connectionToken {
            guard params["token"]?.stringValue == expected else {
                throw RPCError(code: -32001, message: "AUTHENTICATION_FAILED: the connection token is missing or wrong.")
            }
        }
        state.withLock { _ = $0.authenticated.insert(connection.id) }
        return ["ok": true, "protocolVersion": .int(Self.protocolVersion), "version": .string(Self.version)]
    }

    private func sessionMethod(_ method: String, _ params: JSONValue, on connection: RPCConnection) async throws -> JSONValue {
        let id = try Self.string("sessionId", in: params)
        guard let session = state.withLock({ $0.sessions[id] }), let engine = session.engine else {
            throw RPCError.internalError(method: method, "Session not found: \(id)")
        }
        state.withLock { $0.lastSessionID = id }
        switch method {
        case "session.send":
            let options = try Self.messageOptions(params)
            do {
                return ["messageId": .string(try await engine.send(options))]
            } catch {
                throw RPCError.internalError(method: method, String(describing: error))
            }
        case "session.sendAndWait":
            return try await sendAndWait(params, session: session, engine: engine)
        case "session.abort":
            await engine.abort()
            return [:]
        case "session.detach", "session.destroy":
            // `detach` in SDK 1.0.27, `destroy` in older ones: "frees in-memory state; the session
            // stays resumable". With a store, the last client's disconnect lets the session go: its log is completed and
            // released, so this or any other server sharing the store can resume it. Without one,
            // the session stays in memory, as that is the only place it can be resumed from.
            let remaining = session.unsubscribe(connection)
            if store != nil, remaining == 0 {
                let released = state.withLock { state in
                    state.sessions[id] === session ? state.sessions.removeValue(forKey: id) : nil
                }
                await released?.close()
            }
            return ["success": true]
        case "session.getMessages":
            let events = session.persistedEvents.compactMap { try? JSONValue(encoding: $0) }
            return ["events": .array(events)]
        case "session.tools.handlePendingToolCall":
            let requestID = try Self.string("requestId", in: params)
            var answer: [String: JSONValue] = [:]
            if let result = params["result"] { answer["result"] = result }
            if let error = params["error"] { answer["error"] = error }
            let found = session.answer(requestID, with: .object(answer))
            if found { await engine.publish(.externalToolCompleted(.init(requestId: requestID))) }
            return ["success": .bool(found)]
        case "session.permissions.handlePendingPermissionRequest":
            let requestID = try Self.string("requestId", in: params)
            guard let result = params["result"], result.objectValue != nil else { throw RPCError.invalidParams("result must be an object") }
            return ["success": .bool(session.answer(requestID, with: result))]
        case "session.model.switchTo":
            let model = try Self.string("modelId", in: params)
            do {
                try await engine.switchModel(to: model, reasoningEffort: params["reasoningEffort"]?.stringValue)
            } catch {
                throw RPCError.internalError(method: method, String(describing: error))
            }
            return ["modelId": .string(model)]
        case "session.log":
            let message = try Self.string("message", in: params)
            let payload: SessionEvent.Payload
            switch params["level"]?.stringValue ?? "info" {
            case "error": payload = .sessionError(.init(errorType: "notification", message: message))
            case "warning": payload = .sessionWarning(.init(warningType: "notification", message: message))
            default: payload = .sessionInfo(.init(infoType: "notification", message: message))
            }
            let eventID = await engine.publish(payload)
            return ["eventId": .string(eventID.uuidString.lowercased())]
        default:
            throw RPCError.methodNotFound(method)
        }
    }

    /// Sends, waits for the `session.idle` that ends the message, and answers with the final
    /// `assistant.message` envelope. The idle notification is written before this answer.
    private func sendAndWait(_ params: JSONValue, session: ServerSession, engine: SessionEngine) async throws -> JSONValue {
        let options = try Self.messageOptions(params)
        let events = session.events()
        let messageID: String
        do {
            messageID = try await engine.send(options)
        } catch {
            throw RPCError.internalError(method: "session.sendAndWait", String(describing: error))
        }
        var started = false
        var answer: SessionEvent?
        var failure: String?
        for await event in events {
            switch event.payload {
            case .userMessage(let message) where message.messageId == messageID:
                started = true
            case .assistantMessage where started && event.agentId == nil:
                answer = event
            case .sessionError(let error) where started && (error.originatingMessageId ?? messageID) == messageID:
                failure = error.message
            case .sessionIdle(let idle) where started:
                let completion = JSONValue.string(event.id.uuidString.lowercased())
                if let failure {
                    throw RPCError(code: -32603, message: "Session error: \(failure)", data: ["completionEventId": completion])
                }
                var result: [String: JSONValue] = [
                    "aborted": .bool(idle.aborted == true), "messageId": .string(messageID), "completionEventId": completion,
                ]
                if idle.aborted != true, let answer, let json = try? JSONValue(encoding: answer) { result["response"] = json }
                return .object(result)
            default:
                continue
            }
        }
        throw RPCError.internalError(method: "session.sendAndWait", "The session ended before the message was answered.")
    }

    /// `SessionMetadata` for every session, live or stored, most recently modified first.
    private func allMetadata() async throws -> [JSONValue] {
        let live = state.withLock { Array($0.sessions.values) }
        var byID: [String: (Date, JSONValue)] = [:]
        for stored in (try? await store?.list()) ?? [] {
            byID[stored.sessionId] = (
                stored.modifiedAt,
                ServerSession.wireMetadata(
                    id: stored.sessionId, started: stored.createdAt, modified: stored.modifiedAt, summary: stored.summary,
                    cwd: stored.workingDirectory)
            )
        }
        for session in live where byID[session.id] == nil {
            byID[session.id] = (session.startTime, session.metadata)
        }
        return byID.values.sorted { $0.0 > $1.0 }.map(\.1)
    }

    // MARK: - Create and resume

    private func createSession(_ params: JSONValue, on connection: RPCConnection) async throws -> JSONValue {
        let id = params["sessionId"]?.stringValue ?? UUID().uuidString.lowercased()
        guard state.withLock({ $0.sessions[id] }) == nil else {
            throw RPCError.internalError(method: "session.create", "A session with id \(id) already exists.")
        }
        let session = ServerSession(id: id)
        session.subscribe(connection, asOwner: true)
        let recorder = SessionRecorder(logger: logger)
        let config: SessionConfig
        do {
            config = try SessionConfigTranslator(params: params, session: session, sessionID: id).config()
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError.internalError(method: "session.create", String(describing: error))
        }
        let engine: SessionEngine
        // Without a store the recorder is never attached: nothing may pile up in it.
        let persists = store != nil
        do {
            engine = try SessionEngine(
                sessionId: id, config: config, providerContext: providerContext, logger: logger,
                sink: { [session, recorder] event in
                    if persists { recorder.record(event) }
                    session.deliver(event)
                })
        } catch let error as CopilotError {
            throw RPCError.internalError(method: "session.create", error.message)
        } catch let error as ProviderError {
            throw RPCError.internalError(method: "session.create", error.message)
        }
        if let store {
            let metadata = SessionMetadata(
                sessionId: id, model: config.model, providerType: config.provider?.resolvedType.rawValue,
                baseURL: config.provider?.baseURL, workingDirectory: config.workingDirectory)
            do {
                recorder.attach(try await store.create(metadata), metadata: metadata)
            } catch {
                throw RPCError.internalError(method: "session.create", String(describing: error))
            }
        }
        session.attach(engine: engine, recorder: recorder)
        state.withLock { state in
            state.sessions[id] = session
            state.lastSessionID = id
        }
        await engine.start()
        connection.notify("session.lifecycle", ["type": "session.created", "sessionId": .string(id), "metadata": session.metadata])
        return ["sessionId": .string(id), "workspacePath": .null, "capabilities": ["ui": ["elicitation": false]]]
    }

    private func resumeSession(_ params: JSONValue, on connection: RPCConnection) async throws -> JSONValue {
        let id = try Self.string("sessionId", in: params)
        guard let session = state.withLock({ $0.sessions[id] }), let engine = session.engine else {
            return try await resumeStoredSession(id, params, on: connection)
        }
        session.subscribe(connection, asOwner: true)
        state.withLock { $0.lastSessionID = id }
        if params["disableResume"] != true {
            let count = session.persistedEvents.count
            await engine.publish(.sessionResume(.init(resumeTime: EventTimestamp.format(Date()), eventCount: count)))
        }
        return ["sessionId": .string(id), "workspacePath": .null, "capabilities": ["ui": ["elicitation": false]]]
    }

    /// `session.send` parameters: prompt, attachments and delivery mode.
    static func messageOptions(_ params: JSONValue) throws -> MessageOptions {
        let prompt = try string("prompt", in: params)
        var attachments: [Attachment] = []
        if let list = params["attachments"], list != .null {
            do {
                attachments = try list.decode(as: [Attachment].self)
            } catch {
                throw RPCError.invalidParams("attachments: each needs a `type`")
            }
        }
        let mode: MessageOptions.DeliveryMode = params["mode"]?.stringValue == "immediate" ? .immediate : .enqueue
        return MessageOptions(prompt: prompt, attachments: attachments, mode: mode)
    }

    /// Brings a session back from the store (after this server restarted, or after it was let go).
    private func resumeStoredSession(_ id: String, _ params: JSONValue, on connection: RPCConnection) async throws -> JSONValue {
        guard let store else { throw RPCError.internalError(method: "session.resume", "Session not found: \(id)") }
        let stored: StoredSession
        do {
            stored = try await store.open(id)
        } catch {
            throw RPCError.internalError(method: "session.resume", String(describing: error))
        }
        let session = ServerSession(id: id, startTime: stored.metadata.createdAt)
        session.seed(stored.events)
        session.subscribe(connection, asOwner: true)
        let recorder = SessionRecorder(logger: logger)
        recorder.attach(stored.log, metadata: stored.metadata)
        var resumeParams = params.objectValue ?? [:]
        if resumeParams["model"] == nil, let model = stored.metadata.model { resumeParams["model"] = .string(model) }
        // Keys are never stored, so a client that resumes without a provider gets the stored type and
        // base URL back without one: enough for a local server (Ollama, llama.cpp); a provider that
        // needs a key answers 401, and the client must send its provider again.
        if resumeParams["provider"] == nil, let baseURL = stored.metadata.baseURL {
            resumeParams["provider"] = ["type": .string(stored.metadata.providerType ?? "openai"), "baseUrl": .string(baseURL)]
        }
        do {
            let config = try SessionConfigTranslator(params: .object(resumeParams), session: session, sessionID: id).config()
            let engine = try SessionEngine(
                sessionId: id, config: config, providerContext: providerContext, logger: logger,
                sink: { [session, recorder] event in
                    recorder.record(event)
                    session.deliver(event)
                })
            session.attach(engine: engine, recorder: recorder)
            state.withLock { state in
                state.sessions[id] = session
                state.lastSessionID = id
            }
            await engine.resume(from: stored.events, droppedLines: stored.droppedLines)
        } catch let error as RPCError {
            await recorder.close()
            throw error
        } catch {
            await recorder.close()
            throw RPCError.internalError(method: "session.resume", (error as? CopilotError)?.message ?? String(describing: error))
        }
        return ["sessionId": .string(id), "workspacePath": .null, "capabilities": ["ui": ["elicitation": false]]]
    }

    static func string(_ key: String, in params: JSONValue) throws -> String {
        guard let value = params[key]?.stringValue, !value.isEmpty else {
            throw RPCError.invalidParams("`\(key)` must be a non-empty string")
        }
        return value
    }
}
