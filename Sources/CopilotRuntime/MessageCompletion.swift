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

extension EventBroadcaster {
    /// Sends a message with `send` and waits for the `session.idle` that ends it: the one
    /// `sendAndWait`, for in-process, served and remote sessions alike. Subscribes before sending,
    /// so no event of the message is missed.
    ///
    /// - Parameters:
    ///   - timeout: how long to wait on `clock`; `nil` waits as long as the session lives.
    /// - Returns: the message id and how the message ended (answered, failed or aborted).
    /// - Throws: what `send` throws; ``CopilotError`` `timeout` when `timeout` passes first (the
    ///   session keeps working on the message), `sessionClosed` when the session ends first.
    package func sendAndWait(
        timeout: Duration?, clock: any Clock<Duration>, send: () async throws -> String
    ) async throws -> (messageId: String, completion: MessageCompletion) {
        let stream = subscribe()
        let messageID = try await send()
        let wait: @Sendable () async throws -> MessageCompletion = {
            guard let completion = await MessageCompletion.wait(for: messageID, in: stream) else {
                try Task.checkCancellation()
                throw CopilotError(code: .sessionClosed, message: "The session ended before message \(messageID) was answered.")
            }
            return completion
        }
        guard let timeout else { return (messageID, try await wait()) }
        guard let completion = try await withTimeout(timeout, clock: clock, wait) else {
            throw CopilotError(
                code: .timeout,
                message: "Timed out after \(timeout) waiting for session.idle; the session is still working on the message. Abort it to stop.")
        }
        return (messageID, completion)
    }
}
