import CopilotCore
import Foundation

extension BuiltInTool {
    /// Replace one exact occurrence of a string in a file.
    public static let edit = BuiltInTool(named: "edit")
}

/// `edit`: one exact replacement, asked as a `write` with the change as a diff.
struct EditTool: BuiltInToolKind {
    let tool = BuiltInTool.edit
    let summary =
        "Replace the one occurrence of `old_str` in a file with `new_str`. `old_str` must match exactly, including whitespace, and appear exactly once."
    var parameters: JSONValue {
        Self.object(["path": ["type": "string"], "old_str": ["type": "string"], "new_str": ["type": "string"]], required: ["path", "old_str", "new_str"])
    }

    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput {
        let raw = try arguments.string("path")
        let old = try arguments.string("old_str")
        let new = try arguments.string("new_str")
        let resolved = try context.resolve(raw)
        let name = context.shown(raw, resolved)
        // Outside the folder, the file is read (to match old_str and show the diff) only once reading it is allowed.
        if !resolved.isInside, let refusal = await context.permit(context.readRequest(resolved, intention: "Read \(name) to edit it")) {
            return refusal
        }
        guard WorkingDirectory.kind(of: resolved.path) != .missing else {
            throw BuiltInToolError("Path \(name) does not exist. Please provide a valid path.")
        }
        let limit = BuiltInToolContext.editLimit
        let (data, size) = try BuiltInToolContext.read(resolved.path, name: name, limit: limit)
        guard size <= limit else { throw BuiltInToolError("\(name) is larger than \(limit / 1_048_576) MB; edit it in parts with bash.") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw BuiltInToolError("\(name) is not a UTF-8 text file.")
        }
        guard !old.isEmpty else { throw BuiltInToolError("old_str must not be empty.") }
        let occurrences = text.components(separatedBy: old).count - 1
        guard occurrences == 1 else {
            throw BuiltInToolError(
                occurrences == 0
                    ? "No match found for old_str in \(name); it must match exactly, including whitespace."
                    : "old_str appears \(occurrences) times in \(name); include more context so it matches once.")
        }
        let updated = text.replacingOccurrences(of: old, with: new)
        let label = context.directory.display(resolved)
        let diff = "--- \(label)\n+++ \(label)\n"
            + old.split(separator: "\n", omittingEmptySubsequences: false).map { "-\($0)" }.joined(separator: "\n") + "\n"
            + new.split(separator: "\n", omittingEmptySubsequences: false).map { "+\($0)" }.joined(separator: "\n")
        let request = context.writeRequest(resolved, diff: diff, contents: updated, intention: "Edit file \(name)")
        if let refusal = await context.permit(request) { return refusal }
        try Data(updated.utf8).write(to: URL(fileURLWithPath: resolved.path))
        return .success("File \(name) updated with changes.")
    }
}
