import CopilotRuntime
import CopilotProviders
import CopilotProtocol
import CopilotCore
import CopilotServer
import Foundation
import Synchronization
import Testing

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

    @Test("malformed frames, bad JSON, unknown methods, wrong params and huge frames get errors; serving goes on")
    func malformedInput() async throws {
        let huge = #"{"jsonrpc":"2.0","id":"h","method":"ping","params":{"message":""# + String(repeating: "x", count: 4096) + #""}}"#
        let replies = try await exchange([
            Array("Garbage-Header: 1\r\n\r\n".utf8),
            Self.frame("this is not json"),
            Self.frame("[1,2,3]"),
            Self.frame(#"{"jsonrpc":"2.0","id":"u","method":"no.such.method","params":{}}"#),
            Self.frame(#"{"jsonrpc":"2.0","id":"w","method":"session.send","params":{"prompt":"hi"}}"#),
            Self.frame(#"{"jsonrpc":"2.0","id":"s","method":"session.send","params":{"sessionId":"nope","prompt":"hi"}}"#),
            Self.frame(huge),
            Self.frame(#"{"jsonrpc":"1.0","id":"v1","method":"ping","params":{}}"#),
            Self.frame(#"{"id":7,"method":"ping","params":{}}"#),
            Self.frame(#"{"jsonrpc":"2.0","id":"p","method":"ping","params":{"message":"still here"}}"#),
        ])
        let byID = Dictionary(replies.compactMap { reply in reply["id"]?.stringValue.map { ($0, reply) } }, uniquingKeysWith: { a, _ in a })
        let anonymous = replies.filter { $0["id"] == .null }
        #expect(anonymous.count == 4, "bad header, bad JSON, non-object and huge frame each get an error with a null id")
        #expect(anonymous.allSatisfy { $0["error"]?["code"]?.intValue == -32700 || $0["error"]?["code"]?.intValue == -32600 })
        #expect(byID["u"]?["error"]?["code"] == -32601)
        #expect(byID["u"]?["error"]?["message"] == "Unhandled method no.such.method")
        #expect(byID["w"]?["error"]?["code"] == -32602)
        #expect(byID["s"]?["error"]?["message"]?.stringValue?.contains("Session not found: nope") == true)
        #expect(byID["h"] == nil, "the oversized frame was skipped, not executed")
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
}
