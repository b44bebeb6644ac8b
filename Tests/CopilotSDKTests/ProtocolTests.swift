import CopilotRuntime
import CopilotProviders
import CopilotProtocol
import CopilotCore
import CopilotServer
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Protocol framing and the server's handling of bad input")
struct ProtocolTests {
    static func frame(_ json: String) -> [UInt8] { encodeFrame(Array(json.utf8)) }

    @Test("frames split at every byte boundary decode the same")
    func everySplit() {
        let stream = Self.frame(#"{"a":1}"#) + Self.frame(#"{"b":"é"}"#) + Array("Content-Length: 0\r\n\r\n".utf8)
        let expected: [FrameDecoder.Output] = [.frame(Array(#"{"a":1}"#.utf8)), .frame(Array(#"{"b":"é"}"#.utf8)), .frame([])]
        for split in 0...stream.count {
            var decoder = FrameDecoder()
            let outputs = decoder.feed(stream[..<split]) + decoder.feed(stream[split...])
            #expect(outputs == expected, "split at \(split)")
        }
    }

    @Test("a header block longer than the limit is one error, then dropped to its blank line, however it arrives (found by fuzzing)")
    func overlongHeaderIsChunkIndependent() {
        let limit = FrameDecoder.maxHeaderSize
        for padding in [limit - 30, limit - 26, limit - 25, limit - 23, limit + 5000] {
            // (An empty body: what follows a dropped header is read as the next header.)
            let header = "X-Pad: " + String(repeating: "p", count: padding) + "\r\nContent-Length: 0"
            let stream = Array((header + "\r\n\r\n").utf8) + Self.frame(#"{"ok":1}"#)
            let tooLong = header.utf8.count > limit
            let expected: [FrameDecoder.Output] = (tooLong
                ? [.error(.malformedHeader("header block longer than \(limit) bytes"))]
                : [.frame([])]) + [.frame(Array(#"{"ok":1}"#.utf8))]
            var whole = FrameDecoder()
            #expect(whole.feed(stream) == expected, "header of \(header.utf8.count) bytes, whole")
            var byteByByte = FrameDecoder()
            #expect(stream.flatMap { byteByByte.feed(CollectionOfOne($0)) } == expected, "header of \(header.utf8.count) bytes, byte by byte")
            for split in stride(from: 0, through: stream.count, by: 997) {
                var decoder = FrameDecoder()
                #expect(decoder.feed(stream[..<split]) + decoder.feed(stream[split...]) == expected, "header of \(header.utf8.count) bytes, split at \(split)")
            }
        }
    }

    @Test("a malformed header or an oversized frame is reported and skipped; the next frame still decodes")
    func badFramesAreSkipped() {
        var decoder = FrameDecoder(maxFrameSize: 16)
        let stream = Array("Content-Type: x\r\n\r\n".utf8) + Array("Content-Length: 40\r\n\r\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 40)
            + Self.frame(#"{"ok":1}"#)
        let outputs = decoder.feed(stream)
        #expect(outputs.count == 3)
        #expect(outputs[0] == .error(.malformedHeader("no Content-Length header")))
        #expect(outputs[1] == .error(.frameTooLarge(40)))
        #expect(outputs[2] == .frame(Array(#"{"ok":1}"#.utf8)))
    }

    @Test("a request the peer never answers fails after its timeout, measured on the connection's clock")
    func requestTimeoutOnInjectedClock() async throws {
        let clock = RecordingClock()
        let connection = RPCConnection(clock: clock)
        let (silence, peer) = AsyncStream.makeStream(of: [UInt8].self)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await connection.run(input: silence, write: { _ in }, onRequest: { _, _, _ in .null }) }
            await #expect {
                _ = try await connection.request("hooks.invoke", [:], timeout: .seconds(120))
            } throws: { error in
                (error as? RPCError)?.code == -32000 && "\(error)".contains("No answer to hooks.invoke within 120")
            }
            peer.finish()
            try await group.waitForAll()
        }
        #expect(clock.waits == [120_000])
        #expect(started.duration(to: .now) < .seconds(10))
    }

    @Test("a peer's answer of the wrong shape is an error naming the field, never a DecodingError dump")
    func wrongShapedAnswerIsWorded() async throws {
        let connection = RPCConnection()
        let (input, peer) = AsyncStream.makeStream(of: [UInt8].self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The peer answers request 1 (the first id) with `token` as a number.
            group.addTask {
                await connection.run(input: input, write: { _ in
                    peer.yield(Self.frame(#"{"jsonrpc":"2.0","id":1,"result":{"token":42}}"#))
                }, onRequest: { _, _, _ in .null })
            }
            await #expect {
                _ = try await connection.call(RPC.providerTokenGetToken, ProviderTokenParams(sessionId: "s", providerName: "p"))
            } throws: { error in
                let text = "\(error)"
                return text.contains("wrong shape: `token` must be a string") && !text.contains("CodingKeys") && !text.contains("typeMismatch")
            }
            peer.finish()
            try await group.waitForAll()
        }
    }

    /// Runs a server connection over scripted input and returns every message it wrote.
    func exchange(_ chunks: [[UInt8]], token: String? = nil, maxFrameSize: Int = 1024) async throws -> [JSONValue] {
        let transport = AsyncHTTPClientTransport()
        let server = RuntimeServer(connectionToken: token, providerContext: ProviderContext(transport: transport))
        let written = Mutex<[UInt8]>([])
        let (input, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        for chunk in chunks { continuation.yield(chunk) }
        continuation.finish()
        await server.serve(RPCConnection(maxFrameSize: maxFrameSize), input: input) { bytes in
            written.withLock { $0.append(contentsOf: bytes) }
        }
        await server.shutdown()
        try await transport.shutdown()
        var decoder = FrameDecoder()
        return try decoder.feed(written.withLock { $0 }).map { output in
            guard case .frame(let body) = output else { throw FramingError.malformedHeader("server wrote a bad frame") }
            return try JSONValue(parsing: String(decoding: body, as: UTF8.self))
        }
    }

    @Test("malformed frames, bad JSON, unknown methods and wrong params get errors; serving goes on")
    func malformedInput() async throws {
        let replies = try await exchange([
            Array("Garbage-Header: 1\r\n\r\n".utf8),
            Self.frame("this is not json"),
            Self.frame("[1,2,3]"),
            Self.frame(#"{"jsonrpc":"2.0","id":"u","method":"no.such.method","params":{}}"#),
            Self.frame(#"{"jsonrpc":"2.0","id":"w","method":"session.send","params":{"prompt":"hi"}}"#),
            Self.frame(#"{"jsonrpc":"2.0","id":"s","method":"session.send","params":{"sessionId":"nope","prompt":"hi"}}"#),
            Self.frame(#"{"jsonrpc":"1.0","id":"v1","method":"ping","params":{}}"#),
            Self.frame(#"{"id":7,"method":"ping","params":{}}"#),
            Self.frame(#"{"jsonrpc":"2.0","id":"p","method":"ping","params":{"message":"still here"}}"#),
        ])
        let byID = Dictionary(replies.compactMap { reply in reply["id"]?.stringValue.map { ($0, reply) } }, uniquingKeysWith: { a, _ in a })
        let anonymous = replies.filter { $0["id"] == .null }
        #expect(anonymous.count == 3, "bad header, bad JSON and a non-object each get an error with a null id")
        #expect(anonymous.allSatisfy { $0["error"]?["code"]?.intValue == -32700 || $0["error"]?["code"]?.intValue == -32600 })
        #expect(byID["u"]?["error"]?["code"] == -32601)
        #expect(byID["u"]?["error"]?["message"] == "Unhandled method no.such.method")
        #expect(byID["w"]?["error"]?["code"] == -32602)
        #expect(byID["s"]?["error"]?["message"]?.stringValue?.contains("Session not found: nope") == true)
        #expect(byID["p"]?["result"]?["message"] == "pong: still here")
        // Only JSON-RPC 2.0: another version, or none, is refused under the request's own id.
        #expect(byID["v1"]?["error"]?["code"] == -32600)
        #expect(byID["v1"]?["error"]?["message"]?.stringValue?.contains("`jsonrpc` must be \"2.0\"") == true)
        #expect(replies.first { $0["id"] == 7 }?["error"]?["code"] == -32600)
    }

    @Test("connect: protocol version 3; a wrong token is AUTHENTICATION_FAILED and nothing else is served")
    func handshake() async throws {
        let good = try await exchange([Self.frame(#"{"jsonrpc":"2.0","id":"c","method":"connect","params":{"token":"t0k3n"}}"#)], token: "t0k3n")
        #expect(good.first?["result"]?["protocolVersion"] == 3)
        #expect(good.first?["result"]?["ok"] == true)

        let bad = try await exchange([
            Self.frame(#"{"jsonrpc":"2.0","id":"c","method":"connect","params":{"token":"wrong"}}"#),
            Self.frame(#"{"jsonrpc":"2.0","id":"l","method":"session.list","params":{}}"#),
        ], token: "t0k3n")
        for reply in bad {
            #expect(reply["error"]?["message"]?.stringValue?.contains("AUTHENTICATION_FAILED") == true)
            #expect(reply["error"]?["code"] != -32601)
        }
    }

    #if canImport(Glibc)
    @Test("lifecycle notifications reach every connected client, not only the one that made the change")
    func lifecycleToEveryClient() async throws {
        let transport = AsyncHTTPClientTransport()
        let server = RuntimeServer(connectionToken: nil, providerContext: ProviderContext(transport: transport), store: nil)
        let (ports, bound) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serveTCP(host: "127.0.0.1", port: 0, maxConnections: 8) { bound.yield($0) } }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let maker = try LoopbackSocket(port: port)
            let watcher = try LoopbackSocket(port: port)
            #expect(try await watcher.ping() == "pong: ")
            let created = try await maker.call("session.create", #"{"sessionId":"watched","model":"m","provider":{"baseUrl":"http://127.0.0.1:9/v1"}}"#)
            #expect(created?["sessionId"] == "watched")
            _ = try await maker.call("session.mode.set", #"{"sessionId":"watched","mode":"plan"}"#)
            _ = try await maker.call("session.delete", #"{"sessionId":"watched"}"#)
            #expect(try await watcher.ping() == "pong: ")
            let seen = watcher.notifications.filter { $0["method"] == "session.lifecycle" }.compactMap { $0["params"]?["type"]?.stringValue }
            #expect(seen == ["session.created", "session.updated", "session.deleted"])
            for socket in [maker, watcher] { socket.close() }
            group.cancelAll()
        }
        await server.shutdown()
        try await transport.shutdown()
    }

    @Test("the TCP server serves at most --max-connections at once: a new client replaces the one idle longest (no session, no request), and is closed at once when none is idle")
    func connectionCap() async throws {
        let transport = AsyncHTTPClientTransport()
        let server = RuntimeServer(connectionToken: nil, providerContext: ProviderContext(transport: transport))
        let (ports, bound) = AsyncStream.makeStream(of: Int.self)
        let createSession = #"{"model":"m","provider":{"baseUrl":"http://127.0.0.1:9/v1"}}"#
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serveTCP(host: "127.0.0.1", port: 0, maxConnections: 2) { bound.yield($0) } }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let first = try LoopbackSocket(port: port)
            let second = try LoopbackSocket(port: port)
            #expect(try await first.ping() == "pong: ")
            #expect(try await second.ping() == "pong: ")

            // Full: the third takes the place of the first, idle the longest.
            let third = try LoopbackSocket(port: port)
            #expect(try await third.ping() == "pong: ")
            #expect(await first.readsEndOfStream(), "the longest-idle connection made room")

            // A connection that holds a session is never the one to go.
            #expect(try await second.call("session.create", createSession)?["sessionId"] != nil)
            let fourth = try LoopbackSocket(port: port)
            #expect(try await fourth.ping() == "pong: ")
            #expect(await third.readsEndOfStream(), "the idle one went, not the one with a session")
            #expect(try await second.ping() == "pong: ")

            // None idle: one more is closed as soon as it is accepted.
            #expect(try await fourth.call("session.create", createSession)?["sessionId"] != nil)
            let fifth = try LoopbackSocket(port: port)
            #expect(await fifth.readsEndOfStream(), "a connection beyond the cap is closed when no one can make room")
            #expect(try await second.ping() == "pong: ")
            #expect(try await fourth.ping() == "pong: ")

            // A place is given back when a connection ends.
            second.close()
            // The place comes back once the server has closed the session's connection; under load
            // that can take a while, so the wait is long but ends as soon as a client is answered.
            var answered = false
            let deadline = ContinuousClock.now + .seconds(60)
            while !answered, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                let next = try LoopbackSocket(port: port)
                answered = (try? await next.ping()) == "pong: "
                next.close()
            }
            #expect(answered)
            for socket in [first, third, fourth, fifth] { socket.close() }
            group.cancelAll()
        }
        await server.shutdown()
        try await transport.shutdown()
    }
    #endif

    /// Serves `chunks` over an input that stays open until the connection closes itself (its close
    /// hook ends the input), or until `within` passes. Returns the replies and whether it closed.
    func serveOpen(
        _ chunks: [[UInt8]], token: String? = nil, clock: any Clock<Duration> = ContinuousClock(), idleTimeout: Duration? = nil,
        within: Duration = .seconds(5)
    ) async throws -> (replies: [JSONValue], closed: Bool) {
        let transport = AsyncHTTPClientTransport()
        let server = RuntimeServer(connectionToken: token, providerContext: ProviderContext(transport: transport, clock: clock))
        let written = Locked<[UInt8]>([])
        let (input, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        let closed = Locked(false)
        let connection = RPCConnection(maxFrameSize: 1024) {
            closed.withLock { $0 = true }
            continuation.finish()
        }
        for chunk in chunks { continuation.yield(chunk) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await server.serve(connection, input: input, idleTimeout: idleTimeout) { bytes in written.withLock { $0.append(contentsOf: bytes) } }
            }
            group.addTask {
                try await Task.sleep(for: within)
                continuation.finish()
            }
            try await group.next()
            group.cancelAll()
        }
        await server.shutdown()
        try await transport.shutdown()
        var decoder = FrameDecoder()
        let replies = try decoder.feed(written.withLock { $0 }).map { output in
            guard case .frame(let body) = output else { throw FramingError.malformedHeader("server wrote a bad frame") }
            return try JSONValue(parsing: String(decoding: body, as: UTF8.self))
        }
        return (replies, closed.withLock { $0 })
    }

    @Test("a frame announcing more than the limit (Content-Length 2^40) closes the connection after saying why")
    func oversizedFrameCloses() async throws {
        let (replies, closed) = try await serveOpen([
            Array("Content-Length: \(1 << 40)\r\n\r\n".utf8), Array(repeating: UInt8(ascii: "x"), count: 4096),
            Self.frame(#"{"jsonrpc":"2.0","id":"p","method":"ping","params":{}}"#),
        ])
        #expect(closed)
        #expect(replies.count == 1)
        #expect(replies.first?["error"]?["message"]?.stringValue?.contains("closing the connection") == true)
    }

    @Test("until the token is presented, requests are answered in order: a ping sent right behind connect is answered, not refused")
    func pipelinedConnect() async throws {
        let connect = Self.frame(#"{"jsonrpc":"2.0","id":"c","method":"connect","params":{"token":"t0k3n"}}"#)
        let pings = (1...20).flatMap { Self.frame(#"{"jsonrpc":"2.0","id":\#($0),"method":"ping","params":{}}"#) }
        let served = try await serveOpen([connect + pings], token: "t0k3n", within: .milliseconds(500))
        #expect(served.replies.count == 21)
        #expect(served.replies.filter { $0["result"]?["message"] == "pong: " }.count == 20, "\(served.replies.filter { $0["error"] != nil })")
    }

    @Test("with an idle timeout, a connection with no session and no request is closed once it has been silent that long; one that holds a session stays")
    func idleConnectionsClose() async throws {
        let ping = Self.frame(#"{"jsonrpc":"2.0","id":"p","method":"ping","params":{}}"#)
        // (Only the server closes a connection early: the end of the window does not count as closed.)
        let silent = try await serveOpen([ping], idleTimeout: .milliseconds(200))
        #expect(silent.closed && silent.replies.count == 1)

        let create = Self.frame(#"{"jsonrpc":"2.0","id":"s","method":"session.create","params":{"model":"m","provider":{"baseUrl":"http://127.0.0.1:9/v1"}}}"#)
        let holding = try await serveOpen([create], idleTimeout: .milliseconds(200), within: .seconds(1))
        #expect(!holding.closed, "a connection a session sends events to is not idle")
        #expect(holding.replies.contains { $0["id"] == "s" && $0["result"]?["sessionId"] != nil })
    }

    @Test("a wrong token closes the connection; one that never authenticates is closed at the deadline (on the server's clock)")
    func unauthenticatedConnectionsEnd() async throws {
        let wrong = try await serveOpen([Self.frame(#"{"jsonrpc":"2.0","id":"c","method":"connect","params":{"token":"guess"}}"#)], token: "t0k3n")
        #expect(wrong.closed)
        #expect(wrong.replies.first?["error"]?["message"]?.stringValue?.contains("AUTHENTICATION_FAILED") == true)

        let clock = RecordingClock()
        let silent = try await serveOpen([], token: "t0k3n", clock: clock)
        #expect(silent.closed, "closed at the authentication deadline")
        #expect(clock.waits.contains(10_000))

        let authenticated = try await serveOpen(
            [Self.frame(#"{"jsonrpc":"2.0","id":"c","method":"connect","params":{"token":"t0k3n"}}"#)], token: "t0k3n", within: .milliseconds(300))
        #expect(!authenticated.closed, "an authenticated connection stays open")
    }

    @Test("a peer that sends but never reads stops being read: what waits to be written stays bounded; requests beyond the in-flight cap are refused")
    func backPressure() async throws {
        let limits = RPCConnection.Limits(pausedAboveBytes: 16 * 1024, closedAboveBytes: 1024 * 1024, maxRequestsInFlight: 4)
        let connection = RPCConnection(limits: limits)
        let ping = Self.frame(#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{}}"#)
        let consumed = Counter()
        let (chunks, feed) = AsyncStream.makeStream(of: [UInt8].self)
        for _ in 0..<20_000 { feed.yield(ping) }
        feed.finish()
        let counted = chunks.map { chunk -> [UInt8] in
            consumed.add()
            return chunk
        }
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let writtenFrames = Counter()
        let blocked = Counter(1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await connection.run(input: counted, write: { _ in
                    if blocked.value == 1 { for await _ in gate { break } }
                    writtenFrames.add()
                }, onRequest: { _, _, _ in .object([:]) })
            }
            try await Task.sleep(for: .milliseconds(500))
            // The writer is stuck on the first frame: only what fits under the pause mark was read.
            let readWhileStuck = consumed.value
            #expect(readWhileStuck < 1_000, "read \(readWhileStuck) of 20,000 frames from a peer that reads nothing")
            blocked.set(0)
            open.yield()
            open.finish()
            try await group.waitForAll()
        }
        #expect(consumed.value == 20_000, "reading resumed once the peer caught up")
        #expect(writtenFrames.value == 20_000, "every ping was answered")

        // The in-flight cap: handlers that never finish, and more requests than the cap.
        let capped = RPCConnection(limits: limits)
        let replies = Locked<[JSONValue]>([])
        let (requests, send) = AsyncStream.makeStream(of: [UInt8].self)
        for id in 0..<6 { send.yield(Self.frame(#"{"jsonrpc":"2.0","id":\#(id),"method":"slow","params":{}}"#)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await capped.run(input: requests, write: { bytes in
                    var decoder = FrameDecoder()
                    for case .frame(let body) in decoder.feed(bytes) {
                        if let reply = try? JSONValue(parsing: String(decoding: body, as: UTF8.self)) { replies.withLock { $0.append(reply) } }
                    }
                }, onRequest: { _, _, _ in
                    try await Task.sleep(for: .seconds(60))
                    return .null
                })
            }
            let deadline = ContinuousClock.now + .seconds(5)
            while replies.withLock({ $0.count }) < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            send.finish()
            try await group.waitForAll()
        }
        let refused = replies.withLock { $0 }.filter { $0["error"]?["message"]?.stringValue?.contains("Too many requests in flight") == true }
        #expect(refused.count == 2, "6 requests, 4 in flight, 2 refused at once")
    }
}

/// A count shared with escaping closures.
final class Counter: Sendable {
    private let storage: Atomic<Int>
    init(_ value: Int = 0) { storage = Atomic(value) }
    func add() { storage.add(1, ordering: .relaxed) }
    func set(_ value: Int) { storage.store(value, ordering: .relaxed) }
    var value: Int { storage.load(ordering: .relaxed) }
}

/// A value shared with escaping and sending closures, behind a lock.
final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    func withLock<Result>(_ body: (inout Value) -> Result) -> Result { storage.withLock { body(&$0) } }
}

#if canImport(Glibc)
/// A blocking TCP client on loopback, for tests of the server's accept path.
final class LoopbackSocket: @unchecked Sendable {
    // Only used from the test that made it, one call at a time.
    private var fd: Int32
    private var nextID = 0
    /// Notifications read while waiting for answers, in order.
    private(set) var notifications: [JSONValue] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw FramingError.malformedHeader("cannot connect to 127.0.0.1:\(port)") }
    }

    /// Sends `ping` and returns the answer's message. The blocking calls run on a thread of their
    /// own, not on one of the few that the server's handlers need.
    func ping() async throws -> String? {
        try await call("ping", "{}")?["message"]?.stringValue
    }

    /// Sends a request and returns its result (nil for an error, or when the connection ends first);
    /// notifications that come before the answer are skipped.
    func call(_ method: String, _ params: String) async throws -> JSONValue? {
        try await Self.offPool { try self.blockingCall(method, params) }
    }

    /// Whether the server closes the connection within ten seconds (frames it sent first, such as lifecycle
    /// notifications every client gets, are read past).
    /// Whether the server closes the connection (an orderly end or a reset) within 30 seconds; a
    /// busy machine can take a while.
    func readsEndOfStream() async -> Bool {
        (try? await Self.offPool {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let deadline = ContinuousClock.now + .seconds(30)
            var reads = 0
            while ContinuousClock.now < deadline, reads < 64 {
                let count = recv(self.fd, &buffer, buffer.count, 0)
                if count == 0 { return true }
                if count < 0 {
                    if errno == ECONNRESET { return true }
                    if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                    return false
                }
                reads += 1
            }
            return false
        }) ?? false
    }

    private static func offPool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    private func blockingCall(_ method: String, _ params: String) throws -> JSONValue? {
        nextID += 1
        let id = nextID
        let frame = encodeFrame(Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#.utf8))
        _ = frame.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var decoder = FrameDecoder()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            for case .frame(let body) in decoder.feed(buffer[..<count]) {
                let message = try JSONValue(parsing: String(decoding: body, as: UTF8.self))
                if message["id"]?.intValue == id { return message["result"] }
                if message["id"] == nil { notifications.append(message) }
            }
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
#endif
