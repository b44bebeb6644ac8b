import CopilotCore
import CopilotProtocol
import CopilotProviders
import CopilotRuntime
import Foundation

/// Methods that open sessions by kind, list models and tools, take secrets and providers, and
/// describe a session's queue, tools, context and visibility. Those that need GitHub's services
/// (remote sessions, the Copilot CLI's user settings) answer the unavailable-feature error, never
/// a silent success.
extension RuntimeServer {
    static func addCatalogMethods(to router: inout RPCRouter, _ server: RuntimeServer) {
        // MARK: Server-wide
        router.on(RPC.modelsList) { [unowned server] _, _ in
            // The default provider's listing (`server --base-url/--provider`); a session's own
            // provider is not known here, as in the official runtime's flat `models.list`.
            guard let fallback = server.fallback else { return ModelsListResult(models: []) }
            do {
                let models = try await fallback.provider.listModels(context: server.providerContext)
                return ModelsListResult(models: try models.map { try JSONValue(encoding: $0) })
            } catch {
                throw RPCError.internalError(method: RPC.modelsList.name, (error as? ProviderError)?.message ?? String(describing: error))
            }
        }
        router.on(RPC.toolsList) { _, _ in
            ToolsListResult(tools: BuiltInTool.allCases.flatMap(\.definitions).map { .init(name: $0.name, description: $0.description, parameters: $0.parameters) })
        }
        router.on(RPC.secretsAddFilterValues) { [unowned server] params, _ in
            server.secretFilter.add(params.values)
            return OKResult(ok: true)
        }
        router.on(RPC.userSettingsGet) { _, _ in
            throw RPCError.unavailable(
                method: RPC.userSettingsGet.name,
                "user settings are the Copilot CLI's settings.json, which this BYOK runtime does not have; it is configured by its flags and config.toml.")
        }

        // MARK: Opening sessions
        router.on(RPC.sessionsSave) { [unowned server] params, _ in
            // A session that is not live has nothing waiting to be written.
            await (try? server.liveSession(params.sessionId, RPC.sessionsSave.name))?.host?.flush()
            return EmptyResult()
        }
        router.on(RPC.sessionsOpen) { [unowned server] params, connection in try await server.open(params, on: connection) }
        router.on(RPC.sessionsConnect) { [unowned server] params, _ in
            throw RPCError.unavailable(method: RPC.sessionsConnect.name, server.remoteSessionsUnavailable(params.sessionId))
        }

        // MARK: One session
        router.on(RPC.sessionProviderAdd, sessionsOf: server) { params, call in
            let session = call.session
            let added: [SessionCreateParams.ProviderModel]
            do {
                added = try session.register(providers: params.providers ?? [], models: params.models ?? [], sentBy: call.connection.id)
            } catch let error as CopilotError {
                throw RPCError.invalidParams("\(RPC.sessionProviderAdd.name): \(error.message)")
            }
            return ProviderAddResult(models: try added.map(Self.selectableModel))
        }
        router.on(RPC.sessionModelList, sessionsOf: server) { _, call in
            let session = call.session
            let current = await call.engine.reportedModel
            let named = try session.namedProviders.models.map(Self.selectableModel)
            // The session's own model first, unless it is one of the named ones.
            let own: [JSONValue] = current.map { model in
                named.contains { $0["id"]?.stringValue == model } ? [] : [["id": .string(model), "name": .string(model)]]
            } ?? []
            return SessionModelListResult(list: own + named)
        }
        router.on(RPC.sessionQueuePendingItems, sessionsOf: server) { _, call in
            let pending = await call.host.pendingMessages()
            return PendingItemsResult(
                items: pending.queued.map {
                    .init(id: $0.id, kind: "message", displayText: $0.prompt, agentMode: $0.agentMode, messageId: $0.id)
                },
                steeringMessages: pending.steering)
        }
        router.on(RPC.sessionToolsGetCurrentMetadata, sessionsOf: server) { _, call in
            CurrentToolsResult(tools: await call.host.tools().map { .init(name: $0.name, description: $0.description, inputSchema: $0.parameters) })
        }
        router.on(RPC.sessionHistoryListRewindPoints, sessionsOf: server) { _, _ in
            // Rewinding restores the files a turn changed; this runtime does not track them.
            return RewindPointsResult(fileChangeTrackingEnabled: false, points: [], unavailableReason: "file-change-tracking-disabled")
        }
        // Host-driven completions (slash commands, mentions) belong to a UI; this host offers none.
        router.on(RPC.sessionCompletionsGetTriggerCharacters, sessionsOf: server) { _, _ in
            return TriggerCharactersResult(triggerCharacters: [])
        }
        router.on(RPC.sessionCompletionsRequest, sessionsOf: server) { _, _ in
            return CompletionsResult(items: [])
        }
        // Sharing a session goes through GitHub: a session here is never synced, and setting its
        // visibility leaves it unsynced (the official answer for an unauthenticated user).
        router.on(RPC.sessionVisibilityGet, sessionsOf: server) { _, _ in
            return VisibilityResult(synced: false)
        }
        router.on(RPC.sessionVisibilitySet, sessionsOf: server) { params, _ in
            guard ["repo", "unshared"].contains(params.status) else {
                throw RPCError.invalidParams("\(RPC.sessionVisibilitySet.name): `status` must be repo or unshared")
            }
            return VisibilityResult(synced: false)
        }
        router.on(RPC.sessionMetadataGetContextAttribution, sessionsOf: server) { _, call in
            let host = call.host
            let compactions = host.persistedEvents.count { if case .sessionCompactionComplete = $0.payload { true } else { false } }
            return ContextAttributionResult(contextAttribution: Self.attribution(await host.engine.contextUsage, compactions: compactions))
        }
    }

    /// The official selectable-model entry for a named provider's model: `id` is `provider/id`.
    private static func selectableModel(_ model: SessionCreateParams.ProviderModel) throws -> JSONValue {
        var entry: [String: JSONValue] = [
            "id": .string(model.selectionID), "name": .string(model.name ?? model.id), "provider": .string(model.provider),
            "modelId": .string(model.modelId ?? model.id),
        ]
        if let capabilities = model.capabilities { entry["capabilities"] = try JSONValue(encoding: capabilities) }
        return .object(entry)
    }

    /// The official breakdown of `usage`: categories, and an entry for each part with its own tokens.
    private static func attribution(_ usage: SessionEngine.ContextUsage, compactions: Int) -> ContextAttributionResult.Attribution {
        let instructions = usage.instructions.reduce(0) { $0 + $1.tokens }
        let tools = usage.tools.reduce(0) { $0 + $1.tokens }
        let messages = usage.messages.reduce(0) { $0 + $1.tokens }
        let total = usage.systemPrompt + instructions + tools + messages
        var entries: [ContextAttributionResult.Attribution.Entry] = [
            .init(id: "system-prompt", kind: "systemPrompt", label: "System prompt", tokens: usage.systemPrompt),
            .init(id: "custom-instructions", kind: "customInstructions", label: "Custom instructions", tokens: instructions),
            .init(id: "system-tools", kind: "systemTools", label: "Tools", tokens: tools),
            .init(id: "messages", kind: "messages", label: "Messages", tokens: messages),
        ]
        entries += usage.instructions.enumerated().map {
            .init(id: "instruction-\($0.offset)", kind: "instructionFile", label: $0.element.path, tokens: $0.element.tokens, parentId: "custom-instructions")
        }
        entries += usage.tools.map { .init(id: "tool-\($0.name)", kind: "tool", label: $0.name, tokens: $0.tokens, parentId: "system-tools") }
        entries += usage.messages.enumerated().map {
            .init(id: "message-\($0.offset)", kind: "message", label: "\($0.element.role) message \($0.offset + 1)", tokens: $0.element.tokens, parentId: "messages")
        }
        return .init(
            totalTokens: total, limit: usage.promptLimit + usage.outputReserve, promptTokenLimit: usage.promptLimit,
            bufferTokens: usage.outputReserve, compactionThreshold: Int(Double(usage.promptLimit) * 0.8), modelId: usage.model ?? "",
            modelSource: usage.limitFromModel ? "model" : "default", compactions: .init(count: compactions),
            categories: .init(
                systemPrompt: usage.systemPrompt, customInstructions: instructions, systemTools: tools, mcpTools: 0, messages: messages,
                freeSpace: max(usage.promptLimit - total, 0), buffer: usage.outputReserve),
            entries: entries)
    }

    /// Why a remote session cannot be opened here.
    func remoteSessionsUnavailable(_ id: String?) -> String {
        let subject = id.map { "remote session \($0)" } ?? "remote sessions"
        return "\(subject) cannot be opened: remote (GitHub cloud) sessions need a GitHub login, and this runtime is BYOK-only"
            + (options.remoteSessionsRequested ? " (--remote was given and is accepted, but there is no remote service to connect to)." : ".")
    }

    /// `sessions.open`: a new session, a stored one, the most recent one (in a directory), or a live
    /// one another client holds; the remote kinds answer the unavailable-feature error.
    private func open(_ params: SessionsOpenParams, on connection: RPCConnection) async throws -> SessionsOpenResult {
        let method = RPC.sessionsOpen.name
        var options = try params.options ?? JSONValue.object([:]).decode(as: SessionCreateParams.self)
        switch params.kind {
        case "create":
            return SessionsOpenResult(status: .created, sessionId: try await createSession(options, on: connection).sessionId)
        case "resume", "resumeLast":
            let known = try await allMetadata()
            let cwd = params.context?.cwd ?? options.workingDirectory
            let id =
                params.kind == "resumeLast"
                ? known.first { cwd == nil || $0.context?.cwd == cwd }?.sessionId
                : params.sessionId.flatMap { id in known.contains { $0.sessionId == id } ? id : nil }
            guard let id else { return SessionsOpenResult(status: .notFound) }
            options.sessionId = id
            return SessionsOpenResult(status: .resumed, sessionId: try await resumeSession(options, on: connection).sessionId)
        case "attach":
            guard let id = params.sessionId, let session = try? liveSession(id, method) else { return SessionsOpenResult(status: .notFound) }
            session.subscribe(connection, asOwner: false)
            return SessionsOpenResult(status: .resumed, sessionId: id)
        case "remote", "cloud", "handoff":
            throw RPCError.unavailable(method: method, remoteSessionsUnavailable(params.remoteSessionId ?? params.sessionId))
        default:
            throw RPCError.invalidParams("\(method): `kind` must be create, resume, resumeLast, attach, remote, cloud or handoff (got `\(params.kind)`)")
        }
    }
}
