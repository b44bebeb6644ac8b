package import CopilotCore
package import Foundation
import Synchronization

/// One JSON-RPC 2.0 peer over a framed byte stream, in either direction.
///
/// Incoming requests are handled concurrently, each in its own child task; answers, notifications
/// and outgoing requests are written in the order they were made. Malformed input is answered with a
/// JSON-RPC error and the connection keeps reading.
///
/// Everything a peer can fill is bounded: while more than ``Limits/pausedAboveBytes`` wait to be
/// written (a peer that sends but does not read), reading stops until the peer catches up; past
/// ``Limits/closedAboveBytes`` (it does not read at all, and events keep coming) the connection
/// closes. Requests beyond ``Limits/maxRequestsInFlight`` are refused at once, and a frame that
/// announces more than the frame limit closes the connection instead of being read through.
package final class RPCConnection: Sendable {
    /// Handles one incoming request; a thrown ``RPCError`` is sent as is, any other error as -32603.
    package typealias RequestHandler = @Sendable (_ connection: RPCConnection, _ method: String, _ params: JSONValue) async throws -> JSONValue
    /// Handles one incoming notification.
    package typealias NotificationHandler = @Sendable (_ connection: RPCConnection, _ method: String, _ params: JSONValue) async -> Void

    /// Identifies this connection (for logs and bookkeeping).
    package let id = UUID()
    private let outgoing: AsyncStream<Outgoing>.Continuation
    private let outgoingFrames: AsyncStream<Outgoing>

    /// What the writer takes, in order: a frame to write, a ``drain()`` waiting for what came
    /// before, or the point where the transport closes.
    private enum Outgoing: Sendable {
        case frame([UInt8])
        case drained(CheckedContinuation<Void, Never>)
        case closeTransport
    }
    private let maxFrameSize: Int
    private let limits: Limits
    private let clock: any Clock<Duration>
    private let closeTransport: (@Sendable () -> Void)?

    /// How much a peer may make this connection hold.
    package struct Limits: Sendable {
        /// Reading pauses while more bytes than this wait to be written.
        package var pausedAboveBytes: Int
        /// The connection closes when more bytes than this wait to be written.
        package var closedAboveBytes: Int
        /// Requests handled at once; more are answered with an error straight away.
        package var maxRequestsInFlight: Int

        package init(pausedAboveBytes: Int = 8 * 1024 * 1024, closedAboveBytes: Int = 64 * 1024 * 1024, maxRequestsInFlight: Int = 256) {
            self.pausedAboveBytes = pausedAboveBytes
            self.closedAboveBytes = closedAboveBytes
            self.maxRequestsInFlight = maxRequestsInFlight
        }
    }

    private struct State {
        var nextRequestID = 1
        var pending: [Int: CheckedContinuation<JSONValue, any Error>] = [:]
        var isClosed = false
        /// ``close()`` was called (or a limit was passed): read nothing more.
        var closing = false
        var queuedBytes = 0
        var requestsInFlight = 0
        /// The reader, paused until the writer has caught up.
        var reader: CheckedContinuation<Void, Never>?
        /// When the peer last sent a frame, on ``RPCConnection/activityOrder``.
        var lastFrame: UInt64
    }

    /// Orders the moments peers sent frames, across every connection of the process.
    private static let activityOrder = Atomic<UInt64>(0)

    private let state: Mutex<State>

    /// - Parameters:
    ///   - maxFrameSize: the largest frame accepted from the peer.
    ///   - limits: how much the peer may make this connection hold.
    ///   - clock: measures ``request(_:_:timeout:)`` timeouts.
    ///   - close: closes the transport (so a read that waits ends); ``close()`` calls it.
    package init(
        maxFrameSize: Int = 32 * 1024 * 1024, limits: Limits = Limits(), clock: any Clock<Duration> = ContinuousClock(),
        close: (@Sendable () -> Void)? = nil
    ) {
        (outgoingFrames, outgoing) = AsyncStream.makeStream(of: Outgoing.self, bufferingPolicy: .unbounded)
        self.maxFrameSize = maxFrameSize
        self.limits = limits
        self.clock = clock
        self.closeTransport = close
        createdAt = Self.activityOrder.add(1, ordering: .relaxed).newValue
        state = Mutex(State(lastFrame: createdAt))
    }

    /// When this connection was made, on the same scale as ``activity``'s `lastFrame`: while the
    /// two are equal, the peer has not sent a frame.
    package let createdAt: UInt64

    /// What a server needs to pick which connections to let go: when the peer last sent a frame
    /// (a number that grows with time, comparable between connections; the connection's creation
    /// counts as its first), and whether a request is being answered or awaited either way.
    package var activity: (lastFrame: UInt64, busy: Bool) {
        state.withLock { ($0.lastFrame, $0.requestsInFlight > 0 || !$0.pending.isEmpty) }
    }

    /// Stops reading from the peer and closes the transport once what is queued has been written.
    package func close() {
        stopReading()
        outgoing.yield(.closeTransport)
    }

    /// Closes the transport now, dropping what is queued: for a peer that does not read.
    private func abort() {
        stopReading()
        closeTransport?()
    }

    private func stopReading() {
        let reader = state.withLock { state in
            state.closing = true
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    /// Waits while the peer has not read enough of what was written to it.
    private func waitForRoom() async {
        await withCheckedContinuation { continuation in
            let wait = state.withLock { state -> Bool in
                guard state.queuedBytes > limits.pausedAboveBytes, !state.closing else { return false }
                state.reader = continuation
                return true
            }
            if !wait { continuation.resume() }
        }
    }

    /// The writer took `count` bytes off the queue.
    private func written(_ count: Int) {
        let reader = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.queuedBytes -= count
            guard state.queuedBytes <= limits.pausedAboveBytes else { return nil }
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    /// Reads `input` until it ends, answering requests with `onRequest`, while writing every outgoing
    /// frame with `write`. Returns when the input ends (or fails); pending outgoing requests then fail.
    ///
    /// Requests are handled concurrently, except while `inOrder` says otherwise: then each is
    /// answered before the next frame is read (a server does so until the peer has authenticated,
    /// so a `connect` sent with other requests right behind it is handled first).
    package func run<Input: AsyncSequence>(
        input: Input,
        write: @escaping @Sendable ([UInt8]) async throws -> Void,
        inOrder: @escaping @Sendable () -> Bool = { false },
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
                    self.written(frame.count)
                case .frame(let frame):
                    self.written(frame.count)
                case .drained(let waiter):
                    waiter.resume()
                case .closeTransport:
                    self.closeTransport?()
                }
            }
        }()
        // Discarding: a finished handler is let go at once, not kept until the connection ends.
        await withDiscardingTaskGroup { group in
            var decoder = FrameDecoder(maxFrameSize: maxFrameSize)
            do {
                reading: for try await chunk in input {
                    await waitForRoom()
                    for output in decoder.feed(chunk) {
                        let now = Self.activityOrder.add(1, ordering: .relaxed).newValue
                        // One lock per frame: whether to stop, and when the peer was last heard.
                        let closing = state.withLock { state in
                            state.lastFrame = now
                            return state.closing
                        }
                        if closing { break reading }
                        switch output {
                        case .frame(let body):
                            // Notifications are handled in order, before the next frame is read.
                            switch handle(body, group: &group, inOrder: inOrder, onRequest: onRequest) {
                            case .notification(let method, let params):
                                await onNotification(self, method, params)
                            case .request(let id, let method, let params):
                                await answer(id, method, params, onRequest: onRequest)
                            case nil:
                                break
                            }
                        case .error(.frameTooLarge(let size)):
                            // Reading a frame through only to drop it would let a peer tie the connection up forever.
                            send(.response(id: .null, result: .failure(RPCError(code: -32700, message: "Parse error: \(FramingError.frameTooLarge(size)); closing the connection"))))
                            close()
                            break reading
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

    /// What the reading loop handles itself, before it reads the next frame.
    private enum InOrder {
        case notification(method: String, params: JSONValue)
        case request(id: JSONValue, method: String, params: JSONValue)
    }

    /// Answers or dispatches one frame; returns it when the caller must handle it in order.
    private func handle(
        _ body: [UInt8], group: inout DiscardingTaskGroup, inOrder: () -> Bool, onRequest: @escaping RequestHandler
    ) -> InOrder? {
        let message: RPCMessage
        do {
            message = try RPCMessage(frame: body)
        } catch {
            send(.response(id: error.id, result: .failure(error.error)))
            return nil
        }
        switch message {
        case .request(let id, let method, let params):
            let admitted = state.withLock { state -> Bool in
                guard state.requestsInFlight < limits.maxRequestsInFlight else { return false }
                state.requestsInFlight += 1
                return true
            }
            guard admitted else {
                send(.response(id: id, result: .failure(RPCError(
                    code: -32000, message: "Too many requests in flight on this connection (\(limits.maxRequestsInFlight)); wait for answers first."))))
                return nil
            }
            if inOrder() { return .request(id: id, method: method, params: params) }
            group.addTask { await self.answer(id, method, params, onRequest: onRequest) }
        case .notification(let method, let params):
            return .notification(method: method, params: params)
        case .response(let id, let result):
            guard let number = id.intValue ?? id.stringValue.flatMap(Int.init),
                let continuation = state.withLock({ $0.pending.removeValue(forKey: number) })
            else { return nil }
            continuation.resume(with: result.mapError { $0 as any Error })
        }
        return nil
    }

    /// Runs one admitted request's handler and sends its answer.
    private func answer(_ id: JSONValue, _ method: String, _ params: JSONValue, onRequest: RequestHandler) async {
        let result: Result<JSONValue, RPCError>
        do {
            result = .success(try await onRequest(self, method, params))
        } catch let error as RPCError {
            result = .failure(error)
        } catch let error as DecodingError {
            result = .failure(.internalError(method: method, RPCError.describe(error, root: "value")))
        } catch {
            result = .failure(.internalError(method: method, String(describing: error)))
        }
        state.withLock { $0.requestsInFlight -= 1 }
        send(.response(id: id, result: result))
        if case .failure(let error) = result, error.closesConnection { close() }
    }

    /// Queues a message for writing. A peer that lets more than ``Limits/closedAboveBytes`` pile
    /// up is cut off.
    package func send(_ message: RPCMessage) {
        let frame = encodeFrame(Array(message.json.jsonString.utf8))
        let overflow = state.withLock { state -> Bool in
            state.queuedBytes += frame.count
            return state.queuedBytes > limits.closedAboveBytes && !state.closing
        }
        outgoing.yield(.frame(frame))
        if overflow { abort() }
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
