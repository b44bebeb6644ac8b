package import Foundation
package import Logging
import Synchronization

/// How ``MCPClient`` reaches a server: whole JSON-RPC messages out and in, and whether the server
/// is gone, why, and what it last said about itself, so a call waiting for an answer that can no
/// longer come fails at once with the reason.
package protocol MCPTransport: Actor {
    nonisolated var logger: Logger { get }
    /// Starts the server (stdio) or opens the session (HTTP).
    func connect() async throws
    /// Ends the connection, and a stdio server with whatever it started.
    func disconnect() async
    /// Sends one message.
    func send(_ data: Data) async throws
    /// The messages the server sends, one JSON text each; ends (or fails with why) when the connection does.
    nonisolated func receive() -> AsyncThrowingStream<Data, any Error>
    /// Whether the connection has ended (the server exited, the connection broke, or it was closed).
    nonisolated var hasEnded: Bool { get }
    /// Why the connection ended, once it has.
    nonisolated var endReason: String { get }
    /// Returns once the connection has ended, or the caller is cancelled.
    nonisolated func waitUntilEnded() async
    /// What the server last said about a failure (a stdio server's standard error); may be empty.
    nonisolated var errorTail: String { get }
}

/// The last lines a server wrote to its standard error: at most 10 lines of at most 4 KB in all.
final class ErrorTail: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) {
        lines.withLock { lines in
            lines.append(line)
            while lines.count > 10 || lines.reduce(0, { $0 + $1.utf8.count }) > 4096 { lines.removeFirst() }
        }
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

/// The end of a connection: why, and who waits for it.
final class Ending: Sendable {
    private struct State {
        var reason: String?
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var reason: String? { state.withLock { $0.reason } }

    /// Marks the end (the first reason stays) and wakes every waiter; says whether this call ended it.
    @discardableResult
    func end(_ reason: String) -> Bool {
        let (waiters, first) = state.withLock { state in
            let first = state.reason == nil
            state.reason = state.reason ?? reason
            defer { state.waiters.removeAll() }
            return (Array(state.waiters.values), first)
        }
        for waiter in waiters { waiter.resume() }
        return first
    }

    /// Returns once ended, or when the calling task is cancelled.
    func wait() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state in
                    if state.reason != nil || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
