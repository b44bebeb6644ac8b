package import CopilotCore
import CopilotProviders
import Foundation

/// Checks a JSON value against a JSON Schema: the keywords structured output uses (`type`,
/// `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`, `anyOf`/`oneOf`/
/// `allOf`, string and number bounds, `minItems`/`maxItems`, and `$ref` to a definition in the
/// same schema, as Pydantic and Zod write nested types). Keywords it does not check (`pattern`,
/// `format`, `uniqueItems`, `not`, `patternProperties`…) constrain nothing here; the provider
/// holds the model to them where it can.
package struct JSONSchemaCheck {
    /// The most problems reported for one value.
    static let problemLimit = 10

    /// What is wrong with `value`, each with the JSON path it is at (`$.items[2].name`); empty when it matches.
    package static func problems(_ value: JSONValue, against schema: JSONValue) -> [String] {
        var check = JSONSchemaCheck(root: schema)
        check.visit(value, schema, path: "$")
        return check.found
    }

    /// The whole schema, which `$ref`s point into.
    private let root: JSONValue
    private var found: [String] = []
    /// How many `$ref`s are being followed, so a schema that refers to itself forever ends.
    private var refDepth = 0
    static let refDepthLimit = 32

    private init(root: JSONValue) { self.root = root }

    /// The schema `reference` (`#/$defs/Name`, `#/definitions/Name`, `#`) points to in the root.
    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#") else { return nil }
        var node = root
        for part in reference.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = node[key] else { return nil }
            node = next
        }
        return node
    }

    private mutating func report(_ path: String, _ message: String) {
        if found.count < Self.problemLimit { found.append("\(path): \(message)") }
    }

    private mutating func visit(_ value: JSONValue, _ schema: JSONValue, path: String) {
        guard case .object(let rules) = schema else {
            if schema == .bool(false) { report(path, "no value is allowed here") }
            return
        }
        if let reference = rules["$ref"]?.stringValue {
            guard let target = resolve(reference) else {
                report(path, "the schema's $ref \(reference) points nowhere in it")
                return
            }
            guard refDepth < Self.refDepthLimit else { return }
            refDepth += 1
            visit(value, target, path: path)
            refDepth -= 1
        }
        if let types = rules["type"] {
            let allowed = types.arrayValue?.compactMap(\.stringValue) ?? types.stringValue.map { [$0] } ?? []
            if !allowed.isEmpty, !allowed.contains(where: { Self.matches(value, type: $0) }) {
                report(path, "must be \(allowed.joined(separator: " or ")), not \(Self.typeName(of: value))")
                return
            }
        }
        if let options = rules["enum"]?.arrayValue, !options.contains(where: { Self.equal($0, value) }) {
            report(path, "must be one of \(options.map(\.jsonString).joined(separator: ", "))")
        }
        if let constant = rules["const"], !Self.equal(constant, value) { report(path, "must be \(constant.jsonString)") }
        for branch in rules["allOf"]?.arrayValue ?? [] { visit(value, branch, path: path) }
        for keyword in ["anyOf", "oneOf"] {
            guard let branches = rules[keyword]?.arrayValue, !branches.isEmpty else { continue }
            let matching = branches.filter { branch in
                var inner = JSONSchemaCheck(root: root)
                inner.refDepth = refDepth
                inner.visit(value, branch, path: path)
                return inner.found.isEmpty
            }.count
            if matching == 0 { report(path, "matches none of the \(keyword) schemas") }
            if keyword == "oneOf", matching > 1 { report(path, "matches more than one of the oneOf schemas") }
        }
        switch value {
        case .object(let members): visitObject(members, rules, path: path)
        case .array(let items): visitArray(items, rules, path: path)
        case .string(let text):
            let count = text.unicodeScalars.count  // JSON Schema counts code points
            if let minimum = rules["minLength"]?.intValue, count < minimum { report(path, "must have at least \(minimum) characters") }
            if let maximum = rules["maxLength"]?.intValue, count > maximum { report(path, "must have at most \(maximum) characters") }
        case .int, .double:
            let number = value.doubleValue ?? 0
            if let minimum = rules["minimum"]?.doubleValue, number < minimum { report(path, "must be at least \(rules["minimum"]!.jsonString)") }
            if let maximum = rules["maximum"]?.doubleValue, number > maximum { report(path, "must be at most \(rules["maximum"]!.jsonString)") }
            if let bound = rules["exclusiveMinimum"]?.doubleValue, number <= bound { report(path, "must be more than \(bound)") }
            if let bound = rules["exclusiveMaximum"]?.doubleValue, number >= bound { report(path, "must be less than \(bound)") }
        default:
            break
        }
    }

    private mutating func visitObject(_ members: [String: JSONValue], _ rules: [String: JSONValue], path: String) {
        let properties = rules["properties"]?.objectValue ?? [:]
        for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
            report(path, "is missing `\(name)`")
        }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            let memberPath = "\(path).\(name)"
            if let property = properties[name] {
                visit(member, property, path: memberPath)
            } else if rules["patternProperties"] == nil, let additional = rules["additionalProperties"] {
                // (With patternProperties, which this check does not read, a member may be allowed by a pattern.)
                if additional == .bool(false) {
                    report(path, "has `\(name)`, which the schema does not allow")
                } else {
                    visit(member, additional, path: memberPath)
                }
            }
        }
    }

    private mutating func visitArray(_ items: [JSONValue], _ rules: [String: JSONValue], path: String) {
        if let minimum = rules["minItems"]?.intValue, items.count < minimum { report(path, "must have at least \(minimum) items") }
        if let maximum = rules["maxItems"]?.intValue, items.count > maximum { report(path, "must have at most \(maximum) items") }
        guard let itemSchema = rules["items"] else { return }
        for (index, item) in items.enumerated() { visit(item, itemSchema, path: "\(path)[\(index)]") }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): true
        case ("number", .int), ("number", .double), ("integer", .int): true
        case ("integer", .double(let number)): number.rounded() == number
        default: false
        }
    }

    private static func typeName(of value: JSONValue) -> String {
        switch value {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .null: "null"
        }
    }

    /// JSON equality, with `1` and `1.0` the same number.
    private static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        if let left = lhs.doubleValue, let right = rhs.doubleValue { return left == right }
        return lhs == rhs
    }
}

extension SessionEngine {
    /// What is wrong with `answer` as an answer in `format`; `nil` when it matches.
    static func formatProblem(in answer: String, _ format: ResponseFormat) -> String? {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: StructuredAnswer.json(in: answer))
        } catch {
            return answer.isEmpty ? "the answer is empty" : "the answer is not JSON"
        }
        let problems = JSONSchemaCheck.problems(value, against: format.schema)
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// The message that asks the model for its answer again.
    static func formatCorrection(_ problem: String) -> String {
        "Your answer does not match the required JSON schema: \(problem). Answer again with only a JSON value that matches the schema, and nothing else."
    }
}

/// Reading a structured answer.
package enum StructuredAnswer {
    /// The JSON of `answer`: the text itself, or what is inside one Markdown code fence around it
    /// (models add one even when asked for JSON alone).
    package static func json(in answer: String) -> String {
        let trimmed = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("```"), trimmed.hasSuffix("```"), trimmed.count > 6,
            let firstLine = trimmed.firstIndex(of: "\n")
        else { return trimmed }
        return String(trimmed[trimmed.index(after: firstLine)..<trimmed.index(trimmed.endIndex, offsetBy: -3)])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension JSONValue {
    /// The number, as a `Double`, when this is one.
    fileprivate var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }
}
