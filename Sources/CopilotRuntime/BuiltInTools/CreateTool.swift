import CopilotCore
import Foundation

extension BuiltInTool {
    /// Create a new file.
    public static let create = BuiltInTool(named: "create")
}

/// `create`: a new file, asked as a `write` with the whole file as the diff.
struct CreateTool: BuiltInToolKind {
    let tool = BuiltInTool.create
    let summary = "Create a new file with the given contents. Fails if the path exists; use edit to change a file."
    var parameters: JSONValue {
        Self.object(
            ["path": ["type": "string"], "file_text": ["type": "string", "description": "The whole contents of the new file."]],
            required: ["path", "file_text"])
    }

    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput {
        let raw = try arguments.string("path")
        let text = try arguments.string("file_text")
        let resolved = try context.resolve(raw)
        let name = context.shown(raw, resolved)
        let label = context.directory.display(resolved)
        let diff = "--- /dev/null\n+++ \(label)\n" + text.split(separator: "\n", omittingEmptySubsequences: false).map { "+\($0)" }.joined(separator: "\n")
        let request = context.writeRequest(resolved, diff: diff, contents: text, intention: "Create file \(name)")
        // Outside the folder, nothing about the target is told before the permission.
        if !resolved.isInside, let refusal = await context.permit(request) { return refusal }
        guard WorkingDirectory.kind(of: resolved.path) == .missing else {
            throw BuiltInToolError("Path \(name) already exists. Use edit to change an existing file.")
        }
        if resolved.isInside, let refusal = await context.permit(request) { return refusal }
        let parent = (resolved.path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: resolved.path))
        return .success("Created file \(name) with \(text.count) characters")
    }
}
