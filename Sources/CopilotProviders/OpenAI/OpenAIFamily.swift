import CopilotCore
import Foundation

extension ProviderConfig.ProviderType {
    /// OpenAI or any OpenAI-compatible server (Ollama, vLLM, LiteLLM, Foundry Local, llama.cpp).
    public static let openai = Self(family: "openai")
    /// Azure OpenAI: ``ProviderConfig/baseURL`` is the resource host only.
    public static let azure = Self(family: "azure")
}

/// OpenAI and OpenAI-compatible servers: `{baseURL}/chat/completions` or `{baseURL}/responses`,
/// the key as a bearer token, `GET {baseURL}/models`.
enum OpenAIFamily: ProviderFamily {
    static var type: ProviderConfig.ProviderType { .openai }
    static var speaksWireAPI: Bool { true }

    /// OpenAI's own API knows `prompt_cache_key`; another server may refuse a field it does not know.
    static func cachesPromptsByDefault(_ config: ProviderConfig) -> Bool {
        URLComponents(string: config.baseURL)?.host?.lowercased() == "api.openai.com"
    }

    static func wireFormat(for config: ProviderConfig) -> any WireFormat.Type {
        switch config.resolvedWireAPI {
        case .completions: ChatCompletionsWire.self
        case .responses: ResponsesWire.self
        }
    }

    static func modelCall(base: String, config: ProviderConfig, model: String) throws -> (url: String, apiEndpoint: String) {
        let path = config.resolvedWireAPI == .completions ? "/chat/completions" : "/responses"
        return (base + path, path)
    }

    static func listModels(base: String, config: ProviderConfig, fetch: (String) async throws -> JSONValue) async throws -> [ModelInfo] {
        try await dataListing(url: base + "/models", fetch: fetch)
    }

    /// An OpenAI-shaped listing: `{"data": [{"id": …}, …]}`. Listings carry no capability data.
    static func dataListing(url: String, fetch: (String) async throws -> JSONValue) async throws -> [ModelInfo] {
        let page = try await fetch(url)
        guard let entries = page["data"]?.arrayValue else {
            throw ProviderError(code: .malformedResponse, message: "The model list from \(url) has no `data` array.", url: url)
        }
        return entries.compactMap { entry in
            entry["id"]?.stringValue.map { ModelInfo(id: $0, name: entry["name"]?.stringValue ?? $0) }
        }
    }
}

/// Azure OpenAI: the versionless `/openai/v1/…` routes, or with `azure.apiVersion` the dated
/// deployment routes; the key in `api-key`.
enum AzureOpenAIFamily: ProviderFamily {
    static var type: ProviderConfig.ProviderType { .azure }
    static var speaksWireAPI: Bool { true }
    /// The listing names base models; calls name deployments.
    static var listsCallableModels: Bool { false }

    /// The oldest api-version whose routes serve the Responses API.
    static let minimumResponsesVersion = "2025-03-01-preview"

    static func wireFormat(for config: ProviderConfig) -> any WireFormat.Type {
        OpenAIFamily.wireFormat(for: config)
    }

    static func apiKeyHeader(_ key: String) -> (name: String, value: String) { ("api-key", key) }

    static func modelCall(base: String, config: ProviderConfig, model: String) throws -> (url: String, apiEndpoint: String) {
        let wire = config.resolvedWireAPI
        let path = wire == .completions ? "chat/completions" : "responses"
        guard let version = config.azure?.apiVersion, !version.isEmpty else {
            return (base + "/openai/v1/" + path, "/" + path)
        }
        if wire == .responses, version.prefix(10) < minimumResponsesVersion.prefix(10) {
            throw ProviderError(
                code: .invalidConfiguration,
                message: "Azure api-version \(version) cannot serve the Responses API (it needs \(minimumResponsesVersion) or later). Set azure.apiVersion to a newer version, or omit it to use the versionless /openai/v1/ routes.")
        }
        let query = "?api-version=" + ProviderEndpoint.percentEncoded(version)
        let url =
            wire == .completions
            ? base + "/openai/deployments/" + ProviderEndpoint.percentEncoded(model) + "/" + path + query
            : base + "/openai/responses" + query
        return (url, "/" + path)
    }

    static func listModels(base: String, config: ProviderConfig, fetch: (String) async throws -> JSONValue) async throws -> [ModelInfo] {
        // As for model calls, an empty api-version means the versionless routes.
        let version = config.azure?.apiVersion.flatMap { $0.isEmpty ? nil : $0 }
        let url = version.map { base + "/openai/models?api-version=" + ProviderEndpoint.percentEncoded($0) } ?? base + "/openai/v1/models"
        return try await OpenAIFamily.dataListing(url: url, fetch: fetch)
    }
}
