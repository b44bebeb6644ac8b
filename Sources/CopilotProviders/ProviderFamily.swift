import CopilotCore
import Foundation

/// Everything the package knows about one provider family: the wire format it speaks, where a model
/// call goes, how a key is sent, and how its models are listed.
///
/// A family lives in its own folder (`OpenAI/`, `Anthropic/`, `Gemini/`) beside its wire codec and
/// declares its ``ProviderConfig/ProviderType`` there. Adding a provider to the product is that
/// folder plus one line in ``ProviderFamilies/all``; nothing else in the product switches on the
/// provider type. Its test support is apart: the scripted server's wire (`CopilotTesting`), a fuzz
/// target with seeds, and a benchmark row.
protocol ProviderFamily {
    /// The name users write in ``ProviderConfig/type``.
    static var type: ProviderConfig.ProviderType { get }
    /// Whether ``ProviderConfig/wireAPI`` chooses between this family's wire formats (OpenAI's two).
    static var speaksWireAPI: Bool { get }
    /// Whether the model listing names every model a call may use (Azure's names base models, not
    /// the deployments calls go to).
    static var listsCallableModels: Bool { get }
    /// Headers every request to this family carries besides auth (a pinned API version).
    static var standardHeaders: KeyValuePairs<String, String> { get }

    /// Whether requests ask the provider to cache their prefix when the config does not say.
    static func cachesPromptsByDefault(_ config: ProviderConfig) -> Bool
    /// The wire format `config` speaks.
    static func wireFormat(for config: ProviderConfig) -> any WireFormat.Type
    /// The URL of one model call for wire model `model`, and the API path reported in usage events.
    ///
    /// - Parameter base: the validated base URL, without trailing slashes.
    /// - Throws: ``ProviderError`` `invalidConfiguration` for settings this family cannot serve.
    static func modelCall(base: String, config: ProviderConfig, model: String) throws -> (url: String, apiEndpoint: String)
    /// The header an API key travels in.
    static func apiKeyHeader(_ key: String) -> (name: String, value: String)
    /// The models the provider serves. `fetch` GETs a URL with the provider's auth and returns its JSON.
    static func listModels(base: String, config: ProviderConfig, fetch: (String) async throws -> JSONValue) async throws -> [ModelInfo]
}

extension ProviderFamily {
    static var speaksWireAPI: Bool { false }
    static var listsCallableModels: Bool { true }
    static var standardHeaders: KeyValuePairs<String, String> { [:] }
    static func cachesPromptsByDefault(_ config: ProviderConfig) -> Bool { false }
    static func apiKeyHeader(_ key: String) -> (name: String, value: String) { ("Authorization", "Bearer " + key) }
}

/// The provider families this package speaks.
enum ProviderFamilies {
    /// Every family, in the order their types are listed to users.
    static var all: [any ProviderFamily.Type] { [OpenAIFamily.self, AzureOpenAIFamily.self, AnthropicFamily.self, GeminiFamily.self] }

    /// The family named `name`, if there is one.
    static func named(_ name: String) -> (any ProviderFamily.Type)? {
        all.first { $0.type.rawValue == name }
    }
}

extension ProviderConfig.ProviderType {
    /// Every provider type this version speaks.
    public static var allCases: [Self] { ProviderFamilies.all.map { $0.type } }

    /// A type named `rawValue`; `nil` when no provider family has that name.
    public init?(rawValue: String) {
        guard ProviderFamilies.named(rawValue) != nil else { return nil }
        self.init(family: rawValue)
    }
}

extension ProviderConfig {
    /// The family this configuration's type names.
    var family: any ProviderFamily.Type {
        // A ProviderType can only hold a family's name (see `init?(rawValue:)`).
        ProviderFamilies.named(resolvedType.rawValue) ?? OpenAIFamily.self
    }

    /// Whether ``wireAPI`` means anything for this provider (it chooses between OpenAI's wires).
    package var speaksWireAPI: Bool { family.speaksWireAPI }

    /// Whether ``listModels(context:)`` names every model a call may use (not so for Azure, whose
    /// listing has base models and whose calls name deployments).
    package var listsCallableModels: Bool { family.listsCallableModels }
}
