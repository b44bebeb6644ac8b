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
        router.on(RPC.sessionModeGet) { [unowned server] params, _ in
            try await server.liveEngine(params.sessionId, RPC.sessionModeGet.name).mode
        }
        router.on(RPC.sessionModeSet) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionModeSet.name)
            try await invalidParams(RPC.sessionModeSet.name) { try await engine.setMode(params.mode) }
            return ModeSetResult()
        }

        // MARK: Plan and workspace files
        router.on(RPC.sessionPlanRead) { [unowned server] params, _ in
            let workspace = try server.workspace(params.sessionId, RPC.sessionPlanRead.name)
            let content = workspace.readPlan()
            return PlanReadResult(exists: content != nil, content: content, path: content == nil ? nil : workspace.planURL.path)
        }
        router.on(RPC.sessionPlanUpdate) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionPlanUpdate.name)
            let created = try await invalidParams(RPC.sessionPlanUpdate.name) {
                try server.workspace(params.sessionId, RPC.sessionPlanUpdate.name).writePlan(params.content)
            }
            await engine.publish(.sessionPlanChanged(.init(operation: created ? "create" : "update")))
            return EmptyResult()
        }
        router.on(RPC.sessionPlanDelete) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionPlanDelete.name)
            if try server.workspace(params.sessionId, RPC.sessionPlanDelete.name).deletePlan() {
                await engine.publish(.sessionPlanChanged(.init(operation: "delete")))
            }
            return EmptyResult()
        }
        router.on(RPC.sessionWorkspacesListFiles) { [unowned server] params, _ in
            WorkspaceFilesResult(files: try server.workspace(params.sessionId, RPC.sessionWorkspacesListFiles.name).listFiles())
        }
        router.on(RPC.sessionWorkspacesReadFile) { [unowned server] params, _ in
            let workspace = try server.workspace(params.sessionId, RPC.sessionWorkspacesReadFile.name)
            return WorkspaceReadFileResult(content: try await invalidParams(RPC.sessionWorkspacesReadFile.name) { try workspace.readFile(params.path) })
        }
        router.on(RPC.sessionWorkspacesCreateFile) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionWorkspacesCreateFile.name)
            let workspace = try server.workspace(params.sessionId, RPC.sessionWorkspacesCreateFile.name)
            let created = try await invalidParams(RPC.sessionWorkspacesCreateFile.name) { try workspace.writeFile(params.path, content: params.content) }
            await engine.publish(.sessionWorkspaceFileChanged(.init(path: params.path, operation: created ? "create" : "update")))
            return EmptyResult()
        }
        router.on(RPC.sessionWorkspacesGetWorkspace) { [unowned server] params, _ in
            let (workspace, summary) = try await server.workspaceSummary(params.sessionId, RPC.sessionWorkspacesGetWorkspace.name)
            return WorkspaceResult(path: workspace.root.path, workspace: summary)
        }

        // MARK: Name and model
        router.on(RPC.sessionNameGet) { [unowned server] params, _ in
            NameResult(name: try await server.liveEngine(params.sessionId, RPC.sessionNameGet.name).name)
        }
        router.on(RPC.sessionNameSet) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionNameSet.name)
            try await invalidParams(RPC.sessionNameSet.name) { try await engine.setName(params.name) }
            return EmptyResult()
        }
        router.on(RPC.sessionNameSetAuto) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionNameSetAuto.name)
            return NameSetAutoResult(applied: await engine.setAutomaticName(params.summary))
        }
        router.on(RPC.sessionModelGetCurrent) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionModelGetCurrent.name)
            return CurrentModelResult(modelId: await engine.model, reasoningEffort: await engine.reasoningEffort)
        }
        router.on(RPC.sessionModelSetReasoningEffort) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionModelSetReasoningEffort.name)
            try await invalidParams(RPC.sessionModelSetReasoningEffort.name) { try await engine.setReasoningEffort(params.reasoningEffort) }
            return ReasoningEffortResult(reasoningEffort: await engine.reasoningEffort ?? params.reasoningEffort)
        }

        // MARK: Metadata
        router.on(RPC.sessionMetadataSnapshot) { [unowned server] params, _ in
            let host = try server.liveHost(params.sessionId, RPC.sessionMetadataSnapshot.name)
            let (workspace, summary) = try await server.workspaceSummary(params.sessionId, RPC.sessionMetadataSnapshot.name)
            let metadata = host.metadata
            return MetadataSnapshotResult(
                sessionId: params.sessionId, startTime: EventTimestamp.format(metadata.createdAt), modifiedTime: EventTimestamp.format(metadata.modifiedAt),
                currentMode: await host.engine.mode,
                workingDirectory: await host.engine.workingDirectory ?? FileManager.default.currentDirectoryPath,
                selectedModel: await host.engine.model, clientName: summary.clientName, summary: metadata.summary, workspace: summary,
                workspacePath: workspace.root.path)
        }
        router.on(RPC.sessionMetadataSetWorkingDirectory) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionMetadataSetWorkingDirectory.name)
            let directory = try await invalidParams(RPC.sessionMetadataSetWorkingDirectory.name) { try await engine.setWorkingDirectory(params.workingDirectory) }
            return WorkingDirectoryResult(workingDirectory: directory)
        }
        router.on(RPC.sessionMetadataRecordContextChange) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionMetadataRecordContextChange.name)
            // A context for another directory than the session's is not this session's to report.
            if await engine.workingDirectory.map({ Self.sameDirectory($0, params.context.cwd) }) ?? true {
                await engine.recordContextChange(params.context)
            }
            return EmptyResult()
        }
        router.on(RPC.sessionMetadataIsProcessing) { [unowned server] params, _ in
            ProcessingResult(processing: try await server.liveEngine(params.sessionId, RPC.sessionMetadataIsProcessing.name).isProcessing)
        }
        router.on(RPC.sessionMetadataContextInfo) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionMetadataContextInfo.name)
            let tokens = await engine.contextTokens
            let model = await engine.model
            let limit = max(params.promptTokenLimit, 1)
            return ContextInfoResult(contextInfo: .init(
                modelName: params.selectedModel ?? model, limit: limit + max(params.outputTokenLimit, 0), promptTokenLimit: limit,
                bufferTokens: max(params.outputTokenLimit, 0), compactionThreshold: Int(Double(limit) * 0.8), systemTokens: tokens.system,
                conversationTokens: tokens.conversation, toolDefinitionsTokens: tokens.tools))
        }
        router.on(RPC.sessionMetadataRecomputeContextTokens) { [unowned server] params, _ in
            let tokens = try await server.liveEngine(params.sessionId, RPC.sessionMetadataRecomputeContextTokens.name).contextTokens
            return RecomputeTokensResult(systemTokenCount: tokens.system + tokens.tools, messagesTokenCount: tokens.conversation)
        }

        // MARK: Event log
        router.on(RPC.sessionEventLogTail) { [unowned server] params, _ in
            CursorResult(cursor: String(try server.liveHost(params.sessionId, RPC.sessionEventLogTail.name).persistedEvents.count))
        }
        router.on(RPC.sessionEventLogRead) { [unowned server] params, _ in try await server.readEventLog(params) }
        router.on(RPC.sessionEventLogRegisterInterest) { [unowned server] params, _ in
            let session = try server.liveSession(params.sessionId, RPC.sessionEventLogRegisterInterest.name)
            // Every event reaches every listening client; an interest says a client acts on one.
            // For `mcp.oauth_required` that means tokens can be had now: servers waiting try again.
            if session.registerInterest(in: params.eventType), params.eventType == SessionEvent.MCPOAuthRequired.eventType {
                await session.engine?.retryMCPAuthorization()
            }
            return InterestResult(handle: UUID().uuidString.lowercased())
        }
        router.on(RPC.sessionEventLogReleaseInterest) { [unowned server] params, _ in
            _ = try server.liveHost(params.sessionId, RPC.sessionEventLogReleaseInterest.name)
            return SuccessResult(success: true)
        }

        // MARK: Permissions, usage, options
        router.on(RPC.sessionPermissionsSetApproveAll) { [unowned server] params, _ in
            try await server.liveEngine(params.sessionId, RPC.sessionPermissionsSetApproveAll.name).setApproveAll(params.enabled)
            return SuccessResult(success: true)
        }
        router.on(RPC.sessionPermissionsResetSessionApprovals) { [unowned server] params, _ in
            try await server.liveEngine(params.sessionId, RPC.sessionPermissionsResetSessionApprovals.name).resetSessionApprovals()
            return SuccessResult(success: true)
        }
        router.on(RPC.sessionUsageGetMetrics) { [unowned server] params, _ in
            let host = try server.liveHost(params.sessionId, RPC.sessionUsageGetMetrics.name)
            let metrics = await host.engine.metrics
            let requests = host.persistedEvents.count { if case .userMessage = $0.payload { true } else { false } }
            return UsageMetricsResult(
                sessionStartTime: EventTimestamp.format(host.metadata.createdAt), totalApiDurationMs: SessionEngine.milliseconds(metrics.apiDuration),
                totalUserRequests: requests, lastCallInputTokens: metrics.lastInput, lastCallOutputTokens: metrics.lastOutput,
                modelMetrics: metrics.byModel, currentModel: await host.engine.model)
        }
        router.on(RPC.sessionOptionsUpdate) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionOptionsUpdate.name)
            try await invalidParams(RPC.sessionOptionsUpdate.name) {
                if let directory = params.workingDirectory { try await engine.setWorkingDirectory(directory) }
                if let effort = params.reasoningEffort { try await engine.setReasoningEffort(effort) }
                if let model = params.model { try await engine.switchModel(to: model) }
            }
            return OptionsUpdateResult(success: true)
        }
        router.on(RPC.sessionTelemetrySetFeatureOverrides) { [unowned server] params, _ in
            try await server.liveEngine(params.sessionId, RPC.sessionTelemetrySetFeatureOverrides.name).setFeatureOverrides(params.features)
            return EmptyResult()
        }
        router.on(RPC.sessionToolsInitializeAndValidate) { [unowned server] params, _ in
            // Tools are validated when the session is created; a live session's tools are ready.
            _ = try server.liveHost(params.sessionId, RPC.sessionToolsInitializeAndValidate.name)
            return EmptyResult()
        }
        router.on(RPC.sessionInstructionsGetSources) { [unowned server] params, _ in
            let host = try server.liveHost(params.sessionId, RPC.sessionInstructionsGetSources.name)
            return InstructionSourcesResult(sources: await host.engine.instructionSources.map { source in
                .init(id: source.path, label: (source.path as NSString).lastPathComponent, sourcePath: source.path, content: source.content,
                      location: "working-directory", type: "repo")
            })
        }
        router.on(RPC.sessionProviderGetEndpoint) { [unowned server] params, connection in
            let session = try server.liveSession(params.sessionId, RPC.sessionProviderGetEndpoint.name)
            guard let provider = session.provider else { throw RPCError.sessionNotFound(method: RPC.sessionProviderGetEndpoint.name, params.sessionId) }
            // The key and header values go back only to the client that sent them; another client of
            // the session (or any client, for the server's own provider) learns where calls go, not how.
            let sender = session.sentProvider(connection)
            return ProviderEndpointResult(
                type: provider.resolvedType.rawValue, baseUrl: sender ? provider.baseURL : provider.displayBaseURL,
                wireApi: provider.resolvedType == .anthropic ? nil : provider.resolvedWireAPI.rawValue,
                apiKey: sender ? provider.bearerToken ?? provider.apiKey : nil,
                headers: sender ? provider.headers ?? [:] : (provider.headers ?? [:]).mapValues { _ in SecretRedactor.placeholder })
        }

        // MARK: History and shutdown
        router.on(RPC.sessionHistoryCompact) { [unowned server] params, _ in
            let engine = try server.liveEngine(params.sessionId, RPC.sessionHistoryCompact.name)
            do {
                let (removed, tokens, summary) = try await engine.compactNow()
                return HistoryCompactResult(success: true, messagesRemoved: removed, tokensRemoved: tokens, summaryContent: summary)
            } catch {
                throw RPCError.internalError(method: RPC.sessionHistoryCompact.name, (error as? CopilotError)?.message ?? String(describing: error))
            }
        }
        router.on(RPC.sessionHistoryTruncate) { [unowned server] params, _ in
            let host = try server.liveHost(params.sessionId, RPC.sessionHistoryTruncate.name)
            guard host.persistedEvents.contains(where: { $0.id.uuidString.lowercased() == params.eventId.lowercased() }) else {
                throw RPCError.invalidParams("\(RPC.sessionHistoryTruncate.name): Event \(params.eventId) not found in session \(params.sessionId).")
            }
            throw RPCError(code: -32603, message: "\(RPC.sessionHistoryTruncate.name): this runtime keeps a session's log append-only and cannot remove events from it; fork the session instead.")
        }
        router.on(RPC.sessionHistorySummarizeForHandoff) { [unowned server] params, _ in
            let host = try server.liveHost(params.sessionId, RPC.sessionHistorySummarizeForHandoff.name)
            // The handoff summary is the conversation's last answer; an empty conversation has none.
            let last = host.persistedEvents.last { if case .assistantMessage(let message) = $0.payload { !message.content.isEmpty } else { false } }
            if case .assistantMessage(let message)? = last?.payload { return SummaryResult(summary: message.content) }
            return SummaryResult(summary: "")
        }
        router.on(RPC.sessionHistoryCancelBackgroundCompaction) { [unowned server] params, _ in
            _ = try server.liveHost(params.sessionId, RPC.sessionHistoryCancelBackgroundCompaction.name)
            return CancelledResult(cancelled: false)  // compaction here runs in line with a turn, never in the background
        }
        router.on(RPC.sessionHistoryAbortManualCompaction) { [unowned server] params, _ in
            _ = try server.liveHost(params.sessionId, RPC.sessionHistoryAbortManualCompaction.name)
            return AbortedResult(aborted: false)  // `session.history.compact` finishes before it answers
        }
        router.on(RPC.sessionShutdown) { [unowned server] params, _ in
            let session = try server.liveSession(params.sessionId, RPC.sessionShutdown.name)
            await session.engine?.reportShutdown(type: params.type ?? "routine", reason: params.reason)
            await server.release(session)
            return EmptyResult()
        }
        router.on(RPC.sessionGetForeground) { _, _ in ForegroundResult(sessionId: nil) }
        router.on(RPC.sessionSetForeground) { _, _ in
            SuccessResult(success: false, error: "There is no foreground session: this runtime is a headless server, not a TUI.")
        }
    }

    private static func sameDirectory(_ lhs: String, _ rhs: String) -> Bool {
        URL(fileURLWithPath: lhs).standardizedFileURL.resolvingSymlinksInPath().path
            == URL(fileURLWithPath: rhs).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Runs `body`, turning a refusal of the client's input into -32602 with its message.
    private static func invalidParams<T>(_ method: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CopilotError {
            throw RPCError.invalidParams("\(method): \(error.message)")
        } catch let error as WorkspaceError {
            throw RPCError.invalidParams("\(method): \(error.message)")
        }
    }

    /// The events after `cursor` (a position in the persisted log), waiting up to `waitMs` for one.
    private func readEventLog(_ params: EventLogReadParams) async throws -> EventLogReadResult {
        let method = RPC.sessionEventLogRead.name
        let host = try liveHost(params.sessionId, method)
        let limit = min(max(params.max ?? 200, 1), 1000)
        let wanted: Set<String>? = params.types?.arrayValue.map { Set($0.compactMap(\.stringValue)) }
        func matching(_ events: ArraySlice<SessionEvent>) -> [SessionEvent] {
            events.filter { wanted?.contains($0.type) ?? true }
        }
        var all = host.persistedEvents
        var start = 0
        var status = "ok"
        if let cursor = params.cursor {
            if let position = Int(cursor), (0...all.count).contains(position) { start = position } else { status = "expired" }
        }
        if params.direction == "backward" {
            let end = params.cursor == nil || status == "expired" ? all.count : start
            let chosen = Array(matching(all[..<end]).suffix(limit).reversed())
            let first = chosen.last.flatMap { event in all.firstIndex { $0.id == event.id } } ?? end
            return EventLogReadResult(events: chosen, cursor: String(first), cursorStatus: status, hasMore: matching(all[..<first]).count > 0)
        }
        let deadline = ContinuousClock.now + .milliseconds(min(max(params.waitMs ?? 0, 0), 30_000))
        while matching(all[start...]).isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            all = host.persistedEvents
        }
        let found = matching(all[start...])
        let chosen = Array(found.prefix(limit))
        let next = chosen.last.flatMap { event in all.firstIndex { $0.id == event.id }.map { $0 + 1 } } ?? all.count
        return EventLogReadResult(events: chosen, cursor: String(next), cursorStatus: status, hasMore: found.count > chosen.count)
    }
}
