extension ProviderConfig {
    /// Creates the provider implementation for this configuration's type and wire API.
    ///
    /// - Throws: ``ProviderError`` `invalidConfiguration` for a missing or malformed base URL.
    package func makeProvider(context: ProviderContext) throws -> any ModelProvider {
        _ = try ProviderEndpoint.validatedBaseURL(displayBaseURL)
        var context = context
        if let modelTransport = context.modelTransport { context.transport = modelTransport }
        func make<Wire: WireFormat>(_: Wire.Type) -> any ModelProvider {
            StreamingProvider<Wire>(config: self, context: context)
        }
        return make(wireFormat)
    }

    /// Reads a complete streamed body, given in chunks, as this configuration's wire format reads it
    /// from a provider, without HTTP: for fuzzing and for tools that replay recorded streams.
    ///
    /// - Throws: ``ProviderError`` for an error event in the stream, a malformed event or a stream
    ///   that ends before the answer is whole.
    package func decodeStream(_ chunks: some Sequence<some Collection<UInt8>>) throws -> ModelResponse {
        func decode<Wire: WireFormat>(_: Wire.Type) throws -> ModelResponse {
            let context = WireContext(url: displayBaseURL, requestID: nil, redactor: SecretRedactor(config: self))
            var reader = WireStreamReader<Wire.Decoder>(context: context)
            for chunk in chunks where !reader.isComplete {
                _ = try reader.feed(chunk)
            }
            _ = try reader.finish()
            return reader.makeResponse()
        }
        return try decode(wireFormat)
    }

    /// The wire format this configuration's type and wire API speak.
    private var wireFormat: any WireFormat.Type { family.wireFormat(for: self) }
}
