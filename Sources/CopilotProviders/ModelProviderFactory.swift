extension ProviderConfig {
    /// Creates the provider implementation for this configuration's type and wire API.
    ///
    /// - Throws: ``ProviderError`` `invalidConfiguration` for a missing or malformed base URL.
    package func makeProvider(context: ProviderContext) throws -> any ModelProvider {
        _ = try ProviderEndpoint.validatedBaseURL(displayBaseURL)
        switch (resolvedType, resolvedWireAPI) {
        case (.openai, .completions), (.azure, .completions):
            return StreamingProvider<ChatCompletionsWire>(config: self, context: context)
        case (.openai, .responses), (.azure, .responses):
            return StreamingProvider<ResponsesWire>(config: self, context: context)
        case (.anthropic, _):
            return StreamingProvider<AnthropicWire>(config: self, context: context)
        }
    }
}
