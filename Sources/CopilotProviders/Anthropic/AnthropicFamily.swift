import CopilotCore
import Foundation

extension ProviderConfig.ProviderType {
    /// Anthropic's Messages API.
    public static let anthropic = Self(family: "anthropic")
}

/// Anthropic: `POST {root}/v1/messages` with `x-api-key` and a pinned `anthropic-version`;
/// `GET {root}/v1/models`, page by page.
enum AnthropicFamily: ProviderFamily {
    static var type: ProviderConfig.ProviderType { .anthropic }

    /// The version sent in `anthropic-version`; pinned so a provider upgrade cannot change the wire format.
    static let version = "2023-06-01"

    static var standardHeaders: KeyValuePairs<String, String> { ["anthropic-version": version] }

    /// Anthropic caches only what `cache_control` marks, so a long session pays full price without it.
    static func cachesPromptsByDefault(_ config: ProviderConfig) -> Bool { true }

    static func wireFormat(for config: ProviderConfig) -> any WireFormat.Type { AnthropicWire.self }

    static func apiKeyHeader(_ key: String) -> (name: String, value: String) { ("x-api-key", key) }

    static func modelCall(base: String, config: ProviderConfig, model: String) throws -> (url: String, apiEndpoint: String) {
        (root(base) + "/v1/messages", "/v1/messages")
    }

    static func listModels(base: String, config: ProviderConfig, fetch: (String) async throws -> JSONValue) async throws -> [ModelInfo] {
        var models: [ModelInfo] = []
        var after: String?
        // Bounded: a server that always says `has_more` cannot keep us here forever.
        for _ in 0..<100 {
            var url = root(base) + "/v1/models?limit=100"
            if let after { url += "&after_id=" + (after.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? after) }
            let page = try await fetch(url)
            let entries = page["data"]?.arrayValue ?? []
            models += entries.compactMap { entry in
                entry["id"]?.stringValue.map { ModelInfo(id: $0, name: entry["display_name"]?.stringValue ?? $0) }
            }
            guard page["has_more"] == true, let last = page["last_id"]?.stringValue ?? entries.last?["id"]?.stringValue else { break }
            after = last
        }
        return models
    }

    /// The base URL without a trailing `/v1`, which users often include.
    private static func root(_ base: String) -> String {
        base.hasSuffix("/v1") ? String(base.dropLast(3)) : base
    }
}
