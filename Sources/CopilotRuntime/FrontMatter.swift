import Foundation

/// The `---` block of `key: value` lines at the top of a Markdown file (`SKILL.md`, `.agent.md`):
/// the simple form those files use, one value per line, quotes taken off.
enum FrontMatter {
    /// The file's front matter fields and the rest of it (the whole text when it has none).
    static func split(_ text: String) -> (fields: [String: String], body: String) {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        let lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---",
            let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" })
        else { return ([:], normalized) }
        var fields: [String: String] = [:]
        for line in lines[lines.index(after: lines.startIndex)..<end] {
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix(" ") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            fields[key] = unquoted(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return (fields, lines[lines.index(after: end)...].joined(separator: "\n"))
    }

    /// A list value: `[a, "b"]` or `a, b` or `a b`.
    static func list(_ value: String) -> [String] {
        value.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(whereSeparator: { $0 == "," || $0 == " " })
            .map { unquoted(String($0)) }.filter { !$0.isEmpty }
    }

    private static func unquoted(_ value: String) -> String {
        guard value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" else { return value }
        return String(value.dropFirst().dropLast())
    }
}
