import CopilotCore
import Foundation

extension ProviderConfig.ProviderType {
    /// Google's Gemini API (`generateContent`), natively: thinking, function calling and images.
    public static let gemini = Self(family: "gemini")
}

/// Google Gemini: `POST {root}/models/{model}:streamGenerateContent?alt=sse` with the key in
/// `x-goog-api-key`; `GET {root}/models`, page by page, with each model's token limits.
///
/// The root is the base URL when it ends in an API version (`…/v1beta`, `…/v1`), else the base URL
/// plus `/v1beta`, the version that has thinking, function call ids and JSON Schema.
enum GeminiFamily: ProviderFamily {
    static var type: ProviderConfig.ProviderType { .gemini }

    /// The API version used when the base URL names none.
    static let defaultVersion = "v1beta"

    static func wireFormat(for config: ProviderConfig) -> any WireFormat.Type { GeminiWire.self }

    static func apiKeyHeader(_ key: String) -> (name: String, value: String) { ("x-goog-api-key", key) }

    static func modelCall(base: String, config: ProviderConfig, model: String) throws -> (url: String, apiEndpoint: String) {
        guard !model.isEmpty else {
            throw ProviderError(code: .invalidConfiguration, message: "The Gemini model name is empty; set the session's model (e.g. gemini-2.5-flash).")
        }
        let path = "/" + modelPath(model) + ":streamGenerateContent"
        return (root(base) + path + "?alt=sse", path)
    }

    static func listModels(base: String, config: ProviderConfig, fetch: (String) async throws -> JSONValue) async throws -> [ModelInfo] {
        var models: [ModelInfo] = []
        var pageToken: String?
        // Bounded: a server that always sends a next page cannot keep us here forever.
        for _ in 0..<100 {
            var url = root(base) + "/models?pageSize=1000"
            if let pageToken { url += "&pageToken=" + (pageToken.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "") }
            let page = try await fetch(url)
            guard let entries = page["models"]?.arrayValue ?? (page["nextPageToken"] == nil ? [] : nil) else {
                throw ProviderError(code: .malformedResponse, message: "The model list from \(url) has no `models` array.", url: url)
            }
            models += entries.compactMap(modelInfo)
            guard let next = page["nextPageToken"]?.stringValue, !next.isEmpty, next != pageToken else { break }
            pageToken = next
        }
        return models
    }

    /// The characters a query value keeps as they are (RFC 3986's unreserved ones).
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// One listed model, or nil for one that cannot answer a `generateContent` call (embeddings).
    private static func modelInfo(_ entry: JSONValue) -> ModelInfo? {
        guard let name = entry["name"]?.stringValue, !name.isEmpty else { return nil }
        if let methods = entry["supportedGenerationMethods"]?.arrayValue, !methods.contains("generateContent") { return nil }
        let id = name.hasPrefix("models/") ? String(name.dropFirst("models/".count)) : name
        let input = entry["inputTokenLimit"]?.tokenCount
        let output = entry["outputTokenLimit"]?.tokenCount
        let thinks: Bool? = entry["thinking"] == true ? true : entry["thinking"] == false ? false : nil
        return ModelInfo(
            id: id, name: entry["displayName"]?.stringValue ?? id,
            capabilities: ModelCapabilities(
                supports: ModelSupports(reasoningEffort: thinks),
                limits: ModelLimits(maxPromptTokens: input, maxContextWindowTokens: input.map { $0 + (output ?? 0) })),
            supportedReasoningEfforts: thinks == true ? GeminiWire.reasoningEfforts : nil)
    }

    /// `base` with an API version: as given when its last segment is one (`v1`, `v1beta`, `v1alpha`).
    static func root(_ base: String) -> String {
        let last = base.split(separator: "/").last.map(String.init) ?? ""
        let isVersion = last.first == "v" && last.dropFirst().first?.isNumber == true && last.allSatisfy { $0.isLetter || $0.isNumber }
        return isVersion ? base : base + "/" + defaultVersion
    }

    /// `models/{model}` (a name that already has its collection, like `tunedModels/…`, is kept).
    private static func modelPath(_ model: String) -> String {
        for collection in ["models/", "tunedModels/"] where model.hasPrefix(collection) {
            return collection + ProviderEndpoint.percentEncoded(String(model.dropFirst(collection.count)))
        }
        return "models/" + ProviderEndpoint.percentEncoded(model)
    }
}
