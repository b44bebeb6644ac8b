@testable import CopilotCore
@testable import CopilotProviders
import CopilotRuntime
import CopilotProviders
import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP port bound and not listening: a connection to it is refused, and while it is
/// held no other socket can bind it (this one does not set SO_REUSEADDR).
final class RefusingPort: Sendable {
    let port: Int
    private let fd: Int32

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = fd
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound else {
            close(fd)
            throw CopilotError(code: .invalidConfiguration, message: "no loopback port to hold")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}

@Suite("Client configuration, errors and secrets")
struct ClientTests {
    @Test("an option that does not apply to the chosen runtime is an error, not ignored")
    func optionsMustFitTheRuntime() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unused-\(UUID())")
        let client = CopilotClient(options: .init(
            runtime: .connect(address: "127.0.0.1:9"), sessionStore: FileSessionStore(directory: directory)))
        let error = await #expect(throws: CopilotError.self) { try await client.start() }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("sessionStore applies to in-process sessions only") == true)
        #expect(!FileManager.default.fileExists(atPath: directory.path), "nothing was stored")
    }

    @Test("a provider without a model opens a session (as the official runtime's does); a message sent to it fails with the documented error")
    func modelRequired() async throws {
        let client = CopilotClient()
        let session = try await client.createSession(SessionConfig(provider: ProviderConfig(baseURL: "http://127.0.0.1:9/v1")))
        await #expect {
            _ = try await session.sendAndWait(MessageOptions(prompt: "hi"))
        } throws: { error in
            String(describing: error).contains("Model required when a custom provider is set")
        }
        // Choosing a model later is enough: the next message goes to the provider (refused here, port 9).
        try await session.setModel("llama3.2")
        await #expect {
            _ = try await session.sendAndWait(MessageOptions(prompt: "hi"))
        } throws: { error in
            !String(describing: error).contains("Model required") && String(describing: error).contains("127.0.0.1:9")
        }
        await session.disconnect()
        try await client.stop()
    }

    @Test("a session id outside [A-Za-z0-9._-]{1,128} (or starting with a dot) is refused", arguments: ["a/b", "..", ".hidden", "a\\b", "", String(repeating: "x", count: 129)])
    func badSessionID(_ id: String) async throws {
        let client = CopilotClient()
        await #expect {
            _ = try await client.createSession(SessionConfig(sessionId: id, model: "m", provider: ProviderConfig(baseURL: "http://127.0.0.1:9/v1")))
        } throws: { error in
            (error as? CopilotError)?.code == .invalidConfiguration && String(describing: error).contains("not a valid session id")
        }
        try await client.stop()
    }

    @Test("no provider, and malformed base URLs, are configuration errors", arguments: ["", "localhost:11434/v1", "http:///v1"])
    func badProvider(_ baseURL: String) async throws {
        let client = CopilotClient()
        await #expect {
            _ = try await client.createSession(SessionConfig(model: "m", provider: ProviderConfig(baseURL: baseURL)))
        } throws: { error in
            (error as? CopilotError)?.code == .invalidConfiguration && String(describing: error).contains("base URL")
        }
        await #expect {
            _ = try await client.createSession(SessionConfig(model: "m"))
        } throws: { error in
            (error as? CopilotError)?.code == .invalidConfiguration && String(describing: error).contains("provider is required")
        }
        try await client.stop()
    }

    @Test("connection refused names the URL and says what to check")
    func connectionRefused() async throws {
        // Held for the whole test: a port that was only free a moment ago could be taken by a
        // parallel test's server, which would then answer these calls.
        let refusing = try RefusingPort()
        let port = refusing.port
        defer { withExtendedLifetime(refusing) {} }

        let client = CopilotClient()
        let session = try await client.createSession(SessionConfig(
            model: "m", provider: ProviderConfig(baseURL: "http://127.0.0.1:\(port)/v1"), onPermissionRequest: .approveAll))
        // Retried as any refused connection is (the default policy), which a busy machine makes slow.
        let events = try await runToIdle(session, "Hello?", timeout: .seconds(60))
        let error = try #require(events.compactMap { event -> SessionEvent.SessionError? in
            if case .sessionError(let error) = event.payload { error } else { nil }
        }.first)
        #expect(error.errorType == "connection")
        #expect(error.message.contains("Connection refused at http://127.0.0.1:\(port)/v1/chat/completions"))
        #expect(error.message.contains("foundry service status"))
        #expect(events.types.last == "session.idle")
        try await client.stop()
    }

    @Test("hints: Ollama's port suggests `ollama serve`")
    func ollamaHint() {
        #expect(AsyncHTTPClientTransport.hint(for: "http://localhost:11434/v1/chat/completions").contains("ollama serve"))
        #expect(AsyncHTTPClientTransport.hint(for: "http://127.0.0.1:5273/v1").contains("foundry service status"))
    }

    @Test("401: the key was rejected, and the key appears in no event, error or log line")
    func rejectedKeyNeverLeaks() async throws {
        let key = "sk-live-SECRET-0123456789abcdef"
        let turns: [ScriptedTurn] = [.error(status: 401, message: "Incorrect API key provided: \(key)", type: "invalid_api_key")]
        try await withScriptedClient(turns: turns) { client, server in
            let session = try await client.createSession(scriptedConfig(server, apiKey: key))
            let events = try await runToIdle(session, "Hi")
            #expect(server.modelCalls.first?.headers["authorization"] == "Bearer \(key)", "the key is sent to the provider")
            let error = try #require(events.compactMap { event -> SessionEvent.SessionError? in
                if case .sessionError(let error) = event.payload { error } else { nil }
            }.first)
            #expect(error.errorType == "authentication")
            #expect(error.statusCode == 401)
            #expect(error.message.contains("rejected the credentials"))
            #expect(error.message.contains(SecretRedactor.placeholder))
            for event in events {
                #expect(!(try event.jsonLine()).contains(key))
            }
        }
    }

    @Test("onListModels is called once and its result cached until stop")
    func listModelsCached() async throws {
        let calls = Mutex(0)
        let models = [ModelInfo(id: "local-llama", name: "Local Llama", capabilities: .init(
            supports: .init(vision: false, reasoningEffort: false), limits: .init(maxContextWindowTokens: 8192)))]
        let client = CopilotClient(options: .init(onListModels: {
            calls.withLock { $0 += 1 }
            return models
        }))
        async let first = client.listModels()
        async let second = client.listModels()
        #expect(try await first == models)
        #expect(try await second == models)
        #expect(try await client.listModels() == models)
        #expect(calls.withLock { $0 } == 1)
        try await client.stop()
        _ = try await client.listModels()
        #expect(calls.withLock { $0 } == 2)
    }

    @Test("ModelInfo encodes with the official keys (snake_case limits)")
    func modelInfoJSON() throws {
        let info = ModelInfo(id: "m", name: "M", capabilities: .init(supports: .init(vision: true), limits: .init(maxContextWindowTokens: 128_000)))
        let json = try JSONValue(encoding: info)
        #expect(json == ["id": "m", "name": "M", "capabilities": ["supports": ["vision": true], "limits": ["max_context_window_tokens": 128_000]]])
    }

    @Test("ProviderConfig round-trips through the official JSON field names")
    func providerConfigJSON() throws {
        let json: JSONValue = [
            "type": "azure", "baseUrl": "https://r.openai.azure.com", "apiKey": "k", "wireApi": "responses",
            "azure": ["apiVersion": "2025-03-01-preview"], "headers": ["X-A": "b"],
        ]
        let config = try json.decode(as: ProviderConfig.self)
        #expect(config.resolvedType == .azure)
        #expect(config.resolvedWireAPI == .responses)
        #expect(config.azure?.apiVersion == "2025-03-01-preview")
        #expect(try JSONValue(encoding: config) == json)
    }
}

@Suite("Session event JSON")
struct SessionEventCodingTests {
    @Test("the envelope matches what the official SDKs parse")
    func envelope() throws {
        let id = UUID()
        let event = SessionEvent(
            id: id, timestamp: Date(timeIntervalSince1970: 1_700_000_000.125), parentId: nil,
            payload: .assistantMessage(.init(
                messageId: "m1", content: "", toolRequests: [.init(toolCallId: "c1", name: "t", arguments: ["a": 1])])))
        let json = try JSONValue(parsing: event.jsonLine())
        #expect(json["id"]?.stringValue == id.uuidString.lowercased())
        #expect(json["timestamp"] == "2023-11-14T22:13:20.125Z")
        #expect(json["parentId"] == .null)
        #expect(json["ephemeral"] == nil)
        #expect(json["type"] == "assistant.message")
        #expect(json["data"] == ["messageId": "m1", "content": "", "toolRequests": [["toolCallId": "c1", "name": "t", "arguments": ["a": 1], "type": "function"]]])
        #expect(try JSONDecoder().decode(SessionEvent.self, from: Data(event.jsonLine().utf8)) == event)
    }

    @Test("timestamps are written to the millisecond and read back unchanged, any year (Foundation's formatter lost a millisecond per round trip; found by fuzzing)")
    func timestampsRoundTrip() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var generator = SystemRandomNumberGenerator()
        let samples = [0, 951_782_400_000, 1_638_468_000_123, 2_524_607_999_999, 4_102_444_800_000, 253_402_300_799_999]
            + (0..<2000).map { _ in Int64.random(in: 0...253_402_300_799_999, using: &generator) }
        for milliseconds in samples {
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = EventTimestamp.format(date)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(milliseconds / 1000)))
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!, Int(milliseconds % 1000))
            #expect(text == expected, "\(milliseconds) ms")
            let again = try #require(EventTimestamp.parse(text))
            #expect(EventTimestamp.format(again) == text, "\(text) read and written again")
        }
        // Before 1582 too (Foundation's parser turned Julian there), with offsets, and without a fraction.
        let read = ["1013-12-02T18:00:00.123Z": "1013-12-02T18:00:00.123Z", "2026-01-01T01:30:00+01:30": "2026-01-01T00:00:00.000Z",
                    "2025-12-31T20:00:00.5-04:00": "2026-01-01T00:00:00.500Z", "2024-02-29T00:00:00Z": "2024-02-29T00:00:00.000Z"]
        for (text, written) in read {
            #expect(EventTimestamp.parse(text).map(EventTimestamp.format) == written, "\(text)")
        }
        for bad in ["", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-01-01T24:00:00Z",
                    "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zx", "2026-1-01T00:00:00Z", "2026-01-01T00:00:00+0100"] {
            #expect(EventTimestamp.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("ephemeral events say so; unknown types survive as raw data")
    func ephemeralAndUnknown() throws {
        let idle = SessionEvent(payload: .sessionIdle(.init()))
        #expect(try JSONValue(parsing: idle.jsonLine())["ephemeral"] == true)
        let line = #"{"id":"6f1c1d2e-5b7a-4c1e-9a55-0d7a1c2b3e4f","timestamp":"2026-01-01T00:00:00Z","parentId":null,"type":"canvas.opened","data":{"title":"Hi"}}"#
        let decoded = try JSONDecoder().decode(SessionEvent.self, from: Data(line.utf8))
        #expect(decoded.payload == .unknown(type: "canvas.opened", data: ["title": "Hi"]))
    }

    @Test("a non-UUID id is rejected, as the official parser does")
    func strictID() {
        let line = #"{"id":"evt-1","timestamp":"2026-01-01T00:00:00Z","type":"session.idle","data":{}}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SessionEvent.self, from: Data(line.utf8)) }
    }
}
