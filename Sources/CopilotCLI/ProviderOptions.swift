public import ArgumentParser
public import CopilotSDK
import CopilotRuntime
import CopilotProviders
import Foundation

/// The options that say which provider to use; shared by every command that talks to one. A
/// provider comes from the flags, or by name from the configuration file (``ConfigFile``), whose
/// settings the flags override.
struct ProviderOptions: ParsableArguments {
    @Option(name: .customLong("provider"), help: "A provider from the configuration file ([providers.NAME]); default: its default_provider.")
    var providerName: String?

    @Option(name: .customLong("config"), help: "The configuration file (default: $XDG_CONFIG_HOME/copilot-swift/config.toml, or $COPILOT_SWIFT_CONFIG).")
    var configPath: String?

    @Option(name: .customLong("base-url"), help: "Provider endpoint, e.g. http://localhost:11434/v1 (Ollama) or http://127.0.0.1:8000/v1.")
    var baseURL: String?

    @Option(name: .customLong("provider-type"), help: "openai (the default), azure, anthropic or gemini.")
    var providerType: ProviderConfig.ProviderType?

    @Option(name: .customLong("wire-api"), help: "completions (the default) or responses (OpenAI and Azure only).")
    var wireAPI: ProviderConfig.WireAPI?

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

    /// The provider the flags and the configuration file describe, and what that file's entry
    /// says about the model and sampling.
    struct Resolved {
        var provider: ProviderConfig
        /// The entry's `model`, if the provider came from the file.
        var model: String?
        var sampling: SamplingOptions.Values
        /// The file's `[mcp_servers]`, their secrets read from the environment.
        var mcpServers: [String: MCPServerConfig] = [:]

        /// `--model`, else the entry's model; a clear error without either.
        func model(_ flag: String?) throws -> String {
            guard let model = flag ?? model else {
                throw ValidationError("--model is required (or a `model` in the configuration file's provider entry).")
            }
            return model
        }
    }

    /// The provider settings, with secrets read from the environment.
    func providerConfig(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ProviderConfig {
        try resolve(environment: environment).provider
    }

    /// The provider: `--provider NAME` (or the file's default) with the flags on top, or the flags alone.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Resolved {
        func secret(_ variable: String?) throws -> String? {
            guard let variable else { return nil }
            guard let value = environment[variable], !value.isEmpty else {
                throw ValidationError("The environment variable \(variable) is not set (named by an --…-env option or an …_env setting).")
            }
            return value
        }
        let file: ConfigFile
        do {
            file = try ConfigFile.load(path: configPath, environment: environment)
        } catch let error as ConfigFileError {
            throw ValidationError(error.description)
        }
        var entry: ConfigFile.Provider?
        if let name = providerName ?? (baseURL == nil ? file.defaultProvider : nil) {
            guard let named = file.providers[name] else {
                let known = file.providers.keys.sorted()
                throw ValidationError(
                    "No provider named `\(name)` in the configuration file"
                        + (known.isEmpty ? " (it has none)." : " (it has \(known.joined(separator: ", ")))."))
            }
            entry = named
        }
        guard let baseURL = baseURL ?? entry?.baseURL else {
            throw ValidationError(
                "No provider: give --base-url, or --provider NAME from the configuration file (\(ConfigFile.defaultPath(environment: environment))), or set its default_provider.")
        }
        do {
            _ = try ProviderEndpoint.validatedBaseURL(baseURL)
        } catch let error as ProviderError {
            throw ValidationError(error.message)
        }
        var headers: [String: String] = [:]
        for (name, variable) in entry?.headersEnv ?? [:] { headers[name] = try secret(variable) }
        for flag in headerEnv {
            let parts = flag.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--header-env takes NAME=VARIABLE, e.g. --header-env X-Team-Token=TEAM_TOKEN (got '\(flag)').")
            }
            headers[parts[0]] = try secret(parts[1])
        }
        let provider = ProviderConfig(
            type: providerType ?? entry?.type ?? .openai, baseURL: baseURL, wireAPI: wireAPI ?? entry?.wireAPI ?? .completions,
            apiKey: try secret(apiKeyEnv ?? entry?.apiKeyEnv), bearerToken: try secret(bearerTokenEnv ?? entry?.bearerTokenEnv),
            azure: (azureAPIVersion ?? entry?.azureAPIVersion).map { .init(apiVersion: $0) }, headers: headers.isEmpty ? nil : headers)
        let mcpServers: [String: MCPServerConfig]
        do {
            mcpServers = try file.mcpServers.reduce(into: [:]) { servers, entry in
                servers[entry.key] = try entry.value.config(named: entry.key, environment: environment)
            }
        } catch let error as ConfigFileError {
            throw ValidationError(error.description)
        }
        return Resolved(
            provider: provider, model: entry?.model,
            sampling: .init(temperature: entry?.temperature, maxTokens: entry?.maxTokens, reasoningEffort: entry?.reasoningEffort),
            mcpServers: mcpServers)
    }
}

/// The sampling a person sets: `--temperature`, `--max-tokens`, `--reasoning-effort` (over what the
/// configuration file's provider entry says).
struct SamplingOptions: ParsableArguments {
    @Option(help: "Sampling temperature (0 answers the same way each time; the provider's default when unset).")
    var temperature: Double?

    @Option(name: .customLong("max-tokens"), help: "The longest answer, in tokens.")
    var maxTokens: Int?

    @Option(name: .customLong("reasoning-effort"), help: "minimal, low, medium, high, xhigh or max, for models that reason.")
    var reasoningEffort: String?

    /// The efforts the official SDKs name, and OpenAI's `minimal`.
    static let reasoningEfforts = ["minimal", "low", "medium", "high", "xhigh", "max"]

    struct Values {
        var temperature: Double?
        var maxTokens: Int?
        var reasoningEffort: String?
    }

    func validate() throws {
        if let temperature, !(0...2).contains(temperature) { throw ValidationError("--temperature must be between 0 and 2.") }
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1.") }
        if let reasoningEffort, !Self.reasoningEfforts.contains(reasoningEffort) {
            throw ValidationError("--reasoning-effort must be one of \(Self.reasoningEfforts.joined(separator: ", ")) (got '\(reasoningEffort)').")
        }
    }

    /// These flags over `defaults`, set on `config`.
    func apply(over defaults: Values, to config: inout SessionConfig) {
        let chosen = values(over: defaults)
        config.temperature = chosen.temperature
        config.maxOutputTokens = chosen.maxTokens
        config.reasoningEffort = chosen.reasoningEffort
    }

    /// These flags over `defaults`.
    private func values(over defaults: Values) -> Values {
        Values(
            temperature: temperature ?? defaults.temperature, maxTokens: maxTokens ?? defaults.maxTokens,
            reasoningEffort: reasoningEffort ?? defaults.reasoningEffort)
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
