/// A typed event type, for `session.on(.assistantMessage) { message in … }`.
///
/// Each static member names one official event type and extracts its typed data.
public struct SessionEventKind<Data: Sendable>: Sendable {
    /// The official type string.
    public let type: String
    private let extract: @Sendable (SessionEvent.Payload) -> Data?

    /// A kind for `type` whose data `extract` pulls out of a payload.
    public init(type: String, extract: @escaping @Sendable (SessionEvent.Payload) -> Data?) {
        self.type = type
        self.extract = extract
    }

    /// The typed data when `event` is of this kind.
    public func data(of event: SessionEvent) -> Data? { extract(event.payload) }
}

extension SessionEventKind where Data == SessionEvent.SessionStart {
    public static var sessionStart: Self { .init(type: "session.start") { if case .sessionStart(let d) = $0 { d } else { nil } } }
}
extension SessionEventKind where Data == SessionEvent.UserMessage {
    public static var userMessage: Self { .init(type: "user.message") { if case .userMessage(let d) = $0 { d } else { nil } } }
}
extension SessionEventKind where Data == SessionEvent.AssistantTurnStart {
    public static var assistantTurnStart: Self {
        .init(type: "assistant.turn_start") { if case .assistantTurnStart(let d) = $0 { d } else { nil } }
    }
}
extension SessionEventKind where Data == SessionEvent.AssistantMessageDelta {
    public static var assistantMessageDelta: Self {
        .init(type: "assistant.message_delta") { if case .assistantMessageDelta(let d) = $0 { d } else { nil } }
    }
}
extension SessionEventKind where Data == SessionEvent.AssistantReasoningDelta {
    public static var assistantReasoningDelta: Self {
        .init(type: "assistant.reasoning_delta") { if case .assistantReasoningDelta(let d) = $0 { d } else { nil } }
    }
}
extension SessionEventKind where Data == SessionEvent.AssistantMessage {
    public static var assistantMessage: Self {
        .init(type: "assistant.message") { if case .assistantMessage(let d) = $0 { d } else { nil } }
    }
}
extension SessionEventKind where Data == SessionEvent.AssistantUsage {
    public static var assistantUsage: Self { .init(type: "assistant.usage") { if case .assistantUsage(let d) = $0 { d } else { nil } } }
}
extension SessionEventKind where Data == SessionEvent.AssistantTurnEnd {
    public static var assistantTurnEnd: Self {
        .init(type: "assistant.turn_end") { if case .assistantTurnEnd(let d) = $0 { d } else { nil } }
    }
}
extension SessionEventKind where Data == SessionEvent.ToolExecutionStart {
    public static var toolExecutionStart: Self {
        .init(type: "tool.execution_start") { if case .toolExecutionStart(let d) = $0 { d } else { nil } }
    }
}
extension SessionEventKind where Data == SessionEvent.ToolExecutionComplete {
    public static var toolExecutionComplete: Self {
        .init(type: "tool.execution_complete") { if case .toolExecutionComplete(let d) = $0 { d } else { nil } }
    }
}
extension SessionEventKind where Data == SessionEvent.PermissionRequested {
    public static var permissionRequested: Self {
        .init(type: "permission.requested") { if case .permissionRequested(let d) = $0 { d } else { nil } }
    }
}
extension SessionEventKind where Data == SessionEvent.SessionError {
    public static var sessionError: Self { .init(type: "session.error") { if case .sessionError(let d) = $0 { d } else { nil } } }
}
extension SessionEventKind where Data == SessionEvent.SessionIdle {
    public static var sessionIdle: Self { .init(type: "session.idle") { if case .sessionIdle(let d) = $0 { d } else { nil } } }
}
extension SessionEventKind where Data == SessionEvent.Abort {
    public static var abort: Self { .init(type: "abort") { if case .abort(let d) = $0 { d } else { nil } } }
}
