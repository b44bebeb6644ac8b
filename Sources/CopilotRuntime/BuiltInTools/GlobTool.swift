import CopilotCore

extension BuiltInTool {
    /// Find files by glob pattern.
    public static let glob = BuiltInTool(named: "glob")
}

/// `glob`: the files under a folder whose path matches a pattern, asked as a `read` of the folder.
struct GlobTool: BuiltInToolKind {
    let tool = BuiltInTool.glob
    let summary = "Find files whose path matches a glob pattern such as `**/*.ts`, under `path` (default: the working directory)."
    var parameters: JSONValue {
        Self.object(
            ["pattern": ["type": "string"], "path": ["type": "string", "description": "The directory to search (default: the working directory)."]],
            required: ["pattern"])
    }

    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput {
        let pattern = try arguments.string("pattern")
        let raw = arguments.optionalString("path")
        let base = try context.resolve(raw ?? ".")
        if let refusal = await context.permit(context.readRequest(base, intention: "Find files matching \(pattern)")) { return refusal }
        let matched = FileSearch.files(under: base).filter { FileSearch.matches(pattern, $0) }
        guard !matched.isEmpty else { return .success("No files matched the pattern.") }
        let limit = BuiltInToolContext.resultLimit
        let shown = matched.prefix(limit).map { FileSearch.label($0, root: raw, defaultRoot: ".") }.joined(separator: "\n")
        let more = matched.count > limit ? "\n[\(matched.count - limit) more files not shown]" : ""
        return .success(shown + more)
    }
}
