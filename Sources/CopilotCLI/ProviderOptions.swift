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

    @Option(
        name: .customLong("header-env"),
        help: "NAME=VARIABLE: send the header NAME with the value of the environment variable VARIABLE (repeatable). Values are treated as secrets.")
    var headerEnv: [String] = []

    /// The provider settings, with secrets read from the environment.
    func providerConfig(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ProviderConfig {
        func secret(_ variable: String?) throws -> String? {
            guard let variable else { return nil }
            guard let value = environment[variable], !value.isEmpty else {
                throw ValidationError("The environment variable \(variable) is not set (named by an --…-env option).")
            }
            return value
        }
        var headers: [String: String] = [:]
        for entry in headerEnv {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--header-env takes NAME=VARIABLE, e.g. --header-env X-Team-Token=TEAM_TOKEN (got '\(entry)').")
            }
            headers[parts[0]] = try secret(parts[1])
        }
        return ProviderConfig(
            type: providerType, baseURL: baseURL, wireAPI: wireAPI, apiKey: try secret(apiKeyEnv),
            bearerToken: try secret(bearerTokenEnv), azure: azureAPIVersion.map { .init(apiVersion: $0) },
            headers: headers.isEmpty ? nil : headers)
    }
}

extension ProviderConfig.ProviderType: ExpressibleByArgument {}
extension ProviderConfig.WireAPI: ExpressibleByArgument {}

/// How long provider HTTP calls may wait: `--connect-timeout` and `--idle-timeout`.
struct TimeoutOptions: ParsableArguments {
    @Option(name: .customLong("connect-timeout"), help: "Seconds allowed to connect to the provider (default 10).")
    var connectTimeout: Double = 10

    @Option(
        name: .customLong("idle-timeout"),
        help: "Seconds of silence allowed in a provider's answer, including the wait for its first byte (default 120). A long answer may stream for longer.")
    var idleTimeout: Double = 120

    func validate() throws {
        guard (0.1...3600).contains(connectTimeout) else { throw ValidationError("--connect-timeout must be between 0.1 and 3600 seconds.") }
        guard (0.1...86_400).contains(idleTimeout) else { throw ValidationError("--idle-timeout must be between 0.1 and 86400 seconds.") }
    }

    var httpTimeouts: HTTPTimeouts {
        HTTPTimeouts(connect: .milliseconds(Int(connectTimeout * 1000)), idle: .milliseconds(Int(idleTimeout * 1000)))
    }
}
