package import CopilotCore

/// How one sent message ended: the `session.idle` that closed it, the last root `assistant.message`
/// before that, and the `session.error` that failed it, if any. The one rule for "wait for the
/// idle that ends my message", used by `sendAndWait` in every mode.
package struct MessageCompletion: Sendable {
    package var idle: SessionEvent
    package var answer: SessionEvent?
    package var failure: SessionEvent.SessionError?

    package var aborted: Bool {
        if case .sessionIdle(let data) = idle.payload { data.aborted == true } else { false }
    }

    /// Reads `events` (subscribed before the message was sent) until the message `messageID`
    /// has ended; `nil` when the events end first.
    package static func wait(for messageID: String, in events: AsyncStream<SessionEvent>) async -> MessageCompletion? {
        var started = false
        var answer: SessionEvent?
        var failure: SessionEvent.SessionError?
        for await event in events {
            switch event.payload {
            case .userMessage(let message) where message.messageId == messageID:
                started = true
            case .assistantMessage where started && event.agentId == nil:
                answer = event
            case .sessionError(let error) where started && (error.originatingMessageId ?? messageID) == messageID:
                failure = error
            case .sessionIdle where started:
                return MessageCompletion(idle: event, answer: answer, failure: failure)
            default:
                continue
            }
        }
        return nil
    }
}
