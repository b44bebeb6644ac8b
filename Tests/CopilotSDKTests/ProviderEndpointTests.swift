import Foundation
import CopilotRuntime
import CopilotProviders
import Testing

@Suite("Provider endpoints and auth")
struct ProviderEndpointTests {
    @Test("OpenAI-compatible: path appended to the base URL, trailing slash normalised")
    func openAIRoutes() throws {
        let completions = try ProviderEndpoint.modelCall(
            config: ProviderConfig(baseURL: "https://res.openai.azure.com/openai/v1/", apiKey: "sk-test-123456"), model: "m")
        #expect(completions.url == "https://res.openai.azure.com/openai/v1/chat/completions")
        #expect(completions.headers["authorization"] == "Bearer sk-test-123456")
        let responses = try ProviderEndpoint.modelCall(
            config: ProviderConfig(baseURL: "http://localhost:11434/v1", wireAPI: .responses), model: "m")
        #expect(responses.url == "http://localhost:11434/v1/responses")
        #expect(responses.headers["authorization"] == nil, "a local server without a key gets no auth header")
    }

    @Test("Azure: versioned deployment routes with api-version, versionless /openai/v1 without")
    func azureRoutes() throws {
        let versioned = ProviderConfig(type: .azure, baseURL: "https://res.openai.azure.com", apiKey: "azure-key-1", azure: .init(apiVersion: "2024-10-21"))
        #expect(try ProviderEndpoint.modelCall(config: versioned, model: "my-gpt").url
            == "https://res.openai.azure.com/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21")
        #expect(try ProviderEndpoint.modelCall(config: versioned, model: "my-gpt").headers["api-key"] == "azure-key-1")
        var responses = versioned
        responses.wireAPI = .responses
        responses.azure = .init(apiVersion: "2025-03-01-preview")
        #expect(try ProviderEndpoint.modelCall(config: responses, model: "my-gpt").url
            == "https://res.openai.azure.com/openai/responses?api-version=2025-03-01-preview")
        let v1 = ProviderConfig(type: .azure, baseURL: "https://res.openai.azure.com/", bearerToken: "entra-token")
        let endpoint = try ProviderEndpoint.modelCall(config: v1, model: "my-gpt")
        #expect(endpoint.url == "https://res.openai.azure.com/openai/v1/chat/completions")
        #expect(endpoint.headers["authorization"] == "Bearer entra-token")
        #expect(endpoint.headers["api-key"] == nil)
    }

    @Test("Anthropic: /v1/messages with or without /v1 in the base URL, x-api-key and a pinned version")
    func anthropicRoutes() throws {
        for base in ["https://api.anthropic.com", "https://api.anthropic.com/v1", "https://api.anthropic.com/v1/"] {
            let endpoint = try ProviderEndpoint.modelCall(config: ProviderConfig(type: .anthropic, baseURL: base, apiKey: "ant-key-1"), model: "claude")
            #expect(endpoint.url == "https://api.anthropic.com/v1/messages")
            #expect(endpoint.headers["x-api-key"] == "ant-key-1")
            #expect(endpoint.headers["anthropic-version"] == "2023-06-01")
        }
    }

    @Test("Gemini: /v1beta/models/{model}:streamGenerateContent?alt=sse unless the base names a version, x-goog-api-key")
    func geminiRoutes() throws {
        let cases = [
            ("https://generativelanguage.googleapis.com", "gemini-2.5-flash", "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"),
            ("https://generativelanguage.googleapis.com/", "models/gemini-2.5-pro", "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro"),
            ("https://generativelanguage.googleapis.com/v1", "gemini-2.5-flash", "https://generativelanguage.googleapis.com/v1/models/gemini-2.5-flash"),
            ("http://127.0.0.1:8000/gemini/v1alpha/", "tunedModels/mine", "http://127.0.0.1:8000/gemini/v1alpha/tunedModels/mine"),
            ("http://127.0.0.1:8000/gemini", "a b", "http://127.0.0.1:8000/gemini/v1beta/models/a%20b"),
        ]
        for (base, model, prefix) in cases {
            let endpoint = try ProviderEndpoint.modelCall(config: ProviderConfig(type: .gemini, baseURL: base, apiKey: "goog-key-1"), model: model)
            #expect(endpoint.url == prefix + ":streamGenerateContent?alt=sse")
            #expect(endpoint.headers["x-goog-api-key"] == "goog-key-1")
            #expect(endpoint.headers["Authorization"] == nil)
        }
        // A bearer token (OAuth) goes in Authorization instead of the key.
        let oauth = try ProviderEndpoint.modelCall(
            config: ProviderConfig(type: .gemini, baseURL: "https://g.example", apiKey: "k", bearerToken: "ya29.token"), model: "m")
        #expect(oauth.headers["Authorization"] == "Bearer ya29.token" && oauth.headers["x-goog-api-key"] == nil)
        #expect(throws: ProviderError.self) { try ProviderEndpoint.modelCall(config: ProviderConfig(type: .gemini, baseURL: "https://g.example"), model: "") }
    }

    @Test("a provider type is an open value: every family's name round-trips, an unknown one is refused naming the choices")
    func providerTypes() throws {
        #expect(ProviderConfig.ProviderType.allCases.map(\.rawValue) == ["openai", "azure", "anthropic", "gemini"])
        for type in ProviderConfig.ProviderType.allCases {
            #expect(ProviderConfig.ProviderType(rawValue: type.rawValue) == type)
            let decoded = try JSONDecoder().decode(ProviderConfig.self, from: Data(#"{"type":"\#(type)","baseUrl":"http://h"}"#.utf8))
            #expect(decoded.resolvedType == type)
        }
        #expect(ProviderConfig.ProviderType(rawValue: "bedrock") == nil)
        do {
            _ = try JSONDecoder().decode(ProviderConfig.self, from: Data(#"{"type":"bedrock","baseUrl":"http://h"}"#.utf8))
            Issue.record("an unknown provider type decoded")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription.contains("bedrock") && context.debugDescription.contains("gemini"))
        }
    }

    @Test("bearer token wins over the API key; custom headers are sent")
    func precedence() throws {
        let config = ProviderConfig(baseURL: "http://h/v1", apiKey: "key-aaaaaa", bearerToken: "token-bbbbbb", headers: ["X-Team": "core"])
        let headers = try ProviderEndpoint.modelCall(config: config, model: "m").headers
        #expect(headers["authorization"] == "Bearer token-bbbbbb")
        #expect(headers["x-team"] == "core")
    }

    @Test("missing or malformed base URLs are rejected with a clear message", arguments: ["", "   ", "localhost:11434", "ftp://host/v1", "not a url"])
    func badBaseURL(_ baseURL: String) {
        #expect {
            try ProviderEndpoint.modelCall(config: ProviderConfig(baseURL: baseURL), model: "m")
        } throws: { error in
            guard let error = error as? ProviderError else { return false }
            return error.code == .invalidConfiguration && error.message.contains("base URL")
        }
    }

    @Test("the description of a config never shows its secrets")
    func redactedDescription() {
        let config = ProviderConfig(baseURL: "http://h/v1", apiKey: "sk-secret-value", bearerToken: "tok-secret-value", headers: ["api-key": "hdr-secret"])
        for text in [String(describing: config), "\(config)", String(reflecting: config)] {
            #expect(!text.contains("sk-secret-value"))
            #expect(!text.contains("tok-secret-value"))
            #expect(!text.contains("hdr-secret"))
        }
    }
}
