import CopilotCore
import CopilotProviders
public import CopilotRuntime

/// A conversation with an agent: send prompts, receive events, abort, disconnect.
///
/// Created by ``CopilotClient/createSession(_:)``. Events arrive through ``on(_:)`` callbacks or the
/// ``events`` sequence, in the same order for both.
public final class CopilotSession: Sendable {
    /// The session's id.
    public let sessionId: String
    private let backend: any SessionBackend
    private let broadcaster: EventBroadcaster
    private let onDisconnect: @Sendable (String) -> Void

    init(id: String, backend: any SessionBackend, broadcaster: EventBroadcaster, onDisconnect: @escaping @Sendable (String) -> Void) {
        self.sessionId = id
        self.backend = backend
        self.broadcaster = broadcaster
        self.onDisconnect = onDisconnect
    }

    /// Calls `handler` for every event, synchronously and in order. Keep it quick; hand heavy work elsewhere.
    @discardableResult
    public func on(_ handler: @escaping @Sendable (SessionEvent) -> Void) -> EventSubscription {
        let id = broadcaster.addHandler(handler)
        return EventSubscription { [broadcaster] in broadcaster.remove(id) }
    }

    /// Calls `handler` with the typed data of every event of one kind:
    /// `session.on(.assistantMessage) { message in print(message.content) }`.
    @discardableResult
    public func on<Data>(_ kind: SessionEventKind<Data>, _ handler: @escaping @Sendable (Data) -> Void) -> EventSubscription {
        on { event in
            if let data = kind.data(of: event) { handler(data) }
        }
    }

    /// Every event from the moment you read this property until the session disconnects.
    ///
    /// ```swift
    /// for await event in session.events { print(event.type) }
    /// ```
    public var events: AsyncStream<SessionEvent> { broadcaster.subscribe() }

    /// Sends a prompt and returns its message id at once; the answer arrives as events, ending with
    /// `session.idle`. A message sent while the session is busy waits for the current one to finish.
    @discardableResult
    public func send(_ options: MessageOptions) async throws -> String {
        try await backend.send(options)
    }

    /// Sends a prompt; see ``send(_:)-(MessageOptions)``.
    @discardableResult
    public func send(_ prompt: String) async throws -> String {
        try await send(MessageOptions(prompt: prompt))
    }

    /// Sends a prompt and waits for the session to become idle, returning the final `assistant.message`.
    ///
    /// - Parameter timeout: how long to wait. On timeout the session keeps working; call ``abort()`` to stop it.
    /// - Throws: ``CopilotError`` — `sessionError` with the provider's message when the turn failed,
    ///   `aborted` when it was aborted, `timeout`, or `sessionClosed`.
    public func sendAndWait(_ options: MessageOptions, timeout: Duration = .seconds(60)) async throws -> SessionEvent.AssistantMessage {
        let stream = broadcaster.subscribe()
        let messageID = try await send(options)
        return try await withThrowingTaskGroup(of: SessionEvent.AssistantMessage.self) { group in
            group.addTask {
                try await Self.awaitAnswer(to: messageID, in: stream)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw CopilotError(
                    code: .timeout,
                    message: "Timed out after \(timeout) waiting for session.idle; the session is still working on the message. Call abort() to stop it.")
            }
            defer { group.cancelAll() }
            guard let answer = try await group.next() else { throw CancellationError() }
            return answer
        }
    }

    /// Sends a prompt and waits; see ``sendAndWait(_:timeout:)``.
    public func sendAndWait(_ prompt: String, timeout: Duration = .seconds(60)) async throws -> SessionEvent.AssistantMessage {
        try await sendAndWait(MessageOptions(prompt: prompt), timeout: timeout)
    }

    private static func awaitAnswer(to messageID: String, in stream: AsyncStream<SessionEvent>) async throws -> SessionEvent.AssistantMessage {
        guard let completion = await MessageCompletion.wait(for: messageID, in: stream) else {
            try Task.checkCancellation()
            throw CopilotError(code: .sessionClosed, message: "The session was disconnected before the answer was complete.")
        }
        if let failure = completion.failure { throw CopilotError(code: .sessionError, message: failure.message) }
        if completion.aborted { throw CopilotError(code: .aborted, message: "The session was aborted before the answer was complete.") }
        guard let answer = completion.answer, case .assistantMessage(let message) = answer.payload else {
            throw CopilotError(code: .sessionError, message: "The session became idle without an assistant message.")
        }
        return message
    }

    /// Every persisted event of the session so far, in order: what a store keeps and what a
    /// resumed session is rebuilt from (the official SDKs' `getMessages`). Ephemeral events, such
    /// as streaming deltas, are not included.
    public func messages() async throws -> [SessionEvent] {
        try await backend.messages()
    }

    /// Stops the current message: the model stream and any running tools are cancelled, then `abort`
    /// and `session.idle` are emitted. The session stays usable.
    public func abort() async {
        await backend.abort()
    }

    /// Ends the session: aborts any work, ends ``events`` streams and drops handlers.
    public func disconnect() async {
        await backend.close()
        broadcaster.finish()
        onDisconnect(sessionId)
    }
}
