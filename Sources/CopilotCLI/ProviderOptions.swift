public import ArgumentParser
public import CopilotSDK
import CopilotRuntime
import CopilotProviders
import Foundation

/// The options that say which provider to use; shared by every command that talks to one.
struct ProviderOptions: ParsableArguments {
    @Option(name: .customLong("base-url"), help: "Provider endpoint, e.g. http://localhost:11434/v1 (Ollama) or http://127.0.0.1:8000/v1.")
    var baseURL: String

    @Option(name: .customLong("provider-type"), help: "openai, azure or anthropic.")
    var providerType: ProviderConfig.ProviderType = .openai

    @Option(name: .customLong("wire-api"), help: "completions or responses (OpenAI and Azure only).")
    var wireAPI: ProviderConfig.WireAPI = .completions

    @Option(name: .customLong("api-key-env"), help: "Name of the environment variable that holds the API key.")
    var apiKeyEnv: String?

    @Option(name: .customLong("bearer-token-env"), help: "Name of the environment variable that holds a bearer token (wins over the API key).")
    var bearerTokenEnv: String?

    @Option(name: .customLong("azure-api-version"), help: "Azure api-version; omit for the versionless /openai/v1/ routes.")
    var azureAPIVersion: String?

    /// The provider settings, with secrets read from the environment.
    func providerConfig(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ProviderConfig {
        func secret(_ variable: String?) throws -> String? {
            guard let variable else { return nil }
            guard let value = environment[variable], !value.isEmpty else {
                throw ValidationError("The environment variable \(variable) is not set (named by an --…-env option).")
            }
            return value
        }
        return ProviderConfig(
            type: providerType, baseURL: baseURL, wireAPI: wireAPI, apiKey: try secret(apiKeyEnv),
            bearerToken: try secret(bearerTokenEnv), azure: azureAPIVersion.map { .init(apiVersion: $0) })
    }
}

extension ProviderConfig.ProviderType: ExpressibleByArgument {}
extension ProviderConfig.WireAPI: ExpressibleByArgument {}
