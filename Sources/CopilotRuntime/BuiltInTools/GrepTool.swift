import CopilotCore
import Foundation

extension BuiltInTool {
    /// Search file contents by regular expression, as ripgrep does.
    public static let grep = BuiltInTool(named: "grep")
}

/// `grep`: lines matching a regular expression in the files under a folder, asked as a `read` of
/// the folder, printed as ripgrep prints them.
struct GrepTool: BuiltInToolKind {
    let tool = BuiltInTool.grep
    let summary =
        "Search file contents with a regular expression (ripgrep syntax). `output_mode` is files_with_matches (default), content or count; `glob` limits the files; -i ignores case; -n numbers lines; -A/-B/-C add context."
    var parameters: JSONValue {
        Self.object(
            [
                "pattern": ["type": "string", "description": "A regular expression."],
                "path": ["type": "string", "description": "A file or directory (default: the working directory)."],
                "output_mode": ["type": "string", "enum": ["content", "files_with_matches", "count"]],
                "glob": ["type": "string", "description": "Only files whose path matches this glob."],
                "-i": ["type": "boolean"], "-n": ["type": "boolean"],
                "-A": ["type": "integer"], "-B": ["type": "integer"], "-C": ["type": "integer"],
                "head_limit": ["type": "integer", "description": "At most this many lines of output."],
            ], required: ["pattern"])
    }

    /// Larger files are skipped, as generated or binary.
    static let fileLimit = 2_000_000

    /// The arguments, checked.
    struct Options {
        enum OutputMode: String { case content, filesWithMatches = "files_with_matches", count }
        var pattern: String
        var path: String?
        var mode: OutputMode
        var glob: String?
        var ignoreCase: Bool
        var lineNumbers: Bool
        var before: Int
        var after: Int
        var headLimit: Int?

        init(_ arguments: BuiltInToolArguments) throws {
            pattern = try arguments.string("pattern")
            path = arguments.optionalString("path")
            let modeName = arguments.optionalString("output_mode") ?? OutputMode.filesWithMatches.rawValue
            guard let mode = OutputMode(rawValue: modeName) else {
                throw BuiltInToolError("output_mode must be content, files_with_matches or count (not \(modeName)).")
            }
            self.mode = mode
            glob = arguments.optionalString("glob")
            ignoreCase = arguments.bool("-i")
            lineNumbers = arguments.bool("-n")
            let context = max(0, arguments.int("-C") ?? 0)
            before = max(0, arguments.int("-B") ?? context)
            after = max(0, arguments.int("-A") ?? context)
            headLimit = arguments.int("head_limit").flatMap { $0 > 0 ? $0 : nil }
        }
    }

    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput {
        let options = try Options(arguments)
        let expression: NSRegularExpression
        do {
            expression = try NSRegularExpression(pattern: options.pattern, options: options.ignoreCase ? [.caseInsensitive] : [])
        } catch {
            throw BuiltInToolError("`\(options.pattern)` is not a valid regular expression.")
        }
        let base = try context.resolve(options.path ?? ".")
        if let refusal = await context.permit(context.readRequest(base, intention: "Search for \(options.pattern)")) { return refusal }
        var output: [String] = []
        let limit = options.headLimit ?? BuiltInToolContext.resultLimit * 4
        var truncated = false
        let files = FileSearch.files(under: base).filter { relative in
            options.glob.map { FileSearch.matches($0, relative.isEmpty ? (base.path as NSString).lastPathComponent : relative) } ?? true
        }
        search: for relative in files {
            let path = relative.isEmpty ? base.path : base.path + "/" + relative
            guard let (data, size) = try? WorkingDirectory.readRegularFile(path, limit: Self.fileLimit), size <= Self.fileLimit,
                !data.contains(0), let text = String(data: data, encoding: .utf8)
            else { continue }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            let hits = lines.indices.filter { index in
                expression.firstMatch(in: lines[index], range: NSRange(lines[index].startIndex..., in: lines[index])) != nil
            }
            guard !hits.isEmpty else { continue }
            let name = FileSearch.label(relative, root: options.path, defaultRoot: "")
            switch options.mode {
            case .filesWithMatches: output.append(name)
            case .count: output.append("\(name):\(hits.count)")
            case .content:
                var shown = Set<Int>()
                var previous: Int?
                for hit in hits {
                    for index in max(0, hit - options.before)...min(lines.count - 1, hit + options.after) where !shown.contains(index) {
                        // As ripgrep: groups are separated only when context lines are shown.
                        if let previous, index > previous + 1, options.before + options.after > 0 { output.append("--") }
                        let separator = index == hit || hits.contains(index) ? ":" : "-"
                        output.append(options.lineNumbers ? "\(name)\(separator)\(index + 1)\(separator)\(lines[index])" : "\(name)\(separator)\(lines[index])")
                        shown.insert(index)
                        previous = index
                    }
                }
            }
            if output.count >= limit {
                truncated = output.count > limit
                break search
            }
        }
        if output.isEmpty { return .success("No matches found.") }
        let shown = output.prefix(limit).joined(separator: "\n")
        return .success(truncated ? shown + "\n[more results not shown]" : shown)
    }
}
