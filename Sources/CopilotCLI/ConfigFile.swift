import CopilotProviders
import CopilotRuntime
import Foundation
import TOMLKit

/// The user's configuration file: named providers and which one to use by default.
///
/// ```toml
/// default_provider = "ollama"
///
/// [providers.ollama]
/// type = "openai"                      # openai, azure, anthropic or gemini
/// base_url = "http://localhost:11434/v1"
/// model = "llama3.2"
/// temperature = 0.2
///
/// [providers.work]
/// type = "azure"
/// base_url = "https://example.openai.azure.com"
/// model = "gpt-4o"
/// api_key_env = "AZURE_OPENAI_API_KEY" # keys only ever by environment variable name
/// headers_env = { "X-Team" = "TEAM_TOKEN" }
///
/// [mcp_servers.files]                  # MCP servers for `run` and `chat`
/// command = "npx"
/// args = ["-y", "@modelcontextprotocol/server-filesystem", "."]
/// env_vars = { "GITHUB_TOKEN" = "MY_GITHUB_TOKEN" } # the server's variable = the name of yours
/// tools = ["read_file"]
///
/// [mcp_servers.issues]
/// type = "http"                        # or "sse"; "stdio" is the default
/// url = "https://mcp.example.com/mcp"
/// headers_env = { "Authorization" = "ISSUES_AUTHORIZATION" }
/// timeout_ms = 60000
/// ```
///
/// Read from `$XDG_CONFIG_HOME/copilot-swift/config.toml` (`~/.config/…` when that is unset), or
/// from the file `--config` or `COPILOT_SWIFT_CONFIG` names.
struct ConfigFile: Decodable, Sendable {
    var defaultProvider: String?
    var providers: [String: Provider] = [:]
    var mcpServers: [String: MCPServer] = [:]

    /// One `[mcp_servers.NAME]` table: a local (`command`) or remote (`url`) MCP server. Its
    /// environment values and header values are named by environment variable, never written.
    struct MCPServer: Decodable, Sendable {
        var type: String?
        var command: String?
        var args: [String]?
        /// The server's variable → the environment variable holding its value.
        var envVars: [String: String]?
        var cwd: String?
        var url: String?
        /// Header name → the environment variable holding its value.
        var headersEnv: [String: String]?
        var tools: [String]?
        var timeoutMS: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case type, command, args, envVars = "env_vars", cwd, url, headersEnv = "headers_env", tools, timeoutMS = "timeout_ms"
        }

        init(from decoder: any Decoder) throws {
            try ConfigFile.refuseUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.stringValue))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decodeIfPresent(String.self, forKey: .type)
            command = try container.decodeIfPresent(String.self, forKey: .command)
            args = try container.decodeIfPresent([String].self, forKey: .args)
            envVars = try container.decodeIfPresent([String: String].self, forKey: .envVars)
            cwd = try container.decodeIfPresent(String.self, forKey: .cwd)
            url = try container.decodeIfPresent(String.self, forKey: .url)
            headersEnv = try container.decodeIfPresent([String: String].self, forKey: .headersEnv)
            tools = try container.decodeIfPresent([String].self, forKey: .tools)
            timeoutMS = try container.decodeIfPresent(Int.self, forKey: .timeoutMS)
        }

        /// The server's config, its secrets read from `environment` (a variable not set is an error).
        func config(named name: String, environment: [String: String]) throws -> MCPServerConfig {
            func values(_ names: [String: String]?, _ what: String) throws -> [String: String] {
                try (names ?? [:]).reduce(into: [:]) { values, entry in
                    guard let value = environment[entry.value] else {
                        throw ConfigFileError("[mcp_servers.\(name)] \(what) `\(entry.key)` names \(entry.value), which is not set.")
                    }
                    values[entry.key] = value
                }
            }
            if let timeoutMS, timeoutMS < 1 { throw ConfigFileError("[mcp_servers.\(name)] timeout_ms must be at least 1.") }
            let timeout = timeoutMS.map { Duration.milliseconds($0) }
            switch type ?? "stdio" {
            case "stdio", "local":
                guard let command, !command.isEmpty, url == nil, headersEnv == nil else {
                    throw ConfigFileError("[mcp_servers.\(name)] needs a `command` (and no `url` or `headers_env`), or `type = \"http\"` with a `url`.")
                }
                return .stdio(
                    command: command, arguments: args ?? [], environment: try values(envVars, "env_vars"), workingDirectory: cwd, tools: tools,
                    timeout: timeout)
            case "http", "sse":
                guard let url, !url.isEmpty, command == nil, args == nil, envVars == nil, cwd == nil else {
                    throw ConfigFileError("[mcp_servers.\(name)] of type \(type ?? "") needs a `url` (and no `command`, `args`, `env_vars` or `cwd`).")
                }
                let headers = try values(headersEnv, "headers_env")
                return type == "sse"
                    ? .sse(url: url, headers: headers, tools: tools, timeout: timeout) : .http(url: url, headers: headers, tools: tools, timeout: timeout)
            default:
                throw ConfigFileError("[mcp_servers.\(name)] type `\(type ?? "")` is not one of stdio, http, sse.")
            }
        }
    }

    /// One `[providers.NAME]` table.
    struct Provider: Decodable, Sendable {
        var type: ProviderConfig.ProviderType?
        var baseURL: String
        var wireAPI: ProviderConfig.WireAPI?
        var model: String?
        var apiKeyEnv: String?
        var bearerTokenEnv: String?
        var azureAPIVersion: String?
        /// Header name → the environment variable holding its value.
        var headersEnv: [String: String]?
        var temperature: Double?
        var maxTokens: Int?
        var reasoningEffort: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case type, baseURL = "base_url", wireAPI = "wire_api", model, apiKeyEnv = "api_key_env", bearerTokenEnv = "bearer_token_env"
            case azureAPIVersion = "azure_api_version", headersEnv = "headers_env", temperature, maxTokens = "max_tokens"
            case reasoningEffort = "reasoning_effort"
        }

        init(from decoder: any Decoder) throws {
            try ConfigFile.refuseUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.stringValue))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decodeIfPresent(ProviderConfig.ProviderType.self, forKey: .type)
            baseURL = try container.decode(String.self, forKey: .baseURL)
            wireAPI = try container.decodeIfPresent(ProviderConfig.WireAPI.self, forKey: .wireAPI)
            model = try container.decodeIfPresent(String.self, forKey: .model)
            apiKeyEnv = try container.decodeIfPresent(String.self, forKey: .apiKeyEnv)
            bearerTokenEnv = try container.decodeIfPresent(String.self, forKey: .bearerTokenEnv)
            azureAPIVersion = try container.decodeIfPresent(String.self, forKey: .azureAPIVersion)
            headersEnv = try container.decodeIfPresent([String: String].self, forKey: .headersEnv)
            // `temperature = 1` is an integer in TOML; it means 1.0.
            temperature = try (try? container.decodeIfPresent(Double.self, forKey: .temperature))
                ?? container.decodeIfPresent(Int.self, forKey: .temperature).map(Double.init)
            maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
            reasoningEffort = try container.decodeIfPresent(String.self, forKey: .reasoningEffort)
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case defaultProvider = "default_provider", providers, mcpServers = "mcp_servers"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        try Self.refuseUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.stringValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        defaultProvider = try container.decodeIfPresent(String.self, forKey: .defaultProvider)
        providers = try container.decodeIfPresent([String: Provider].self, forKey: .providers) ?? [:]
        mcpServers = try container.decodeIfPresent([String: MCPServer].self, forKey: .mcpServers) ?? [:]
    }

    /// Keys that hold secrets are refused with a pointer to their `_env` form; other unknown keys
    /// (typos) are refused too, so a setting is never ignored in silence.
    private static func refuseUnknownKeys(in decoder: any Decoder, known: [String]) throws {
        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        for key in keys where !known.contains(key) {
            let context = DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: ["api_key", "bearer_token", "headers", "env"].contains(key)
                    ? "`\(key)` is not allowed: secrets stay out of the file; name the environment variable that holds it with `\(key == "env" ? "env_vars" : key + "_env")`."
                    : "unknown setting `\(key)` (known: \(known.joined(separator: ", "))).")
            throw DecodingError.dataCorrupted(context)
        }
    }

    /// Where the file is looked for when neither `--config` nor `COPILOT_SWIFT_CONFIG` names one.
    static func defaultPath(environment: [String: String]) -> String {
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".config")
        return (base as NSString).appendingPathComponent("copilot-swift/config.toml")
    }

    /// The file at `path`, or the default one; an absent default file is an empty configuration,
    /// an absent file the user named is an error.
    static func load(path: String?, environment: [String: String]) throws -> ConfigFile {
        let named = path ?? environment["COPILOT_SWIFT_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let location = named ?? defaultPath(environment: environment)
        guard let data = FileManager.default.contents(atPath: location) else {
            if named != nil { throw ConfigFileError("\(location): no such file.") }
            return ConfigFile()
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigFileError("\(location): not UTF-8 text.") }
        do {
            let config = try TOMLDecoder().decode(ConfigFile.self, from: text)
            for (name, provider) in config.providers {
                if provider.baseURL.isEmpty { throw ConfigFileError("\(location): [providers.\(name)] needs a base_url.") }
                if let temperature = provider.temperature, !(0...2).contains(temperature) {
                    throw ConfigFileError("\(location): [providers.\(name)] temperature must be between 0 and 2.")
                }
                if let maxTokens = provider.maxTokens, maxTokens < 1 {
                    throw ConfigFileError("\(location): [providers.\(name)] max_tokens must be at least 1.")
                }
            }
            if let name = config.defaultProvider, config.providers[name] == nil {
                throw ConfigFileError("\(location): default_provider `\(name)` has no [providers.\(name)] table.")
            }
            return config
        } catch let error as ConfigFileError {
            throw error
        } catch let error as TOMLParseError {
            throw ConfigFileError("\(location):\(error.source.begin.line):\(error.source.begin.column): \(error.description)")
        } catch let error as DecodingError {
            throw ConfigFileError("\(location): \(Self.describe(error))")
        }
    }

    /// A decoding error as one line: where, and what.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).filter { !$0.isEmpty }
            return keys.isEmpty ? "" : keys.joined(separator: ".") + ": "
        }
        switch error {
        case .dataCorrupted(let context): return path(context) + context.debugDescription
        case .keyNotFound(let key, let context): return path(context) + "`\(key.stringValue)` is missing or has the wrong type."
        case .typeMismatch(let type, let context): return path(context) + "expected \(type)."
        case .valueNotFound(let type, let context): return path(context) + "expected \(type)."
        @unknown default: return "\(error)"
        }
    }
}

/// A configuration file that cannot be used, said in one line.
struct ConfigFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
