package import CopilotCore
package import Foundation
import Synchronization

/// One JSON-RPC 2.0 peer over a framed byte stream, in either direction.
///
/// Incoming requests are handled concurrently, each in its own child task; answers, notifications
/// and outgoing requests are written in the order they were made. Malformed input is answered with a
/// JSON-RPC error and the connection keeps reading.
package final class RPCConnection: Sendable {
    /// Handles one incoming request; a thrown ``RPCError`` is sent as is, any other error as -32603.
    package typealias RequestHandler = @Sendable (_ connection: RPCConnection, _ method: String, _ params: JSONValue) async throws -> JSONValue
    /// Handles one incoming notification.
    package typealias NotificationHandler = @Sendable (_ connection: RPCConnection, _ method: String, _ params: JSONValue) async -> Void

    /// Identifies this connection (for logs and bookkeeping).
    package let id = UUID()
    private let outgoing: AsyncStream<Outgoing>.Continuation
    private let outgoingFrames: AsyncStream<Outgoing>

    /// What the writer takes, in order: a frame to write, or a ``drain()`` waiting for what came before.
    private enum Outgoing: Sendable {
        case frame([UInt8])
        case drained(CheckedContinuation<Void, Never>)
    }
    private let maxFrameSize: Int
    private let clock: any Clock<Duration>

    private struct State {
        var nextRequestID = 1
        var pending: [Int: CheckedContinuation<JSONValue, any Error>] = [:]
        var isClosed = false
    }

    private let state = Mutex(State())

    /// - Parameters:
    ///   - maxFrameSize: the largest frame accepted from the peer.
    ///   - clock: measures ``request(_:_:timeout:)`` timeouts.
    package init(maxFrameSize: Int = 32 * 1024 * 1024, clock: any Clock<Duration> = ContinuousClock()) {
        (outgoingFrames, outgoing) = AsyncStream.makeStream(of: Outgoing.self, bufferingPolicy: .unbounded)
        self.maxFrameSize = maxFrameSize
        self.clock = clock
    }

    /// Reads `input` until it ends, answering requests with `onRequest`, while writing every outgoing
    /// frame with `write`. Returns when the input ends (or fails); pending outgoing requests then fail.
    package func run<Input: AsyncSequence>(
        input: Input,
        write: @escaping @Sendable ([UInt8]) async throws -> Void,
        onRequest: @escaping RequestHandler,
        onNotification: @escaping NotificationHandler = { _, _, _ in }
    ) async where Input.Element == [UInt8] {
        async let writer: Void = { [outgoingFrames] in
            // After a failed write the rest is dropped, but drains are still answered.
            var failed = false
            for await item in outgoingFrames {
                switch item {
                case .frame(let frame) where !failed:
                    do { try await write(frame) } catch { failed = true }
                case .frame:
                    continue
                case .drained(let waiter):
                    waiter.resume()
                }
            }
        }()
        await withTaskGroup(of: Void.self) { group in
            var decoder = FrameDecoder(maxFrameSize: maxFrameSize)
            do {
                for try await chunk in input {
                    for output in decoder.feed(chunk) {
                        switch output {
                        case .frame(let body):
                            // Notifications are handled in order, before the next frame is read.
                            if let notification = handle(body, group: &group, onRequest: onRequest) {
                                await onNotification(self, notification.method, notification.params)
                            }
                        case .error(let error):
                            send(.response(id: .null, result: .failure(RPCError(code: -32700, message: "Parse error: \(error)"))))
                        }
                    }
                }
            } catch {
                // The transport failed; treat it like the end of input.
            }
            markClosed()
            group.cancelAll()
        }
        // Every handler has answered (or been cancelled); write what is queued, then stop.
        outgoing.finish()
        await writer
    }

    /// Answers or dispatches one frame; returns it when it is a notification, for the caller to handle in order.
    private func handle(
        _ body: [UInt8], group: inout TaskGroup<Void>, onRequest: @escaping RequestHandler
    ) -> (method: String, params: JSONValue)? {
        let message: RPCMessage
        do {
            message = try RPCMessage(frame: body)
        } catch {
            send(.response(id: error.id, result: .failure(error.error)))
            return nil
        }
        switch message {
        case .request(let id, let method, let params):
            group.addTask {
                let result: Result<JSONValue, RPCError>
                do {
                    result = .success(try await onRequest(self, method, params))
                } catch let error as RPCError {
                    result = .failure(error)
                } catch {
                    result = .failure(.internalError(method: method, String(describing: error)))
                }
                self.send(.response(id: id, result: result))
            }
        case .notification(let method, let params):
            return (method, params)
        case .response(let id, let result):
            guard let number = id.intValue ?? id.stringValue.flatMap(Int.init),
                let continuation = state.withLock({ $0.pending.removeValue(forKey: number) })
            else { return nil }
            continuation.resume(with: result.mapError { $0 as any Error })
        }
        return nil
    }

    /// Queues a message for writing.
    package func send(_ message: RPCMessage) {
        let body = Array(message.json.jsonString.utf8)
        outgoing.yield(.frame(encodeFrame(body)))
    }

    /// Returns once everything queued before this call has been written (or the connection ended).
    package func drain() async {
        await withCheckedContinuation { continuation in
            if case .terminated = outgoing.yield(.drained(continuation)) { continuation.resume() }
        }
    }

    /// Sends a notification.
    package func notify(_ method: String, _ params: JSONValue) {
        send(.notification(method: method, params: params))
    }

    /// Sends a request to the peer and waits for its answer.
    ///
    /// - Throws: the peer's ``RPCError``; ``RPCError`` -32000 when the connection closes first, or when
    ///   `timeout` passes; `CancellationError` when the calling task is cancelled.
    package func request(_ method: String, _ params: JSONValue, timeout: Duration = .seconds(120)) async throws -> JSONValue {
        let id = state.withLock { state -> Int? in
            guard !state.isClosed else { return nil }
            defer { state.nextRequestID += 1 }
            return state.nextRequestID
        }
        guard let id else { throw RPCError(code: -32000, message: "The connection is closed.") }
        let answer = try await withTimeout(timeout, clock: clock) { [self] in
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let accepted = state.withLock { state -> Bool in
                        guard !state.isClosed else { return false }
                        state.pending[id] = continuation
                        return true
                    }
                    guard accepted else {
                        continuation.resume(throwing: RPCError(code: -32000, message: "The connection is closed."))
                        return
                    }
                    // Cancelled (or timed out) before the answer slot existed: the handler below found nothing.
                    if Task.isCancelled {
                        fail(id, CancellationError())
                        return
                    }
                    send(.request(id: .int(id), method: method, params: params))
                }
            } onCancel: {
                fail(id, CancellationError())
            }
        }
        guard let answer else { throw RPCError(code: -32000, message: "No answer to \(method) within \(timeout).") }
        return answer
    }

    private func fail(_ id: Int, _ error: any Error) {
        state.withLock { $0.pending.removeValue(forKey: id) }?.resume(throwing: error)
    }

    /// Whether the input has ended.
    package var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Stops accepting outgoing requests and fails the pending ones.
    private func markClosed() {
        let pending = state.withLock { state -> [CheckedContinuation<JSONValue, any Error>] in
            state.isClosed = true
            defer { state.pending.removeAll() }
            return Array(state.pending.values)
        }
        for continuation in pending { continuation.resume(throwing: RPCError(code: -32000, message: "The connection closed.")) }
    }
}
