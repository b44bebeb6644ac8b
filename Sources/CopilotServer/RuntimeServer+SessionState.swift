import CopilotCore
import CopilotProtocol
import CopilotProviders
import CopilotRuntime
import Foundation

/// The session-state methods: mode, plan, workspace files, name, model, metadata, event log,
/// permissions, usage, options and shutdown. Each reads or changes the session's engine or
/// workspace; changes are announced with the official events.
extension RuntimeServer {
    static func addSessionStateMethods(to router: inout RPCRouter, _ server: RuntimeServer) {
        router.on(RPC.sessionModeGet, sessionsOf: server) { _, call in await call.engine.mode }
        router.on(RPC.sessionModeSet, sessionsOf: server) { params, call in
            try await invalidParams(call.method) { try await call.engine.setMode(params.mode) }
            return ModeSetResult()
        }

        // MARK: Plan and workspace files
        router.on(RPC.sessionPlanRead, sessionsOf: server) { _, call in
            let content = call.host.readPlan()
            return PlanReadResult(exists: content != nil, content: content, path: content == nil ? nil : call.host.workspace.planURL.path)
        }
        router.on(RPC.sessionPlanUpdate, sessionsOf: server) { params, call in
            try await invalidParams(call.method) { try await call.host.updatePlan(params.content) }
            return EmptyResult()
        }
        router.on(RPC.sessionPlanDelete, sessionsOf: server) { _, call in
            try await invalidParams(call.method) { try await call.host.deletePlan() }
            return EmptyResult()
        }
        router.on(RPC.sessionWorkspacesListFiles, sessionsOf: server) { _, call in WorkspaceFilesResult(files: call.host.workspaceFiles()) }
        router.on(RPC.sessionWorkspacesReadFile, sessionsOf: server) { params, call in
            WorkspaceReadFileResult(content: try await invalidParams(call.method) { try call.host.readWorkspaceFile(params.path) })
        }
        router.on(RPC.sessionWorkspacesCreateFile, sessionsOf: server) { params, call in
            try await invalidParams(call.method) { try await call.host.writeWorkspaceFile(params.path, content: params.content) }
            return EmptyResult()
        }
        router.on(RPC.sessionWorkspacesGetWorkspace, sessionsOf: server) { _, call in
            let snapshot = await call.host.snapshot()
            return WorkspaceResult(path: snapshot.workspacePath, workspace: workspaceSummary(snapshot, call))
        }

        // MARK: Name and model
        router.on(RPC.sessionNameGet, sessionsOf: server) { _, call in NameResult(name: await call.engine.name) }
        router.on(RPC.sessionNameSet, sessionsOf: server) { params, call in
            try await invalidParams(call.method) { try await call.engine.setName(params.name) }
            return EmptyResult()
        }
        router.on(RPC.sessionNameSetAuto, sessionsOf: server) { params, call in
            NameSetAutoResult(applied: await call.engine.setAutomaticName(params.summary))
        }
        router.on(RPC.sessionModelGetCurrent, sessionsOf: server) { _, call in
            CurrentModelResult(modelId: await call.engine.model, reasoningEffort: await call.engine.reasoningEffort)
        }
        router.on(RPC.sessionModelSetReasoningEffort, sessionsOf: server) { params, call in
            try await invalidParams(call.method) { try await call.engine.setReasoningEffort(params.reasoningEffort) }
            return ReasoningEffortResult(reasoningEffort: await call.engine.reasoningEffort ?? params.reasoningEffort)
        }

        // MARK: Metadata
        router.on(RPC.sessionMetadataSnapshot, sessionsOf: server) { _, call in
            let snapshot = await call.host.snapshot()
            return MetadataSnapshotResult(
                sessionId: snapshot.sessionId, startTime: EventTimestamp.format(snapshot.createdAt),
                modifiedTime: EventTimestamp.format(snapshot.modifiedAt), currentMode: snapshot.mode, workingDirectory: snapshot.workingDirectory,
                selectedModel: snapshot.model, clientName: call.session.clientName, summary: snapshot.summary,
                workspace: workspaceSummary(snapshot, call), workspacePath: snapshot.workspacePath)
        }
        router.on(RPC.sessionMetadataSetWorkingDirectory, sessionsOf: server) { params, call in
            let directory = try await invalidParams(call.method) { try await call.engine.setWorkingDirectory(params.workingDirectory) }
            return WorkingDirectoryResult(workingDirectory: directory)
        }
        router.on(RPC.sessionMetadataRecordContextChange, sessionsOf: server) { params, call in
            // A context for another directory than the session's is not this session's to report.
            if await call.engine.workingDirectory.map({ Self.sameDirectory($0, params.context.cwd) }) ?? true {
                await call.engine.recordContextChange(params.context)
            }
            return EmptyResult()
        }
        router.on(RPC.sessionMetadataIsProcessing, sessionsOf: server) { _, call in ProcessingResult(processing: await call.engine.isProcessing) }
        router.on(RPC.sessionMetadataContextInfo, sessionsOf: server) { params, call in
            let tokens = await call.host.contextTokens()
            let limit = max(params.promptTokenLimit, 1)
            let model = await call.engine.model
            return ContextInfoResult(contextInfo: .init(
                modelName: params.selectedModel ?? model, limit: limit + max(params.outputTokenLimit, 0),
                promptTokenLimit: limit, bufferTokens: max(params.outputTokenLimit, 0), compactionThreshold: Int(Double(limit) * 0.8),
                systemTokens: tokens.system, conversationTokens: tokens.conversation, toolDefinitionsTokens: tokens.tools))
        }
        router.on(RPC.sessionMetadataRecomputeContextTokens, sessionsOf: server) { _, call in
            let tokens = await call.host.contextTokens()
            return RecomputeTokensResult(systemTokenCount: tokens.system + tokens.tools, messagesTokenCount: tokens.conversation)
        }

        // MARK: Event log
        router.on(RPC.sessionEventLogTail, sessionsOf: server) { _, call in CursorResult(cursor: call.host.eventLogTail()) }
        router.on(RPC.sessionEventLogRead, sessionsOf: server) { params, call in
            let page = await call.host.readEventLog(
                after: params.cursor, direction: params.direction == "backward" ? .backward : .forward,
                types: params.types?.arrayValue.map { Set($0.compactMap(\.stringValue)) }, limit: params.max ?? 200,
                wait: .milliseconds(params.waitMs ?? 0))
            return EventLogReadResult(events: page.events, cursor: page.cursor, cursorStatus: page.expired ? "expired" : "ok", hasMore: page.hasMore)
        }
        router.on(RPC.sessionEventLogRegisterInterest, sessionsOf: server) { params, call in
            // Every event reaches every listening client; an interest says a client acts on one.
            // For `mcp.oauth_required` that means tokens can be had now: servers waiting try again.
            if call.session.registerInterest(in: params.eventType), params.eventType == SessionEvent.MCPOAuthRequired.eventType {
                await call.engine.retryMCPAuthorization()
            }
            return InterestResult(handle: UUID().uuidString.lowercased())
        }
        router.on(RPC.sessionEventLogReleaseInterest, sessionsOf: server) { _, _ in SuccessResult(success: true) }

        // MARK: Permissions, usage, options
        router.on(RPC.sessionPermissionsSetApproveAll, sessionsOf: server) { params, call in
            await call.engine.setApproveAll(params.enabled)
            return SuccessResult(success: true)
        }
        router.on(RPC.sessionPermissionsResetSessionApprovals, sessionsOf: server) { _, call in
            await call.engine.resetSessionApprovals()
            return SuccessResult(success: true)
        }
        router.on(RPC.sessionUsageGetMetrics, sessionsOf: server) { _, call in
            let usage = await call.host.usage()
            return UsageMetricsResult(
                sessionStartTime: EventTimestamp.format(usage.startedAt), totalApiDurationMs: SessionEngine.milliseconds(usage.apiDuration),
                totalUserRequests: usage.userRequests, lastCallInputTokens: usage.lastCallInputTokens,
                lastCallOutputTokens: usage.lastCallOutputTokens, modelMetrics: usage.byModel, currentModel: usage.currentModel)
        }
        router.on(RPC.sessionOptionsUpdate, sessionsOf: server) { params, call in
            try await invalidParams(call.method) {
                if let directory = params.workingDirectory { try await call.engine.setWorkingDirectory(directory) }
                if let effort = params.reasoningEffort { try await call.engine.setReasoningEffort(effort) }
                if let model = params.model { try await call.engine.switchModel(to: model) }
            }
            return OptionsUpdateResult(success: true)
        }
        router.on(RPC.sessionTelemetrySetFeatureOverrides, sessionsOf: server) { params, call in
            await call.engine.setFeatureOverrides(params.features)
            return EmptyResult()
        }
        // Tools are validated when the session is created; a live session's tools are ready.
        router.on(RPC.sessionToolsInitializeAndValidate, sessionsOf: server) { _, _ in EmptyResult() }
        router.on(RPC.sessionInstructionsGetSources, sessionsOf: server) { _, call in
            InstructionSourcesResult(sources: await call.host.instructionSources().map { source in
                .init(id: source.path, label: (source.path as NSString).lastPathComponent, sourcePath: source.path, content: source.content,
                      location: "working-directory", type: "repo")
            })
        }
        router.on(RPC.sessionProviderGetEndpoint, sessionsOf: server) { params, call in
            guard let provider = call.session.provider else { throw RPCError.sessionNotFound(method: call.method, params.sessionId) }
            // The key and header values go back only to the client that sent them; another client of
            // the session (or any client, for the server's own provider) learns where calls go, not how.
            let sender = call.session.sentProvider(call.connection)
            return ProviderEndpointResult(
                type: provider.resolvedType.rawValue, baseUrl: sender ? provider.baseURL : provider.displayBaseURL,
                wireApi: provider.speaksWireAPI ? provider.resolvedWireAPI.rawValue : nil,
                apiKey: sender ? provider.bearerToken ?? provider.apiKey : nil,
                headers: sender ? provider.headers ?? [:] : (provider.headers ?? [:]).mapValues { _ in SecretRedactor.placeholder })
        }

        // MARK: History and shutdown
        router.on(RPC.sessionHistoryCompact, sessionsOf: server) { _, call in
            do {
                let (removed, tokens, summary) = try await call.engine.compactNow()
                return HistoryCompactResult(success: true, messagesRemoved: removed, tokensRemoved: tokens, summaryContent: summary)
            } catch {
                throw RPCError.internalError(method: call.method, (error as? CopilotError)?.message ?? String(describing: error))
            }
        }
        router.on(RPC.sessionHistoryTruncate, sessionsOf: server) { params, call in
            guard call.host.persistedEvents.contains(where: { $0.id.uuidString.lowercased() == params.eventId.lowercased() }) else {
                throw RPCError.invalidParams("\(call.method): Event \(params.eventId) not found in session \(params.sessionId).")
            }
            throw RPCError(code: -32603, message: "\(call.method): this runtime keeps a session's log append-only and cannot remove events from it; fork the session instead.")
        }
        router.on(RPC.sessionHistorySummarizeForHandoff, sessionsOf: server) { _, call in SummaryResult(summary: call.host.summarizeForHandoff()) }
        // Compaction here runs in line with a turn, never in the background, and
        // `session.history.compact` finishes before it answers: there is never one to stop.
        router.on(RPC.sessionHistoryCancelBackgroundCompaction, sessionsOf: server) { _, _ in CancelledResult(cancelled: false) }
        router.on(RPC.sessionHistoryAbortManualCompaction, sessionsOf: server) { _, _ in AbortedResult(aborted: false) }
        router.on(RPC.sessionShutdown, sessionsOf: server) { [unowned server] params, call in
            await call.engine.reportShutdown(type: params.type ?? "routine", reason: params.reason)
            await server.release(call.session)
            return EmptyResult()
        }
        router.on(RPC.sessionGetForeground) { _, _ in ForegroundResult(sessionId: nil) }
        router.on(RPC.sessionSetForeground) { _, _ in
            SuccessResult(success: false, error: "There is no foreground session: this runtime is a headless server, not a TUI.")
        }
    }

    /// The official `Workspace` object of a session's folder.
    private static func workspaceSummary(_ snapshot: SessionSnapshot, _ call: SessionCall) -> WorkspaceResult.Workspace {
        WorkspaceResult.Workspace(
            id: snapshot.sessionId, cwd: snapshot.workingDirectory, name: snapshot.name, createdAt: EventTimestamp.format(snapshot.createdAt),
            updatedAt: EventTimestamp.format(snapshot.modifiedAt), clientName: call.session.clientName)
    }

    private static func sameDirectory(_ lhs: String, _ rhs: String) -> Bool {
        URL(fileURLWithPath: lhs).standardizedFileURL.resolvingSymlinksInPath().path
            == URL(fileURLWithPath: rhs).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Runs `body`, turning a refusal of the client's input into -32602 with its message, and
    /// any other failure (a disk that cannot be written) into -32603.
    static func invalidParams<T>(_ method: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CopilotError where error.code == .invalidInput {
            throw RPCError.invalidParams("\(method): \(error.message)")
        } catch let error as CopilotError {
            throw RPCError.internalError(method: method, error.message)
        }
    }
}
