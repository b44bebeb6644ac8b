/// A JSON Schema the model's answer must match: Chat Completions `response_format`
/// (`json_schema`), Responses `text.format`, Anthropic `output_format`.
public struct ResponseFormat: Sendable, Hashable, Codable {
    /// The schema's name, as OpenAI wires send it: 1–64 letters, digits, `_` and `-`.
    public var name: String
    /// A JSON Schema object.
    public var schema: JSONValue
    /// Whether the provider should hold the model to the schema exactly (OpenAI `strict`, which
    /// asks for `additionalProperties: false` and every property required).
    public var strict: Bool

    public init(name: String = "answer", schema: JSONValue, strict: Bool = true) {
        self.name = name
        self.schema = schema
        self.strict = strict
    }
}
