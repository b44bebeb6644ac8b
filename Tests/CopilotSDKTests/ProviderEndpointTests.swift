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
            #expect(endpoint.headers["anthropic-version"] == ProviderEndpoint.anthropicVersion)
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
