package import CopilotCore

/// One method of the protocol: its name and the types of its params and result. Both sides name
/// a method only through the table in ``RPC``, so a name or a payload shape cannot drift.
package struct RPCMethod<Params: Codable & Sendable, Result: Codable & Sendable>: Sendable {
    package let name: String
    package init(_ name: String) { self.name = name }
}

/// One notification of the protocol: its name and the type of its params.
package struct RPCNotification<Params: Codable & Sendable>: Sendable {
    package let name: String
    package init(_ name: String) { self.name = name }
}

/// The params of a method for one session: they name it with `sessionId`. The runtime finds the
/// session once, before the method's handler runs.
package protocol SessionScoped: Codable, Sendable {
    var sessionId: String { get }
}

extension SessionIDParams: SessionScoped {}
extension SessionSendParams: SessionScoped {}
extension ModelSwitchParams: SessionScoped {}
extension SessionLogParams: SessionScoped {}
extension PendingToolCallAnswer: SessionScoped {}
extension PendingPermissionAnswer: SessionScoped {}
extension PendingAnswerParams: SessionScoped {}
extension ModeSetParams: SessionScoped {}
extension PlanUpdateParams: SessionScoped {}
extension WorkspaceReadFileParams: SessionScoped {}
extension WorkspaceCreateFileParams: SessionScoped {}
extension NameSetParams: SessionScoped {}
extension NameSetAutoParams: SessionScoped {}
extension ReasoningEffortParams: SessionScoped {}
extension WorkingDirectoryParams: SessionScoped {}
extension ContextChangeParams: SessionScoped {}
extension ContextInfoParams: SessionScoped {}
extension RecomputeTokensParams: SessionScoped {}
extension EventLogReadParams: SessionScoped {}
extension InterestParams: SessionScoped {}
extension InterestReleaseParams: SessionScoped {}
extension ApproveAllParams: SessionScoped {}
extension OptionsUpdateParams: SessionScoped {}
extension FeatureOverridesParams: SessionScoped {}
extension ShutdownParams: SessionScoped {}
extension HistoryTruncateParams: SessionScoped {}
extension ProviderAddParams: SessionScoped {}
extension CompletionsParams: SessionScoped {}
extension VisibilitySetParams: SessionScoped {}
extension HandlerHandleParams: SessionScoped {}
extension AgentNameParams: SessionScoped {}
extension TaskStartAgentParams: SessionScoped {}
extension TaskIDParams: SessionScoped {}
extension TaskSendMessageParams: SessionScoped {}
extension FleetStartParams: SessionScoped {}
extension ShellExecParams: SessionScoped {}
extension ShellKillParams: SessionScoped {}
extension SkillNameParams: SessionScoped {}
extension ExtensionIDParams: SessionScoped {}
extension MCPOAuthLoginParams: SessionScoped {}
extension MCPServerNameParams: SessionScoped {}
extension MCPEnvValueModeParams: SessionScoped {}
extension MCPExecuteSamplingParams: SessionScoped {}
extension MCPCancelSamplingParams: SessionScoped {}
extension MCPAppsHostContextParams: SessionScoped {}
extension MCPAppsParams: SessionScoped {}
extension MCPOAuthAnswerParams: SessionScoped {}
extension UIElicitationParams: SessionScoped {}
extension HandlePendingElicitationParams: SessionScoped {}

/// Every method and notification of the Copilot CLI protocol (v3) that this package speaks.
package enum RPC {
    // MARK: Client → runtime, not tied to a session
    package static let connect = RPCMethod<ConnectParams, ConnectResult>("connect")
    package static let ping = RPCMethod<PingParams, PingResult>("ping")
    package static let statusGet = RPCMethod<EmptyParams, StatusResult>("status.get")
    package static let authGetStatus = RPCMethod<EmptyParams, AuthStatusResult>("auth.getStatus")
    package static let modelsList = RPCMethod<EmptyParams, ModelsListResult>("models.list")
    package static let runtimeShutdown = RPCMethod<EmptyParams, EmptyResult>("runtime.shutdown")
    package static let sessionCreate = RPCMethod<SessionCreateParams, SessionCreateResult>("session.create")
    package static let sessionResume = RPCMethod<SessionCreateParams, SessionCreateResult>("session.resume")
    package static let sessionList = RPCMethod<SessionListParams, SessionListResult>("session.list")
    package static let sessionGetLastId = RPCMethod<EmptyParams, SessionLastIDResult>("session.getLastId")
    package static let sessionGetMetadata = RPCMethod<SessionIDParams, SessionMetadataResult>("session.getMetadata")
    package static let sessionDelete = RPCMethod<SessionIDParams, SuccessResult>("session.delete")
    package static let sessionsFork = RPCMethod<SessionForkParams, SessionForkResult>("sessions.fork")
    package static let sessionsSave = RPCMethod<SessionIDParams, EmptyResult>("sessions.save")
    package static let sessionsOpen = RPCMethod<SessionsOpenParams, SessionsOpenResult>("sessions.open")
    /// Remote (GitHub cloud) sessions: always answered with the unavailable-feature error here.
    package static let sessionsConnect = RPCMethod<SessionIDParams, EmptyResult>("sessions.connect")
    package static let toolsList = RPCMethod<ToolsListParams, ToolsListResult>("tools.list")
    /// The Copilot CLI's settings.json: always answered with the unavailable-feature error here.
    package static let userSettingsGet = RPCMethod<EmptyParams, EmptyResult>("user.settings.get")
    package static let pluginsBuiltinSet = RPCMethod<PluginsBuiltinSetParams, EmptyResult>("plugins.builtin.set")
    package static let secretsAddFilterValues = RPCMethod<SecretValuesParams, OKResult>("secrets.addFilterValues")
    /// The calling client carries every model HTTP request from now on (see `InferenceMessages.swift`).
    package static let llmInferenceSetProvider = RPCMethod<EmptyParams, InferenceSetProviderResult>("llmInference.setProvider")
    package static let llmInferenceHTTPResponseStart = RPCMethod<InferenceResponseStartParams, InferenceAcceptedResult>(
        "llmInference.httpResponseStart")
    package static let llmInferenceHTTPResponseChunk = RPCMethod<InferenceResponseChunkParams, InferenceAcceptedResult>(
        "llmInference.httpResponseChunk")

    // MARK: Client → runtime, for one session (every params type carries `sessionId`)
    package static let sessionSend = RPCMethod<SessionSendParams, SessionSendResult>("session.send")
    package static let sessionSendAndWait = RPCMethod<SessionSendParams, SessionSendAndWaitResult>("session.sendAndWait")
    package static let sessionAbort = RPCMethod<SessionIDParams, EmptyResult>("session.abort")
    package static let sessionDetach = RPCMethod<SessionIDParams, SuccessResult>("session.detach")
    package static let sessionDestroy = RPCMethod<SessionIDParams, SuccessResult>("session.destroy")
    package static let sessionGetMessages = RPCMethod<SessionIDParams, SessionMessagesResult>("session.getMessages")
    package static let sessionModelSwitchTo = RPCMethod<ModelSwitchParams, ModelSwitchResult>("session.model.switchTo")
    package static let sessionLog = RPCMethod<SessionLogParams, SessionLogResult>("session.log")
    package static let sessionToolsHandlePendingToolCall = RPCMethod<PendingToolCallAnswer, SuccessResult>(
        "session.tools.handlePendingToolCall")
    package static let sessionPermissionsHandlePendingPermissionRequest = RPCMethod<PendingPermissionAnswer, SuccessResult>(
        "session.permissions.handlePendingPermissionRequest")

    // MARK: Client → runtime, a session's state
    package static let sessionModeGet = RPCMethod<SessionIDParams, String>("session.mode.get")
    package static let sessionModeSet = RPCMethod<ModeSetParams, ModeSetResult>("session.mode.set")
    package static let sessionPlanRead = RPCMethod<SessionIDParams, PlanReadResult>("session.plan.read")
    package static let sessionPlanUpdate = RPCMethod<PlanUpdateParams, EmptyResult>("session.plan.update")
    package static let sessionPlanDelete = RPCMethod<SessionIDParams, EmptyResult>("session.plan.delete")
    package static let sessionWorkspacesListFiles = RPCMethod<SessionIDParams, WorkspaceFilesResult>("session.workspaces.listFiles")
    package static let sessionWorkspacesReadFile = RPCMethod<WorkspaceReadFileParams, WorkspaceReadFileResult>("session.workspaces.readFile")
    package static let sessionWorkspacesCreateFile = RPCMethod<WorkspaceCreateFileParams, EmptyResult>("session.workspaces.createFile")
    package static let sessionWorkspacesGetWorkspace = RPCMethod<SessionIDParams, WorkspaceResult>("session.workspaces.getWorkspace")
    package static let sessionNameGet = RPCMethod<SessionIDParams, NameResult>("session.name.get")
    package static let sessionNameSet = RPCMethod<NameSetParams, EmptyResult>("session.name.set")
    package static let sessionNameSetAuto = RPCMethod<NameSetAutoParams, NameSetAutoResult>("session.name.setAuto")
    package static let sessionModelGetCurrent = RPCMethod<SessionIDParams, CurrentModelResult>("session.model.getCurrent")
    package static let sessionModelSetReasoningEffort = RPCMethod<ReasoningEffortParams, ReasoningEffortResult>("session.model.setReasoningEffort")
    package static let sessionMetadataSnapshot = RPCMethod<SessionIDParams, MetadataSnapshotResult>("session.metadata.snapshot")
    package static let sessionMetadataSetWorkingDirectory = RPCMethod<WorkingDirectoryParams, WorkingDirectoryResult>(
        "session.metadata.setWorkingDirectory")
    package static let sessionMetadataRecordContextChange = RPCMethod<ContextChangeParams, EmptyResult>("session.metadata.recordContextChange")
    package static let sessionMetadataIsProcessing = RPCMethod<SessionIDParams, ProcessingResult>("session.metadata.isProcessing")
    package static let sessionMetadataContextInfo = RPCMethod<ContextInfoParams, ContextInfoResult>("session.metadata.contextInfo")
    package static let sessionMetadataRecomputeContextTokens = RPCMethod<RecomputeTokensParams, RecomputeTokensResult>(
        "session.metadata.recomputeContextTokens")
    package static let sessionEventLogRead = RPCMethod<EventLogReadParams, EventLogReadResult>("session.eventLog.read")
    package static let sessionEventLogTail = RPCMethod<SessionIDParams, CursorResult>("session.eventLog.tail")
    package static let sessionEventLogRegisterInterest = RPCMethod<InterestParams, InterestResult>("session.eventLog.registerInterest")
    package static let sessionEventLogReleaseInterest = RPCMethod<InterestReleaseParams, SuccessResult>("session.eventLog.releaseInterest")
    package static let sessionPermissionsSetApproveAll = RPCMethod<ApproveAllParams, SuccessResult>("session.permissions.setApproveAll")
    package static let sessionPermissionsResetSessionApprovals = RPCMethod<SessionIDParams, SuccessResult>(
        "session.permissions.resetSessionApprovals")
    package static let sessionUsageGetMetrics = RPCMethod<SessionIDParams, UsageMetricsResult>("session.usage.getMetrics")
    package static let sessionOptionsUpdate = RPCMethod<OptionsUpdateParams, OptionsUpdateResult>("session.options.update")
    package static let sessionTelemetrySetFeatureOverrides = RPCMethod<FeatureOverridesParams, EmptyResult>(
        "session.telemetry.setFeatureOverrides")
    package static let sessionToolsInitializeAndValidate = RPCMethod<SessionIDParams, EmptyResult>("session.tools.initializeAndValidate")
    package static let sessionShutdown = RPCMethod<ShutdownParams, EmptyResult>("session.shutdown")
    package static let sessionInstructionsGetSources = RPCMethod<SessionIDParams, InstructionSourcesResult>("session.instructions.getSources")
    package static let sessionHistoryCompact = RPCMethod<SessionIDParams, HistoryCompactResult>("session.history.compact")
    package static let sessionHistoryTruncate = RPCMethod<HistoryTruncateParams, EmptyResult>("session.history.truncate")
    package static let sessionHistorySummarizeForHandoff = RPCMethod<SessionIDParams, SummaryResult>("session.history.summarizeForHandoff")
    package static let sessionHistoryCancelBackgroundCompaction = RPCMethod<SessionIDParams, CancelledResult>(
        "session.history.cancelBackgroundCompaction")
    package static let sessionHistoryAbortManualCompaction = RPCMethod<SessionIDParams, AbortedResult>("session.history.abortManualCompaction")
    package static let sessionProviderGetEndpoint = RPCMethod<SessionIDParams, ProviderEndpointResult>("session.provider.getEndpoint")
    package static let sessionModelList = RPCMethod<SessionIDParams, SessionModelListResult>("session.model.list")
    package static let sessionProviderAdd = RPCMethod<ProviderAddParams, ProviderAddResult>("session.provider.add")
    package static let sessionHistoryListRewindPoints = RPCMethod<SessionIDParams, RewindPointsResult>("session.history.listRewindPoints")
    package static let sessionVisibilityGet = RPCMethod<SessionIDParams, VisibilityResult>("session.visibility.get")
    package static let sessionVisibilitySet = RPCMethod<VisibilitySetParams, VisibilityResult>("session.visibility.set")
    package static let sessionMetadataGetContextAttribution = RPCMethod<SessionIDParams, ContextAttributionResult>(
        "session.metadata.getContextAttribution")
    package static let sessionCompletionsGetTriggerCharacters = RPCMethod<SessionIDParams, TriggerCharactersResult>(
        "session.completions.getTriggerCharacters")
    package static let sessionCompletionsRequest = RPCMethod<CompletionsParams, CompletionsResult>("session.completions.request")
    package static let sessionToolsGetCurrentMetadata = RPCMethod<SessionIDParams, CurrentToolsResult>("session.tools.getCurrentMetadata")
    package static let sessionQueuePendingItems = RPCMethod<SessionIDParams, PendingItemsResult>("session.queue.pendingItems")
    package static let sessionMCPOAuthLogin = RPCMethod<MCPOAuthLoginParams, EmptyResult>("session.mcp.oauth.login")
    package static let sessionAgentList = RPCMethod<SessionIDParams, AgentListResult>("session.agent.list")
    package static let sessionAgentGetCurrent = RPCMethod<SessionIDParams, CurrentAgentResult>("session.agent.getCurrent")
    package static let sessionAgentSelect = RPCMethod<AgentNameParams, CurrentAgentResult>("session.agent.select")
    package static let sessionAgentDeselect = RPCMethod<SessionIDParams, EmptyResult>("session.agent.deselect")
    package static let sessionAgentReload = RPCMethod<SessionIDParams, AgentListResult>("session.agent.reload")
    package static let sessionTasksList = RPCMethod<SessionIDParams, TaskListResult>("session.tasks.list")
    package static let sessionTasksStartAgent = RPCMethod<TaskStartAgentParams, TaskStartAgentResult>("session.tasks.startAgent")
    package static let sessionTasksCancel = RPCMethod<TaskIDParams, TaskCancelResult>("session.tasks.cancel")
    package static let sessionTasksRemove = RPCMethod<TaskIDParams, TaskRemoveResult>("session.tasks.remove")
    package static let sessionTasksPromoteToBackground = RPCMethod<TaskIDParams, TaskPromoteResult>("session.tasks.promoteToBackground")
    package static let sessionTasksGetProgress = RPCMethod<TaskIDParams, TaskProgressResult>("session.tasks.getProgress")
    package static let sessionTasksRefresh = RPCMethod<SessionIDParams, EmptyResult>("session.tasks.refresh")
    package static let sessionTasksWaitForPending = RPCMethod<SessionIDParams, EmptyResult>("session.tasks.waitForPending")
    package static let sessionTasksGetCurrentPromotable = RPCMethod<SessionIDParams, TaskCurrentResult>("session.tasks.getCurrentPromotable")
    package static let sessionTasksPromoteCurrentToBackground = RPCMethod<SessionIDParams, TaskCurrentResult>(
        "session.tasks.promoteCurrentToBackground")
    package static let sessionTasksSendMessage = RPCMethod<TaskSendMessageParams, TaskSendMessageResult>("session.tasks.sendMessage")
    package static let sessionFleetStart = RPCMethod<FleetStartParams, FleetStartResult>("session.fleet.start")
    package static let sessionShellExec = RPCMethod<ShellExecParams, ShellExecResult>("session.shell.exec")
    package static let sessionCommandsHandlePendingCommand = RPCMethod<PendingAnswerParams, SuccessResult>("session.commands.handlePendingCommand")
    /// Answers to requests only the official runtime leaves pending for its clients (plan exit,
    /// automatic model switches, sampling, session limits, MCP header refreshes, user input, which
    /// this one asks directly): none is ever pending here, so each answers `success: false`.
    package static let sessionPendingAnswers: [RPCMethod<PendingAnswerParams, SuccessResult>] = [
        "session.ui.handlePendingUserInput", "session.ui.handlePendingExitPlanMode", "session.ui.handlePendingAutoModeSwitch",
        "session.ui.handlePendingSampling", "session.ui.handlePendingSessionLimitsExhausted", "session.mcp.headers.handlePendingHeadersRefreshRequest",
    ].map { RPCMethod($0) }
    package static let sessionUIRegisterDirectAutoModeSwitchHandler = RPCMethod<SessionIDParams, HandlerHandleResult>(
        "session.ui.registerDirectAutoModeSwitchHandler")
    package static let sessionUIUnregisterDirectAutoModeSwitchHandler = RPCMethod<HandlerHandleParams, UnregisteredResult>(
        "session.ui.unregisterDirectAutoModeSwitchHandler")
    package static let sessionShellKill = RPCMethod<ShellKillParams, ShellKillResult>("session.shell.kill")
    package static let sessionSkillsList = RPCMethod<SessionIDParams, SkillListResult>("session.skills.list")
    package static let sessionSkillsEnable = RPCMethod<SkillNameParams, EmptyResult>("session.skills.enable")
    package static let sessionSkillsDisable = RPCMethod<SkillNameParams, EmptyResult>("session.skills.disable")
    package static let sessionSkillsReload = RPCMethod<SessionIDParams, SkillDiagnostics>("session.skills.reload")
    package static let sessionSkillsEnsureLoaded = RPCMethod<SessionIDParams, EmptyResult>("session.skills.ensureLoaded")
    package static let sessionSkillsGetInvoked = RPCMethod<SessionIDParams, InvokedSkillsResult>("session.skills.getInvoked")
    package static let sessionPluginsList = RPCMethod<SessionIDParams, PluginListResult>("session.plugins.list")
    package static let sessionExtensionsList = RPCMethod<SessionIDParams, ExtensionListResult>("session.extensions.list")
    package static let sessionExtensionsEnable = RPCMethod<ExtensionIDParams, EmptyResult>("session.extensions.enable")
    package static let sessionExtensionsDisable = RPCMethod<ExtensionIDParams, EmptyResult>("session.extensions.disable")
    package static let sessionExtensionsReload = RPCMethod<SessionIDParams, EmptyResult>("session.extensions.reload")
    package static let sessionMCPList = RPCMethod<SessionIDParams, MCPListResult>("session.mcp.list")
    package static let sessionMCPListTools = RPCMethod<MCPServerNameParams, MCPToolsResult>("session.mcp.listTools")
    package static let sessionMCPIsServerRunning = RPCMethod<MCPServerNameParams, MCPRunningResult>("session.mcp.isServerRunning")
    package static let sessionMCPStopServer = RPCMethod<MCPServerNameParams, EmptyResult>("session.mcp.stopServer")
    package static let sessionMCPStartServer = RPCMethod<MCPServerNameParams, EmptyResult>("session.mcp.startServer")
    package static let sessionMCPRestartServer = RPCMethod<MCPServerNameParams, EmptyResult>("session.mcp.restartServer")
    package static let sessionMCPEnable = RPCMethod<MCPServerNameParams, EmptyResult>("session.mcp.enable")
    package static let sessionMCPDisable = RPCMethod<MCPServerNameParams, EmptyResult>("session.mcp.disable")
    package static let sessionMCPReload = RPCMethod<SessionIDParams, EmptyResult>("session.mcp.reload")
    package static let sessionMCPSetEnvValueMode = RPCMethod<MCPEnvValueModeParams, MCPEnvValueModeResult>("session.mcp.setEnvValueMode")
    package static let sessionMCPRemoveGitHub = RPCMethod<SessionIDParams, MCPRemovedResult>("session.mcp.removeGitHub")
    package static let sessionMCPExecuteSampling = RPCMethod<MCPExecuteSamplingParams, MCPSamplingResult>("session.mcp.executeSampling")
    package static let sessionMCPCancelSamplingExecution = RPCMethod<MCPCancelSamplingParams, CancelledResult>(
        "session.mcp.cancelSamplingExecution")
    package static let sessionMCPAppsSetHostContext = RPCMethod<MCPAppsHostContextParams, EmptyResult>("session.mcp.apps.setHostContext")
    package static let sessionMCPAppsGetHostContext = RPCMethod<SessionIDParams, MCPAppsHostContextResult>("session.mcp.apps.getHostContext")
    package static let sessionMCPAppsDiagnose = RPCMethod<MCPServerNameParams, MCPAppsDiagnoseResult>("session.mcp.apps.diagnose")
    package static let sessionMCPAppsListTools = RPCMethod<MCPAppsParams, EmptyResult>("session.mcp.apps.listTools")
    package static let sessionMCPAppsCallTool = RPCMethod<MCPAppsParams, JSONValue>("session.mcp.apps.callTool")
    package static let sessionMCPOAuthHandlePendingRequest = RPCMethod<MCPOAuthAnswerParams, SuccessResult>(
        "session.mcp.oauth.handlePendingRequest")
    package static let sessionMCPAppsReadResource = RPCMethod<MCPAppsParams, EmptyResult>("session.mcp.apps.readResource")
    package static let mcpConfigList = RPCMethod<EmptyParams, MCPConfigListResult>("mcp.config.list")
    package static let mcpConfigAdd = RPCMethod<MCPConfigEntryParams, EmptyResult>("mcp.config.add")
    package static let mcpConfigUpdate = RPCMethod<MCPConfigEntryParams, EmptyResult>("mcp.config.update")
    package static let mcpConfigRemove = RPCMethod<MCPConfigNameParams, EmptyResult>("mcp.config.remove")
    package static let mcpConfigEnable = RPCMethod<MCPConfigNamesParams, EmptyResult>("mcp.config.enable")
    package static let mcpConfigDisable = RPCMethod<MCPConfigNamesParams, EmptyResult>("mcp.config.disable")
    package static let sessionUIElicitation = RPCMethod<UIElicitationParams, UIElicitationResult>("session.ui.elicitation")
    package static let sessionUIHandlePendingElicitation = RPCMethod<HandlePendingElicitationParams, SuccessResult>(
        "session.ui.handlePendingElicitation")
    package static let sessionGetForeground = RPCMethod<EmptyParams, ForegroundResult>("session.getForeground")
    package static let sessionSetForeground = RPCMethod<SessionIDParams, SuccessResult>("session.setForeground")

    // MARK: Runtime → client
    package static let hooksInvoke = RPCMethod<HookInvocationParams, HookInvocationResult>("hooks.invoke")
    package static let userInputRequest = RPCMethod<UserInputRequestParams, UserInputRequestResult>("userInput.request")
    package static let systemMessageTransform = RPCMethod<SystemMessageTransformParams, SystemMessageTransformResult>("systemMessage.transform")
    package static let providerTokenGetToken = RPCMethod<ProviderTokenParams, ProviderTokenResult>("providerToken.getToken")
    package static let llmInferenceHTTPRequestStart = RPCMethod<InferenceRequestStartParams, EmptyResult>("llmInference.httpRequestStart")
    package static let llmInferenceHTTPRequestChunk = RPCMethod<InferenceRequestChunkParams, EmptyResult>("llmInference.httpRequestChunk")

    // MARK: Notifications, runtime → client
    package static let sessionEvent = RPCNotification<SessionEventNotification>("session.event")
    package static let sessionLifecycle = RPCNotification<SessionLifecycleNotification>("session.lifecycle")
}
