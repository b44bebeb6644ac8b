import CopilotCore
import CopilotProviders
import Foundation

/// Rebuilds what the model saw from a session's persisted events, so a resumed session's next
/// model call continues the same conversation.
struct ConversationReplay {
    private(set) var history: [ConversationItem] = []
    private(set) var lastPersistedID: UUID?
    private(set) var turnCount = 0
    /// Whether the log ends in a turn the process never finished: a user message with no reply,
    /// abort or error after it (the process was killed mid-turn). The resumed session says so.
    private(set) var endsInterrupted = false
    private var pendingCalls: [String] = []
    /// Messages that follow the current turn's results (skills it loaded).
    private var followUps: [String] = []
    /// A user message waits for its turn's reply, abort or error.
    private var unanswered = false

    /// What the model reads in place of the reply a killed turn never gave, so the next request
    /// does not carry two user messages in a row. Said once per interrupted turn.
    static let interruptionMarker = "[The previous turn was interrupted: the runtime stopped before it replied.]"

    init(_ events: [SessionEvent]) {
        for event in events { apply(event) }
        closeInterruptedCalls()
        endsInterrupted = unanswered
        closeInterruptedTurn()
    }

    private mutating func apply(_ event: SessionEvent) {
        if !event.ephemeral { lastPersistedID = event.id }
        // A sub-agent's events are its own conversation, not the main agent's.
        guard event.agentId == nil else { return }
        switch event.payload {
        case .userMessage(let message):
            closeInterruptedCalls()
            history.append(.user(message.transformedContent ?? message.content))
            unanswered = true
        case .sessionResume:
            // The process that ran the session before this resume stopped: a turn it left open was killed.
            closeInterruptedCalls()
            closeInterruptedTurn()
        case .abort, .sessionError:
            unanswered = false
        case .assistantTurnStart(let start):
            turnCount = max(turnCount, (Int(start.turnId) ?? turnCount) + 1)
        case .assistantMessage(let message):
            closeInterruptedCalls()
            let calls = (message.toolRequests ?? []).map { request in
                ToolCall(id: request.toolCallId, name: request.name, arguments: request.arguments.stringValue ?? request.arguments.jsonString)
            }
            history.append(.assistant(text: message.content, toolCalls: calls))
            pendingCalls = calls.map(\.id)
            unanswered = false
        case .toolExecutionComplete(let done):
            guard let index = pendingCalls.firstIndex(of: done.toolCallId) else { return }
            pendingCalls.remove(at: index)
            history.append(.toolResult(callID: done.toolCallId, content: done.result?.content ?? done.error?.message ?? ""))
            if pendingCalls.isEmpty { appendFollowUps() }
        case .skillInvoked(let skill) where skill.trigger != "context-load":
            // A skill's instructions follow the results of the turn that loaded it.
            followUps.append(skill.content)
        case .sessionCompactionComplete(let compaction):
            guard compaction.success, let summary = compaction.summaryContent else { return }
            // Compaction replaced everything before the latest user message with the summary.
            let split = history.lastIndex { if case .user = $0 { true } else { false } } ?? history.count
            history.replaceSubrange(..<split, with: [.user("Summary of the conversation so far:\n" + summary)])
        default:
            break
        }
    }

    /// Tool calls that never got a result (the process stopped mid-tool) get the interrupted text,
    /// as every provider needs one result per call.
    private mutating func closeInterruptedCalls() {
        for id in pendingCalls {
            history.append(.toolResult(callID: id, content: "The execution of this tool, or a previous tool was interrupted."))
        }
        pendingCalls.removeAll()
        appendFollowUps()
    }

    private mutating func appendFollowUps() {
        history.append(contentsOf: followUps.map { .user($0) })
        followUps.removeAll()
    }

    private mutating func closeInterruptedTurn() {
        guard unanswered else { return }
        history.append(.assistant(text: Self.interruptionMarker, toolCalls: []))
        unanswered = false
    }
}
