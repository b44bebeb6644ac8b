/// A JSON Schema the model's answer must match: Chat Completions `response_format`
/// (`json_schema`), Responses `text.format`, Anthropic `output_format`, Gemini `responseJsonSchema`.
public struct ResponseFormat: Sendable, Hashable, Codable {
    /// The schema's name, as OpenAI wires send it: 1–64 ASCII letters, digits, `_` and `-`
    /// (``init(name:schema:strict:)`` keeps those and cuts the rest).
    public var name: String
    /// A JSON Schema object.
    public var schema: JSONValue
    /// Whether the provider should hold the model to the schema exactly (OpenAI `strict`). OpenAI
    /// refuses strict mode unless every object in the schema has `additionalProperties: false`
    /// and lists all its properties in `required`; by default it is on exactly when that holds.
    public var strict: Bool

    /// - Parameters:
    ///   - name: the schema's name on the wire (see ``name``).
    ///   - schema: a JSON Schema object.
    ///   - strict: `nil` (the default): on when the schema qualifies (see ``strict``).
    public init(name: String = "answer", schema: JSONValue, strict: Bool? = nil) {
        self.name = Self.wireName(name)
        self.schema = schema
        self.strict = strict ?? Self.qualifiesForStrict(schema)
    }

    private enum CodingKeys: String, CodingKey { case name, schema, strict }

    /// Only `schema` is required; `name` and `strict` take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decodeIfPresent(String.self, forKey: .name) ?? "answer",
            schema: try container.decode(JSONValue.self, forKey: .schema),
            strict: try container.decodeIfPresent(Bool.self, forKey: .strict))
    }

    /// `name` as OpenAI takes it: ASCII letters, digits, `_` and `-`, at most 64; `answer` when none is left.
    static func wireName(_ name: String) -> String {
        let kept = name.unicodeScalars.filter { $0.isASCII && (($0.properties.isAlphabetic || ("0"..."9").contains($0)) || $0 == "_" || $0 == "-") }
        let text = String(String.UnicodeScalarView(kept).prefix(64))
        return text.isEmpty ? "answer" : text
    }

    /// Whether every object in `schema` closes its members (`additionalProperties: false`) and
    /// requires all of them, as OpenAI's strict mode demands.
    public static func qualifiesForStrict(_ schema: JSONValue) -> Bool {
        switch schema {
        case .object(let rules):
            if rules["type"] == "object" || rules["properties"] != nil {
                let properties = rules["properties"]?.objectValue ?? [:]
                let required = Set(rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                guard rules["additionalProperties"] == .bool(false), required == Set(properties.keys) else { return false }
            }
            return rules.values.allSatisfy(qualifiesForStrict)
        case .array(let items):
            return items.allSatisfy(qualifiesForStrict)
        default:
            return true
        }
    }
}
