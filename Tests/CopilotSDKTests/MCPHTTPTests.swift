import CopilotCore
import CopilotMCP
import CopilotProviders
import CopilotRuntime
import CopilotSDK
import CopilotTesting
import Foundation
import Logging
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let python = packageRoot.appendingPathComponent(".venv/bin/python").path
private let serverScript = packageRoot.appendingPathComponent("Tests/Interop/mcp_server.py").path
private let haveMCP = FileManager.default.isExecutableFile(atPath: python)

/// Tests/Interop/mcp_server.py serving over HTTP on a free loopback port, ended when dropped.
final class HTTPMCPServer: Sendable {
    let port: Int
    let mode: String
    private let process = Mutex<Process?>(nil)

    /// - Parameter mode: `http` (answers as event streams), `http-json` (as JSON) or `sse`.
    init(mode: String) async throws {
        self.mode = mode
        port = try Self.freePort()
        try await start()
    }

    var url: String { mode == "sse" ? "http://127.0.0.1:\(port)/sse" : "http://127.0.0.1:\(port)/mcp" }

    /// Starts the server (again, after ``stop()``: it then knows none of its earlier sessions).
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [serverScript, mode, "\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process.withLock { $0 = process }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if Self.accepts(port) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        stop()
        throw MCPTestError("the HTTP MCP server did not start listening on \(port)")
    }

    func stop() {
        guard let process = process.withLock({ state in defer { state = nil }; return state }) else { return }
        // Killed: uvicorn's graceful stop would wait for the client's open event stream.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    /// A free port below the kernel's ephemeral range. The Python server binds it a moment after
    /// this returns; a port from the ephemeral range could meanwhile go to a server that binds port
    /// 0 (the scripted model servers of parallel tests), and this test would then talk to that one.
    static func freePort() throws -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
            .split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        let ephemeralStart = range?.first ?? 32768
        for _ in 0..<100 {
            let port = Int.random(in: 10_000..<max(ephemeralStart, 10_001))
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let bound = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if bound { return port }
        }
        throw MCPTestError("no free port below \(ephemeralStart)")
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

struct MCPTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

private func http() -> AsyncHTTPClientTransport { AsyncHTTPClientTransport.shared(timeouts: HTTPTimeouts(connect: .seconds(5), idle: .seconds(60))) }

/// Our client over `transport`, as a session's MCP tools use it.
private func connect(_ transport: some MCPTransport) async throws -> MCPConnection {
    try await MCPConnection.open(transport, timeout: .seconds(30), logger: Logger(label: "test"), elicit: { _ in .decline }, toolsChanged: {})
}

private func call(_ client: MCPConnection, _ name: String, _ arguments: JSONValue = [:]) async throws -> JSONValue {
    try await client.call(name, arguments: arguments)
}

private func text(_ result: JSONValue) -> String {
    (result["content"]?.arrayValue ?? []).compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined()
}

@Suite(
    "MCP over HTTP: Streamable HTTP (event-stream and JSON answers) and HTTP+SSE, against the Python mcp package's servers",
    .serialized, .enabled(if: haveMCP, "needs .venv with the mcp package (scripts/test.sh)"))
struct MCPHTTPTests {
    @Test("Streamable HTTP: a call is answered, the session id is kept, and a server that forgot the session (restarted) is initialised again", arguments: ["http", "http-json"])
    func streamableHTTP(mode: String) async throws {
        let server = try await HTTPMCPServer(mode: mode)
        defer { server.stop() }
        let transport = StreamableHTTPTransport(url: server.url, headers: [:], http: http(), logger: Logger(label: "test"))
        let client = try await connect(transport)
        let first = await transport.currentSessionId
        #expect(first != nil, "the server gave a session id")
        let result = try await call(client, "forecast", ["city": "Oslo"])
        #expect(result["structuredContent"] == ["city": "Oslo", "celsius": 18])

        // The server restarts and knows no session: it answers 404, and the transport initialises again.
        server.stop()
        try await server.start()
        let again = try await call(client, "describe_process", ["names": []])
        #expect(again["isError"] != true && text(again).hasPrefix("cwd="), "\(again)")
        let second = await transport.currentSessionId
        #expect(second != nil && second != first, "a new session id after the 404")
        await client.close()
    }

    @Test("HTTP+SSE: the event stream names the message address; calls are answered on the stream")
    func sse() async throws {
        let server = try await HTTPMCPServer(mode: "sse")
        defer { server.stop() }
        let transport = SSETransport(url: server.url, headers: [:], http: http(), logger: Logger(label: "test"))
        let client = try await connect(transport)
        let tools = try await client.listTools().compactMap { $0["name"]?.stringValue }
        #expect(tools.contains("forecast"))
        let result = try await call(client, "forecast", ["city": "Lima"])
        #expect(result["structuredContent"] == ["city": "Lima", "celsius": 18])
        await client.close()
        #expect(transport.hasEnded)
    }

    @Test("a session's Streamable HTTP server answers the model's call; the tools filter hides a tool; a restarted server's next call works")
    func session() async throws {
        let server = try await HTTPMCPServer(mode: "http")
        defer { server.stop() }
        let turns: [ScriptedTurn] = [
            .toolCalls([(name: "web-forecast", arguments: #"{"city":"Quito"}"#)]), .text("done"),
            .toolCalls([(name: "web-forecast", arguments: #"{"city":"Bern"}"#)]), .text("again"),
        ]
        try await withScriptedClient(turns: turns) { client, scripted in
            var config = scriptedConfig(scripted)
            config.mcpServers = ["web": .http(url: server.url, tools: ["forecast", "picture"])]
            config.onPermissionRequest = PermissionHandler { _, _ in .approveOnce }
            let session = try await client.createSession(config)
            let loaded = Mutex<[SessionEvent.MCPServersLoaded]>([])
            let subscription = session.on(.mcpServersLoaded) { event in loaded.withLock { $0.append(event) } }
            let events = try await runToIdle(session, "forecast", timeout: .seconds(60))
            let start = events.compactMap { event -> SessionEvent.ToolExecutionStart? in
                if case .toolExecutionStart(let start) = event.payload { start } else { nil }
            }
            #expect(start.first?.mcpServerName == "web" && start.first?.mcpToolName == "forecast", "\(start)")
            let tools = scripted.modelCalls[0].json?["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }
            #expect(tools?.sorted() == ["web-forecast", "web-picture"])
            let done = events.compactMap { event -> SessionEvent.ToolExecutionComplete? in
                if case .toolExecutionComplete(let complete) = event.payload { complete } else { nil }
            }
            #expect(done.first?.success == true)
            #expect(done.first?.result?.content.contains("Quito") == true, "\(done)")
            #expect(done.first?.result?.structuredContent == ["city": "Quito", "celsius": 18])
            #expect(done.first?.result?.contents?.first?["type"] == "text")
            #expect(loaded.withLock { $0.first?.servers } == [.init(name: "web", status: "connected")])
            subscription.cancel()

            server.stop()
            try await server.start()
            let later = try await runToIdle(session, "again", timeout: .seconds(60))
            let second = later.compactMap { event -> SessionEvent.ToolExecutionComplete? in
                if case .toolExecutionComplete(let complete) = event.payload { complete } else { nil }
            }
            #expect(second.first?.success == true && second.first?.result?.content.contains("Bern") == true, "\(second)")
            await session.disconnect()
        }
    }
}

/// An HTTP transport that answers from a script and records what it was sent.
private final class ScriptedHTTP: HTTPTransport {
    struct Sent {
        var method: String
        var headers: HeaderFields
        var body: JSONValue?
    }

    private let state = Mutex<(sent: [Sent], sessions: Int, forgetNext: Bool)>(([], 0, false))
    /// When set, requests without `Authorization: Bearer <token>` are challenged (401) like an OAuth-protected server.
    let requiredToken: String?

    init(requiredToken: String? = nil) {
        self.requiredToken = requiredToken
    }

    var sent: [Sent] { state.withLock { $0.sent } }

    /// The next request with a session id is answered 404, as by a server that restarted.
    func forget() { state.withLock { $0.forgetNext = true } }

    func execute(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        let body = request.body.flatMap { try? JSONValue(parsing: $0) }
        let (forgotten, session) = state.withLock { state -> (Bool, Int) in
            state.sent.append(Sent(method: request.method, headers: request.headers, body: body))
            if state.forgetNext, request.headers["Mcp-Session-Id"] != nil {
                state.forgetNext = false
                return (true, state.sessions)
            }
            let challenged = requiredToken.map { request.headers["Authorization"] != "Bearer \($0)" } ?? false
            if body?["method"] == "initialize", !challenged { state.sessions += 1 }
            return (false, state.sessions)
        }
        if forgotten { return HTTPTransportResponse(status: 404, headers: [:], body: HTTPResponseBody(chunks: [])) }
        if request.url.hasSuffix("/.well-known/oauth-protected-resource") {
            return HTTPTransportResponse(
                status: 200, headers: ["Content-Type": "application/json"],
                body: HTTPResponseBody(chunks: [Array(#"{"resource":"http://127.0.0.1:1/mcp","scopes_supported":["mcp.read"]}"#.utf8)]))
        }
        if let requiredToken, request.headers["Authorization"] != "Bearer \(requiredToken)" {
            return HTTPTransportResponse(
                status: 401,
                headers: ["WWW-Authenticate": #"Bearer resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource", scope="mcp.read", error="invalid_token""#],
                body: HTTPResponseBody(chunks: [Array(#"{"error":"invalid_token"}"#.utf8)]))
        }
        if request.method == "GET" { return HTTPTransportResponse(status: 405, headers: [:], body: HTTPResponseBody(chunks: [])) }
        guard let id = body?["id"], let method = body?["method"]?.stringValue else {
            return HTTPTransportResponse(status: 202, headers: [:], body: HTTPResponseBody(chunks: []))
        }
        let result: JSONValue = switch method {
        case "initialize":
            ["protocolVersion": "2025-06-18", "capabilities": ["tools": [:]], "serverInfo": ["name": "scripted", "version": "1"]]
        default:
            ["content": [["type": "text", "text": .string("answer \(session)")]]]
        }
        let message = JSONValue.object(["jsonrpc": .string("2.0"), "id": id, "result": result]).jsonString
        // Answers alternate between an event stream (split mid-event) and a JSON body.
        if method == "tools/call" {
            let stream = Array("event: message\ndata: \(message)\n\n".utf8)
            return HTTPTransportResponse(
                status: 200, headers: ["Content-Type": "text/event-stream"],
                body: HTTPResponseBody(chunks: [Array(stream[..<20]), Array(stream[20...])]))
        }
        var headers: HeaderFields = ["Content-Type": "application/json"]
        if method == "initialize" { headers.add(name: "Mcp-Session-Id", value: "session-\(session)") }
        return HTTPTransportResponse(status: 200, headers: headers, body: HTTPResponseBody(chunks: [Array(message.utf8)]))
    }
}

@Suite("Streamable HTTP transport: the exact requests")
struct StreamableHTTPFramingTests {
    @Test("the session id and protocol version go with every message after initialize; the configured headers with all; a 404 initialises again and resends")
    func headersAndReinitialization() async throws {
        let scripted = ScriptedHTTP()
        let transport = StreamableHTTPTransport(
            url: "http://127.0.0.1:1/mcp", headers: ["Authorization": "Bearer secret-token"], http: scripted, logger: Logger(label: "test"))
        let client = try await connect(transport)
        let first = try await call(client, "any")
        #expect(text(first) == "answer 1")
        scripted.forget()
        let second = try await call(client, "any")
        #expect(text(second) == "answer 2", "answered in the new session")
        await client.close()

        let posts = scripted.sent.filter { $0.method == "POST" }
        let methods = posts.map { $0.body?["method"]?.stringValue ?? "-" }
        #expect(methods == ["initialize", "notifications/initialized", "tools/call", "tools/call", "initialize", "notifications/initialized", "tools/call"])
        #expect(posts.allSatisfy { $0.headers["Authorization"] == "Bearer secret-token" })
        #expect(posts.allSatisfy { $0.headers["Accept"] == "application/json, text/event-stream" })
        #expect(posts[0].headers["Mcp-Session-Id"] == nil && posts[0].headers["MCP-Protocol-Version"] == nil)
        #expect(posts[1...3].allSatisfy { $0.headers["Mcp-Session-Id"] == "session-1" && $0.headers["MCP-Protocol-Version"] == "2025-06-18" })
        #expect(posts[4].headers["Mcp-Session-Id"] == nil, "initialising again starts without the forgotten id")
        #expect(posts[4].body?["id"] != posts[0].body?["id"], "its own id, so its answer is not taken for the client's")
        #expect(posts[5...6].allSatisfy { $0.headers["Mcp-Session-Id"] == "session-2" })
        #expect(posts[6].body?["id"] == posts[3].body?["id"], "the forgotten message is sent again as it was")
        let deletes = scripted.sent.filter { $0.method == "DELETE" }
        // The goodbye is sent without waiting for it: it may not have gone out yet.
        #expect(deletes.allSatisfy { $0.headers["Mcp-Session-Id"] == "session-2" })
    }

    @Test("an OAuth challenge asks for a token with the challenge and the resource metadata; the token is sent from then on; no token is needs-auth")
    func oauth() async throws {
        let scripted = ScriptedHTTP(requiredToken: "host-token")
        let asked = Mutex<[MCPAuthChallenge]>([])
        let transport = StreamableHTTPTransport(
            url: "http://127.0.0.1:1/mcp", headers: [:], http: scripted, logger: Logger(label: "test")
        ) { challenge in
            asked.withLock { $0.append(challenge) }
            return "host-token"
        }
        let client = try await connect(transport)
        #expect(text(try await call(client, "any")) == "answer 1")
        await client.close()
        let challenge = try #require(asked.withLock { $0.first })
        #expect(asked.withLock { $0.count } == 1 && challenge.reason == .initial)
        #expect(challenge.parameters == [
            "resourceMetadataUrl": "http://127.0.0.1:1/.well-known/oauth-protected-resource", "scope": "mcp.read", "error": "invalid_token",
        ])
        #expect(challenge.resourceMetadata?.contains("scopes_supported") == true)
        let posts = scripted.sent.filter { $0.method == "POST" }
        #expect(posts.first?.headers["Authorization"] == nil)
        #expect(posts.dropFirst().allSatisfy { $0.headers["Authorization"] == "Bearer host-token" })

        let refused = StreamableHTTPTransport(
            url: "http://127.0.0.1:1/mcp", headers: [:], http: ScriptedHTTP(requiredToken: "host-token"), logger: Logger(label: "test")
        ) { _ in nil }
        let error = await #expect(throws: MCPTransportError.self) { _ = try await connect(refused) }
        #expect(error?.needsAuthorization == true)
    }

    @Test("a URL that cannot be a server's is refused by name, without its credentials")
    func badURL() async throws {
        let transport = StreamableHTTPTransport(url: "ftp://user:pw@example.com/mcp", headers: [:], http: ScriptedHTTP(), logger: Logger(label: "test"))
        let error = await #expect(throws: MCPTransportError.self) { try await transport.connect() }
        #expect(error?.description.contains("http://") == true && error?.description.contains("pw") == false)
    }
}

@Suite(
    "MCP OAuth against the Python mcp package's resource server: the app's token opens the server, in process and through the Swift remote client",
    .serialized, .enabled(if: haveMCP, "needs .venv with the mcp package (scripts/test.sh)"))
struct MCPOAuthTests {
    @Test("the server's 401 challenge reaches onMcpAuthRequest with its resource metadata; the token it gives is sent and the tool answers; no token leaves the server needs-auth", arguments: [false, true])
    func hostToken(remote: Bool) async throws {
        let port = try HTTPMCPServer.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [packageRoot.appendingPathComponent("Tests/Interop/oauth_mcp_server.py").path, "\(port)", "swift-test-token"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while !HTTPMCPServer.accepts(port), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }

        let options = remote
            ? CopilotClientOptions(retryPolicy: .none, runtime: .spawn(path: try copilotSwiftBinary())) : CopilotClientOptions(retryPolicy: .none)
        let turns: [ScriptedTurn] = [.toolCalls([(name: "guarded-whoami", arguments: "{}")]), .text("done")]
        try await withScriptedClient(turns: turns, options: options) { client, scripted in
            let asked = Mutex<[MCPAuthRequest]>([])
            var config = scriptedConfig(scripted)
            config.mcpServers = ["guarded": .http(url: "http://127.0.0.1:\(port)/mcp")]
            config.onPermissionRequest = PermissionHandler { _, _ in .approveOnce }
            config.onMcpAuthRequest = MCPAuthHandler { request in
                asked.withLock { $0.append(request) }
                return .token(accessToken: "swift-test-token")
            }
            let session = try await client.createSession(config)
            let events = try await runToIdle(session, "who am I?", timeout: .seconds(60))
            let done = events.compactMap { event -> SessionEvent.ToolExecutionComplete? in
                if case .toolExecutionComplete(let complete) = event.payload { complete } else { nil }
            }
            // On a failure, what the session said about the server tells why.
            let warnings = events.compactMap { event -> String? in
                if case .sessionWarning(let warning) = event.payload { warning.message } else { nil }
            }
            #expect(done.first?.success == true && done.first?.result?.content == "the holder of the accepted token", "\(done); warnings: \(warnings)")
            let request = try #require(asked.withLock { $0.first }, "warnings: \(warnings)")
            #expect(request.serverName == "guarded" && request.reason == .initial && request.serverURL == "http://127.0.0.1:\(port)/mcp")
            #expect(request.challenge["error"] == "invalid_token")
            #expect(request.challenge["resourceMetadataUrl"] == "http://127.0.0.1:\(port)/.well-known/oauth-protected-resource/mcp")
            #expect(request.resourceMetadata?.contains("\"scopes_supported\":[\"mcp.read\"]") == true, "\(request.resourceMetadata ?? "")")
            await session.disconnect()

            var refusing = scriptedConfig(scripted)
            refusing.mcpServers = ["guarded": .http(url: "http://127.0.0.1:\(port)/mcp")]
            refusing.onMcpAuthRequest = MCPAuthHandler { _ in .cancelled }
            let refused = try await client.createSession(refusing)
            var status: String?
            let waitUntil = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < waitUntil {
                status = try await refused.mcpServers().first?.status
                if status == "needs-auth" { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(status == "needs-auth")
            await refused.disconnect()
        }
    }
}
