import CopilotCore
import CopilotProtocol
import CopilotProviders
import CopilotRuntime
import Foundation
import Synchronization
import Testing

extension ProtocolTests {
    static func request(_ id: String, _ method: String, _ params: String) -> [UInt8] {
        frame(#"{"jsonrpc":"2.0","id":"\#(id)","method":"\#(method)","params":\#(params)}"#)
    }

    static let create = #"{"sessionId":"s1","model":"m","provider":{"type":"openai","baseUrl":"http://127.0.0.1:9/v1"}}"#

    @Test("every unknown method is -32601: top level, session.* without a sessionId, with an unknown one, with a live one")
    func unknownMethods() async throws {
        let replies = try await exchange([
            Self.request("create", "session.create", Self.create),
            Self.request("a", "no.such.method", "{}"),
            Self.request("b", "session.nosuch.list", "{}"),
            Self.request("c", "session.nosuch.list", #"{"sessionId":"nope"}"#),
            Self.request("d", "session.nosuch.list", #"{"sessionId":"s1"}"#),
            Self.request("e", "session.nosuch.get", #"{"sessionId":5}"#),
        ], maxFrameSize: 64 * 1024)
        let byID = Dictionary(replies.compactMap { reply in reply["id"]?.stringValue.map { ($0, reply) } }, uniquingKeysWith: { a, _ in a })
        #expect(byID["create"]?["result"]?["sessionId"] == "s1")
        for id in ["a", "b", "c", "d", "e"] {
            #expect(byID[id]?["error"]?["code"] == -32601, "\(id): \(byID[id]?.jsonString ?? "no reply")")
            #expect(byID[id]?["error"]?["message"]?.stringValue?.hasPrefix("Unhandled method ") == true)
        }
    }

    @Test("params of the wrong shape are -32602 naming the field; nothing is created")
    func wrongShapes() async throws {
        let replies = try await exchange([
            Self.request("int-id", "session.create", #"{"sessionId":5,"model":"m","provider":{"baseUrl":"http://127.0.0.1:9/v1"}}"#),
            Self.request("tools", "session.create", #"{"sessionId":"t","model":"m","provider":{"baseUrl":"http://127.0.0.1:9/v1"},"tools":"x"}"#),
            Self.request("tool-name", "session.create", #"{"sessionId":"t","model":"m","provider":{"baseUrl":"http://127.0.0.1:9/v1"},"tools":[{"description":"no name"}]}"#),
            Self.request("provider", "session.create", #"{"sessionId":"t","model":"m","provider":{"type":"bogus","baseUrl":"http://127.0.0.1:9/v1"}}"#),
            Self.request("send", "session.send", #"{"sessionId":7,"prompt":"hi"}"#),
            Self.request("prompt", "session.send", #"{"sessionId":"t"}"#),
            Self.request("params", "session.list", "[1]"),
            Self.request("ping", "ping", #"{"message":5}"#),
            Self.request("traversal", "session.create", #"{"sessionId":"../etc","model":"m","provider":{"baseUrl":"http://127.0.0.1:9/v1"}}"#),
            Self.request("backslash", "session.create", #"{"sessionId":"a\\b","model":"m","provider":{"baseUrl":"http://127.0.0.1:9/v1"}}"#),
            Self.request("nul", "session.create", #"{"sessionId":"a\u0000b","model":"m","provider":{"baseUrl":"http://127.0.0.1:9/v1"}}"#),
            Self.request("list", "session.list", "{}"),
        ], maxFrameSize: 64 * 1024)
        let byID = Dictionary(replies.compactMap { reply in reply["id"]?.stringValue.map { ($0, reply) } }, uniquingKeysWith: { a, _ in a })
        let expected: [String: String] = [
            "int-id": "`sessionId` must be a string", "tools": "`tools` must be an array", "tool-name": "`tools.[0].name` is required",
            "provider": "provider.type `bogus`", "send": "`sessionId` must be a string", "prompt": "`prompt` is required",
            "params": "params must be an object", "ping": "`message` must be a string",
            "traversal": "`sessionId`: a session id cannot start with a dot",
            "backslash": "`sessionId`: a session id may only hold letters", "nul": "`sessionId`: a session id may only hold letters",
        ]
        for (id, words) in expected {
            #expect(byID[id]?["error"]?["code"] == -32602, "\(id): \(byID[id]?.jsonString ?? "no reply")")
            #expect(byID[id]?["error"]?["message"]?.stringValue?.contains(words) == true, "\(id): \(byID[id]?.jsonString ?? "no reply")")
        }
        #expect(byID["list"]?["result"]?["sessions"] == [], "no session was created by a refused create")
    }

    @Test("options the runtime does not act on are named in a session.warning, not dropped in silence")
    func unsupportedOptionsAreNamed() async throws {
        let create = #"{"sessionId":"w","model":"m","provider":{"baseUrl":"http://127.0.0.1:9/v1"},"canvasProviders":["plugins"],"requestElicitation":false,"envValueMode":"direct","autopilot":{}}"#
        let replies = try await exchange([Self.request("create", "session.create", create)], maxFrameSize: 64 * 1024)
        #expect(replies.first { $0["id"] == "create" }?["result"]?["sessionId"] == "w")
        // The creating connection gets the session's events as `session.event` notifications.
        let events = replies.filter { $0["method"] == "session.event" }.compactMap { $0["params"]?["event"] }
        #expect(events.first?["type"] == "session.start")
        let warnings = events.filter { $0["type"] == "session.warning" }
        #expect(warnings.count == 1)
        let text = warnings.first?["data"]?["message"]?.stringValue ?? ""
        #expect(text.contains("canvasProviders") && text.contains("autopilot"))
        #expect(!text.contains("requestElicitation") && !text.contains("envValueMode"), "inert defaults are not reported")
    }
}

@Suite("SessionConfig and the official SDK's session.create / session.resume payloads")
struct SessionParamsRoundTripTests {
    /// Captured from the unmodified `github-copilot-sdk==1.0.27` (Tests/Fixtures/capture).
    static let fixture: JSONValue = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/python-sdk-1.0.27-payloads.json")
        return (try? JSONValue(parsing: String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self))) ?? .null
    }()

    static let callbacks = SessionCallbacks(
        tool: { _ in { _ in .success("unused") } }, permissionHandler: .approveAll,
        userInputHandler: UserInputHandler { _ in UserInputResponse(answer: "unused") }, hooks: SessionHooks(),
        bearerTokenProvider: { _ in BearerTokenProvider { "unused" } }, systemMessageTransform: { _, content in content })

    /// What a SessionConfig cannot carry: options of one resume call, and values that change nothing.
    static func comparable(_ params: JSONValue) -> JSONValue {
        var object = params.objectValue ?? [:]
        for key in ["envValueMode", "includeSubAgentStreamingEvents", "requestElicitation", "requestExitPlanMode", "requestAutoModeSwitch",
            "continuePendingWork", "allowTranscriptRecovery", "disableResume"]
        {
            object.removeValue(forKey: key)
        }
        if object["streaming"] == false { object.removeValue(forKey: "streaming") }
        return .object(object)
    }

    @Test("each captured payload decodes fully, becomes a SessionConfig, and maps back to the same payload",
        arguments: ["byok_minimal", "tools_and_filters", "replace_and_caps", "anthropic", "resume"])
    func roundTrip(_ name: String) throws {
        let captured = try #require(Self.fixture["cases"]?[name]?["params"], "fixture case \(name)")
        let params = try captured.decode(as: SessionCreateParams.self)
        #expect(params.unsupportedFields.isEmpty, "the SDK sent fields this runtime ignores: \(params.unsupportedFields)")
        let config = try SessionConfig(params, callbacks: Self.callbacks)
        let again = try JSONValue(encoding: try SessionCreateParams(config, sessionId: try #require(params.sessionId)))
        #expect(Self.comparable(again) == Self.comparable(captured), "\(again.jsonString)\nvs\n\(captured.jsonString)")
    }

    @Test("the config the payloads describe: filters, prompt, capabilities, callbacks and the provider")
    func meaning() throws {
        let tools = try SessionConfig(
            try #require(Self.fixture["cases"]?["tools_and_filters"]?["params"]).decode(as: SessionCreateParams.self), callbacks: Self.callbacks)
        #expect(tools.tools.map(\.name) == ["get_weather", "get_time"])
        #expect(tools.tools.map(\.skipPermission) == [false, true])
        #expect(tools.availableTools == ["get_weather", "view", "encrypt"] && tools.excludedTools == ["bash"])
        guard case .append("Be brief.") = tools.systemMessage else {
            Issue.record("systemMessage is \(String(describing: tools.systemMessage))")
            return
        }
        #expect(tools.reasoningEffort == "high" && tools.workingDirectory == "/tmp/work")
        let caps = try SessionConfig(
            try #require(Self.fixture["cases"]?["replace_and_caps"]?["params"]).decode(as: SessionCreateParams.self), callbacks: Self.callbacks)
        guard case .replace("You are a test.") = caps.systemMessage else {
            Issue.record("systemMessage is \(String(describing: caps.systemMessage))")
            return
        }
        #expect(caps.modelCapabilities?.supports.vision == false && caps.modelCapabilities?.limits.maxContextWindowTokens == 4096)
        #expect(caps.hooks != nil && caps.onUserInputRequest != nil && caps.onPermissionRequest != nil)
        #expect(caps.provider?.type == .azure && caps.provider?.azure?.apiVersion == "2024-10-21" && caps.provider?.headers == ["X-Test": "1"])
        let anthropic = try SessionConfig(
            try #require(Self.fixture["cases"]?["anthropic"]?["params"]).decode(as: SessionCreateParams.self), callbacks: Self.callbacks)
        #expect(anthropic.onPermissionRequest == nil && anthropic.provider?.type == .anthropic && anthropic.streaming == false)
    }

    /// `providers` and `models` as the official SDK sends them (its `NamedProviderConfig` and `ProviderModelConfig`).
    static func namedProviders(model: String) throws -> SessionCreateParams {
        try JSONValue(parsing: """
            {"sessionId":"s","model":"\(model)","enableCitations":true,
             "providers":[{"name":"red","type":"openai","wireApi":"responses","baseUrl":"https://red.invalid/v1","hasBearerTokenProvider":true},
                          {"name":"blue","type":"anthropic","baseUrl":"https://blue.invalid","apiKey":"k"}],
             "models":[{"id":"default","provider":"red","wireModel":"red-model"},{"id":"fast","provider":"blue"},{"id":"lost","provider":"green"}]}
            """).decode(as: SessionCreateParams.self)
    }

    @Test("a model chosen as provider/id is served by that named provider, with its wire name and its own token callback; a wrong choice is a clear error")
    func namedProviders() async throws {
        let asked = Mutex<[String]>([])
        var callbacks = Self.callbacks
        callbacks.bearerTokenProvider = { name in BearerTokenProvider { asked.withLock { $0.append(name) }; return "token-\(name)" } }
        let params = try Self.namedProviders(model: "red/default")
        #expect(params.unsupportedFields.isEmpty)
        let red = try SessionConfig(params, callbacks: callbacks)
        #expect(red.model == "red/default" && red.enableCitations)
        #expect(red.provider?.baseURL == "https://red.invalid/v1" && red.provider?.resolvedWireAPI == .responses)
        #expect(red.provider?.wireModel == "red-model")
        #expect(try await red.provider?.bearerTokenProvider?.token() == "token-red" && asked.withLock { $0 } == ["red"])

        let blue = try SessionConfig(try Self.namedProviders(model: "blue/fast"), callbacks: callbacks)
        #expect(blue.provider?.type == .anthropic && blue.provider?.apiKey == "k" && blue.provider?.wireModel == "fast")
        #expect(blue.provider?.bearerTokenProvider == nil)

        #expect { try SessionConfig(try Self.namedProviders(model: "red/other"), callbacks: callbacks) } throws: { error in
            (error as? CopilotError)?.message == "model `red/other` is not one of the session's models (red/default, blue/fast, green/lost)."
        }
        #expect { try SessionConfig(try Self.namedProviders(model: "green/lost"), callbacks: callbacks) } throws: { error in
            (error as? CopilotError)?.message.contains("names provider `green`, which is not among the session's providers (red, blue)") == true
        }
    }
}
