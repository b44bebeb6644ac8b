import CopilotCore
import CopilotProviders
import Foundation

/// Rebuilds what the model saw from a session's persisted events, so a resumed session's next
/// model call continues the same conversation.
struct ConversationReplay {
    private(set) var history: [ConversationItem] = []
    private(set) var lastPersistedID: UUID?
    private(set) var turnCount = 0
    private var pendingCalls: [String] = []

    init(_ events: [SessionEvent]) {
        for event in events { apply(event) }
        closeInterruptedCalls()
    }

    private mutating func apply(_ event: SessionEvent) {
        if !event.ephemeral { lastPersistedID = event.id }
        switch event.payload {
        case .userMessage(let message):
            closeInterruptedCalls()
            history.append(.user(message.content))
        case .assistantTurnStart(let start):
            turnCount = max(turnCount, (Int(start.turnId) ?? turnCount) + 1)
        case .assistantMessage(let message):
            closeInterruptedCalls()
            let calls = (message.toolRequests ?? []).map { request in
                ToolCall(id: request.toolCallId, name: request.name, arguments: request.arguments.stringValue ?? request.arguments.jsonString)
            }
            history.append(.assistant(text: message.content, toolCalls: calls))
            pendingCalls = calls.map(\.id)
        case .toolExecutionComplete(let done):
            guard let index = pendingCalls.firstIndex(of: done.toolCallId) else { return }
            pendingCalls.remove(at: index)
            history.append(.toolResult(callID: done.toolCallId, content: done.result?.content ?? done.error?.message ?? ""))
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
    }
}
