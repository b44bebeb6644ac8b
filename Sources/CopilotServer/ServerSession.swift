import CopilotProtocol
import CopilotCore
import CopilotProviders
import CopilotRuntime
import Foundation
import Synchronization

/// One session as the protocol server holds it: the engine, who listens, what it persisted, and the
/// tool calls and permission requests waiting for a client's answer.
final class ServerSession: Sendable {
    let id: String
    let startTime: Date
    /// The engine, set once right after creation (its event sink needs this object first).
    var engine: SessionEngine? { state.withLock { $0.engine } }

    /// An answer slot: filled by whichever comes first, the waiting call or the client's answer.
    private enum Slot {
        case waiting(CheckedContinuation<JSONValue, any Error>)
        case answered(JSONValue)
        case announced
    }

    private struct State {
        var engine: SessionEngine?
        var recorder: SessionRecorder?
        var subscribers: [UUID: RPCConnection] = [:]
        var owner: RPCConnection?
        var persisted: [SessionEvent] = []
        var modifiedTime = Date()
        var summary: String?
        var slots: [String: Slot] = [:]
        var waiters: [UUID: AsyncStream<SessionEvent>.Continuation] = [:]
    }

    private let state = Mutex(State())

    init(id: String, startTime: Date = Date()) {
        self.id = id
        self.startTime = startTime
    }

    func attach(engine: SessionEngine, recorder: SessionRecorder) {
        state.withLock { state in
            state.engine = engine
            state.recorder = recorder
        }
    }

    /// Starts the persisted history with events read back from a store.
    func seed(_ events: [SessionEvent]) {
        state.withLock { state in
            state.persisted = events.filter { !$0.ephemeral }
            if let last = events.last { state.modifiedTime = last.timestamp }
        }
    }

    /// Ends the engine, writes what is left to the store and releases the session there.
    func close() async {
        await engine?.close()
        let recorder = state.withLock { state in
            defer { state.recorder = nil }
            return state.recorder
        }
        await recorder?.close()
    }

    // MARK: Listeners

    func subscribe(_ connection: RPCConnection, asOwner: Bool) {
        state.withLock { state in
            state.subscribers[connection.id] = connection
            if asOwner { state.owner = connection }
        }
    }

    /// Stops sending this session's events to `connection`; returns how many listeners remain.
    @discardableResult
    func unsubscribe(_ connection: RPCConnection) -> Int {
        state.withLock { state in
            state.subscribers.removeValue(forKey: connection.id)
            if state.owner?.id == connection.id { state.owner = state.subscribers.values.first }
            return state.subscribers.count
        }
    }

    /// The connection that runs this session's client-side callbacks (hooks, token provider).
    var owner: RPCConnection? { state.withLock { $0.owner } }

    var persistedEvents: [SessionEvent] { state.withLock { $0.persisted } }

    /// `SessionMetadata` as the SDKs read it.
    var metadata: WireSessionMetadata {
        state.withLock { state in
            Self.wireMetadata(id: id, started: startTime, modified: state.modifiedTime, summary: state.summary, cwd: nil)
        }
    }

    /// The SDKs' `SessionMetadata` object.
    static func wireMetadata(id: String, started: Date, modified: Date, summary: String?, cwd: String?) -> WireSessionMetadata {
        WireSessionMetadata(
            sessionId: id, startTime: EventTimestamp.format(started), modifiedTime: EventTimestamp.format(modified),
            summary: summary, context: cwd.map(WireSessionMetadata.Context.init(cwd:)))
    }

    // MARK: Events

    /// Called by the engine for every event, in order: records it, sends it to every listening
    /// connection, then to in-process waiters.
    func deliver(_ event: SessionEvent) {
        let (subscribers, waiters) = state.withLock { state in
            if !event.ephemeral {
                state.persisted.append(event)
                state.modifiedTime = event.timestamp
            }
            if state.summary == nil, case .userMessage(let message) = event.payload {
                state.summary = String(message.content.prefix(80))
            }
            if case .permissionRequested(let request) = event.payload, state.slots[request.requestId] == nil {
                state.slots[request.requestId] = .announced
            }
            return (Array(state.subscribers.values), Array(state.waiters.values))
        }
        if !subscribers.isEmpty, let json = try? JSONValue(encoding: SessionEventNotification(sessionId: id, event: event)) {
            for connection in subscribers { connection.notify(RPC.sessionEvent.name, json) }
        }
        for waiter in waiters { waiter.yield(event) }
    }

    /// Events from now on, for in-process waiting.
    func events() -> AsyncStream<SessionEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionEvent.self, bufferingPolicy: .unbounded)
        let key = UUID()
        state.withLock { $0.waiters[key] = continuation }
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.waiters.removeValue(forKey: key) } }
        return stream
    }

    // MARK: Pending client answers

    /// Registers `requestID`, runs `announce` (which tells the clients), then waits for the answer.
    func awaitAnswer(for requestID: String, announce: @Sendable () async -> Void = {}) async throws -> JSONValue {
        state.withLock { state in
            if state.slots[requestID] == nil { state.slots[requestID] = .announced }
        }
        await announce()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let early = state.withLock { state -> JSONValue? in
                    if case .answered(let value) = state.slots[requestID] {
                        state.slots.removeValue(forKey: requestID)
                        return value
                    }
                    state.slots[requestID] = .waiting(continuation)
                    return nil
                }
                if let early { continuation.resume(returning: early) }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<JSONValue, any Error>? in
                guard case .waiting(let continuation) = state.slots.removeValue(forKey: requestID) else { return nil }
                return continuation
            }
            waiting?.resume(throwing: CancellationError())
        }
    }

    /// Delivers a client's answer. Returns `false` when nothing asked for `requestID`.
    func answer(_ requestID: String, with value: JSONValue) -> Bool {
        let waiting = state.withLock { state -> (found: Bool, continuation: CheckedContinuation<JSONValue, any Error>?) in
            switch state.slots[requestID] {
            case .waiting(let continuation):
                state.slots.removeValue(forKey: requestID)
                return (true, continuation)
            case .announced:
                state.slots[requestID] = .answered(value)
                return (true, nil)
            case .answered, nil:
                return (false, nil)
            }
        }
        waiting.continuation?.resume(returning: value)
        return waiting.found
    }
}
