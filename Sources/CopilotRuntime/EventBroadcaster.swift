package import CopilotCore
import Synchronization

/// Fans a session's events out to callback handlers and `AsyncStream` subscribers, in order.
///
/// `publish` is called by one producer at a time (the engine), so every subscriber sees the same
/// order. Handlers run synchronously, outside the lock.
package final class EventBroadcaster: Sendable {
    package typealias Handler = @Sendable (SessionEvent) -> Void

    private struct State {
        var nextID: UInt64 = 0
        var handlers: [(id: UInt64, handler: Handler)] = []
        var streams: [UInt64: AsyncStream<SessionEvent>.Continuation] = [:]
        var isFinished = false
    }

    private let state = Mutex(State())

    package init() {}

    /// Registers a handler; returns its id for ``remove(_:)``.
    package func addHandler(_ handler: @escaping Handler) -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            state.handlers.append((state.nextID, handler))
            return state.nextID
        }
    }

    package func remove(_ id: UInt64) {
        let continuation = state.withLock { state -> AsyncStream<SessionEvent>.Continuation? in
            state.handlers.removeAll { $0.id == id }
            return state.streams.removeValue(forKey: id)
        }
        continuation?.finish()
    }

    /// A stream of every event published from now on; it ends when the session disconnects.
    package func subscribe() -> AsyncStream<SessionEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionEvent.self, bufferingPolicy: .unbounded)
        let id: UInt64? = state.withLock { state in
            guard !state.isFinished else { return nil }
            state.nextID += 1
            state.streams[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.streams.removeValue(forKey: id) }
        }
        return stream
    }

    package func publish(_ event: SessionEvent) {
        let (handlers, streams) = state.withLock { state in
            (state.handlers.map(\.handler), Array(state.streams.values))
        }
        for continuation in streams { continuation.yield(event) }
        for handler in handlers { handler(event) }
    }

    /// Ends every stream and drops every handler.
    package func finish() {
        let streams = state.withLock { state -> [AsyncStream<SessionEvent>.Continuation] in
            state.isFinished = true
            state.handlers.removeAll()
            defer { state.streams.removeAll() }
            return Array(state.streams.values)
        }
        for continuation in streams { continuation.finish() }
    }
}
