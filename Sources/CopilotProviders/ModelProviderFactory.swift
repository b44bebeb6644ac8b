import Logging

extension ProviderConfig {
    /// Creates the provider implementation for this configuration.
    ///
    /// - Throws: ``ProviderError`` with code `invalidConfiguration` for a bad base URL, or `unsupported`
    ///   for a wire format this version does not speak yet.
    public func makeProvider(transport: any HTTPTransport, logger: Logger = Logger(label: "copilot.provider")) throws -> any ModelProvider {
        _ = try ProviderEndpoint.validatedBaseURL(baseURL)
        switch (resolvedType, resolvedWireAPI) {
        case (.openai, .completions), (.azure, .completions):
            return ChatCompletionsProvider(config: self, transport: transport, logger: logger)
        case (.openai, .responses), (.azure, .responses):
            throw ProviderError(
                code: .unsupported,
                message: "The Responses wire API is not implemented yet; use wireAPI: .completions (Chat Completions) with this provider.")
        case (.anthropic, _):
            throw ProviderError(
                code: .unsupported,
                message: "The Anthropic Messages API is not implemented yet; an OpenAI-compatible endpoint (type: .openai) works today.")
        }
    }
}
