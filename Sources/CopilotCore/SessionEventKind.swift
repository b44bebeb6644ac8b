/// A typed event type, for `session.on(.assistantMessage) { message in … }`.
///
/// Each static member names one ``SessionEventData`` type; its type string comes from there.
public struct SessionEventKind<Data: SessionEventData>: Sendable {
    /// The official type string.
    public var type: String { Data.eventType }

    /// The kind of events carrying `Data`.
    public init(_: Data.Type = Data.self) {}

    /// The typed data when `event` is of this kind.
    public func data(of event: SessionEvent) -> Data? { Data.extract(from: event.payload) }
}

extension SessionEventKind where Data == SessionEvent.SessionStart { public static var sessionStart: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionResume { public static var sessionResume: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionInfo { public static var sessionInfo: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionModelChange { public static var sessionModelChange: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionTaskComplete { public static var sessionTaskComplete: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionCompactionStart { public static var sessionCompactionStart: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionCompactionComplete {
    public static var sessionCompactionComplete: Self { .init() }
}
extension SessionEventKind where Data == SessionEvent.UserMessage { public static var userMessage: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.AssistantTurnStart { public static var assistantTurnStart: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.AssistantMessageStart { public static var assistantMessageStart: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.AssistantMessageDelta { public static var assistantMessageDelta: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.AssistantReasoningDelta { public static var assistantReasoningDelta: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.AssistantReasoning { public static var assistantReasoning: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.AssistantMessage { public static var assistantMessage: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.AssistantUsage { public static var assistantUsage: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.AssistantTurnEnd { public static var assistantTurnEnd: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.AssistantIntent { public static var assistantIntent: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.ToolExecutionStart { public static var toolExecutionStart: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.ToolExecutionComplete { public static var toolExecutionComplete: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.ExternalToolRequested { public static var externalToolRequested: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.ExternalToolCompleted { public static var externalToolCompleted: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.PermissionRequested { public static var permissionRequested: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.PermissionCompleted { public static var permissionCompleted: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.UserInputRequested { public static var userInputRequested: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.UserInputCompleted { public static var userInputCompleted: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.ElicitationRequested { public static var elicitationRequested: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.ElicitationCompleted { public static var elicitationCompleted: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.CapabilitiesChanged { public static var capabilitiesChanged: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.CommandsChanged { public static var commandsChanged: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.MCPOAuthRequired { public static var mcpOAuthRequired: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.MCPOAuthCompleted { public static var mcpOAuthCompleted: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.MCPServersLoaded { public static var mcpServersLoaded: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.MCPServerStatusChanged { public static var mcpServerStatusChanged: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SkillInvoked { public static var skillInvoked: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SubagentStarted { public static var subagentStarted: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SubagentCompleted { public static var subagentCompleted: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SubagentFailed { public static var subagentFailed: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SubagentSelected { public static var subagentSelected: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SubagentDeselected { public static var subagentDeselected: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.HookStart { public static var hookStart: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.HookEnd { public static var hookEnd: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionError { public static var sessionError: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionWarning { public static var sessionWarning: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionIdle { public static var sessionIdle: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.Abort { public static var abort: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionModeChanged { public static var sessionModeChanged: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionPlanChanged { public static var sessionPlanChanged: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionTitleChanged { public static var sessionTitleChanged: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionWorkspaceFileChanged { public static var sessionWorkspaceFileChanged: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionContextChanged { public static var sessionContextChanged: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionUsageInfo { public static var sessionUsageInfo: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.PendingMessagesModified { public static var pendingMessagesModified: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.ToolExecutionPartialResult { public static var toolExecutionPartialResult: Self { .init() } }
extension SessionEventKind where Data == SessionEvent.SessionShutdown { public static var sessionShutdown: Self { .init() } }
