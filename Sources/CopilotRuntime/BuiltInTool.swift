import CopilotCore
package import CopilotProviders
import Foundation

/// The runtime's own tools: reading, creating and editing files, running shell commands, finding
/// files and searching them. Each asks the permission handler with the matching request kind
/// (`read`, `write`, `shell`), and paths resolve inside the session's working directory; leaving
/// it (`..`, symlinks, absolute paths) is asked about separately and never approved for the session.
public enum BuiltInTool: String, Sendable, Hashable, CaseIterable {
    /// Read a file (optionally a line range) or list a directory.
    case view
    /// Create a new file.
    case create
    /// Replace one exact occurrence of a string in a file.
    case edit
    /// Run a shell command.
    case bash
    /// Find files by glob pattern.
    case glob
    /// Search file contents by regular expression.
    case grep

    /// Every built-in tool.
    public static let all = Set(allCases)

    /// How the tool is declared to the model.
    package var definition: ToolDefinition {
        switch self {
        case .view:
            ToolDefinition(name: rawValue, description: "Read a text file, or list a directory. Lines are numbered from 1; `view_range` [start, end] limits the lines (end -1 means to the end).", parameters: [
                "type": "object",
                "properties": [
                    "path": ["type": "string", "description": "File or directory, relative to the working directory."],
                    "view_range": ["type": "array", "items": ["type": "integer"], "description": "[start, end] line numbers."],
                ],
                "required": ["path"],
            ])
        case .create:
            ToolDefinition(name: rawValue, description: "Create a new file with the given contents. Fails if the file exists; use `edit` to change a file.", parameters: [
                "type": "object",
                "properties": ["path": ["type": "string"], "file_text": ["type": "string", "description": "The whole contents."]],
                "required": ["path", "file_text"],
            ])
        case .edit:
            ToolDefinition(name: rawValue, description: "Replace the one occurrence of `old_str` in a file with `new_str`. `old_str` must match exactly, including whitespace, and appear exactly once.", parameters: [
                "type": "object",
                "properties": ["path": ["type": "string"], "old_str": ["type": "string"], "new_str": ["type": "string"]],
                "required": ["path", "old_str", "new_str"],
            ])
        case .bash:
            ToolDefinition(name: rawValue, description: "Run a shell command in the working directory. Returns the exit code, stdout and stderr.", parameters: [
                "type": "object",
                "properties": [
                    "command": ["type": "string"],
                    "timeout_seconds": ["type": "integer", "description": "Stop the command after this long (default 60, at most 600)."],
                ],
                "required": ["command"],
            ])
        case .glob:
            ToolDefinition(name: rawValue, description: "Find files whose path relative to `path` (default: the working directory) matches a glob such as `**/*.swift`.", parameters: [
                "type": "object",
                "properties": ["pattern": ["type": "string"], "path": ["type": "string"]],
                "required": ["pattern"],
            ])
        case .grep:
            ToolDefinition(name: rawValue, description: "Search file contents with a regular expression. Returns `file:line: text` for each match; `glob` limits the files searched.", parameters: [
                "type": "object",
                "properties": ["pattern": ["type": "string"], "path": ["type": "string"], "glob": ["type": "string"]],
                "required": ["pattern"],
            ])
        }
    }
}

/// Runs built-in tools for one session.
struct BuiltInToolRunner: Sendable {
    /// The session's working directory.
    let directory: WorkingDirectory
    /// The working directory's path, with symlinks resolved.
    var root: String { directory.root }
    /// Asks the permission handler (through the engine's events); `nil` handler semantics are the engine's.
    let ask: @Sendable (PermissionRequest) async -> PermissionDecision
    /// Measures the shell's timeout.
    let clock: any Clock<Duration>
    /// Largest file `view` returns.
    static let readLimit = 256 * 1024
    /// Most results `glob` and `grep` list.
    static let resultLimit = 500

    init(
        workingDirectory: String, clock: any Clock<Duration> = ContinuousClock(),
        ask: @escaping @Sendable (PermissionRequest) async -> PermissionDecision
    ) {
        directory = WorkingDirectory(workingDirectory)
        self.clock = clock
        self.ask = ask
    }

    typealias ResolvedPath = WorkingDirectory.ResolvedPath

    func resolve(_ raw: String) -> ResolvedPath { directory.resolve(raw) }

    private func display(_ resolved: ResolvedPath) -> String { directory.display(resolved) }

    /// Asks, and turns a refusal into the result the model sees (or `nil` when allowed).
    private func permit(_ request: PermissionRequest) async -> ToolResult? {
        let decision = await ask(request)
        if decision.isApproval { return nil }
        if decision.isRejection {
            var text = "The user rejected this tool call."
            if let feedback = decision.feedback, !feedback.isEmpty { text += " User feedback: \(feedback)" }
            return ToolResult(textResultForLlm: text, resultType: .rejected, error: text)
        }
        return ToolResult(
            textResultForLlm: "Permission denied and could not request permission from user", resultType: .denied,
            error: "Permission denied")
    }

    private func readRequest(_ resolved: ResolvedPath, call: ToolCall, intention: String) -> PermissionRequest {
        var request = PermissionRequest(kind: .read, toolCallId: call.id, toolName: call.name, intention: intention)
        request.path = resolved.path
        request.outsideWorkingDirectory = resolved.isInside ? nil : true
        return request
    }

    func run(_ tool: BuiltInTool, call: ToolCall, arguments: JSONValue) async throws -> ToolResult {
        func string(_ key: String) throws -> String {
            guard let value = arguments[key]?.stringValue else {
                throw BuiltInToolError("`\(key)` is required and must be a string.")
            }
            return value
        }
        do {
            switch tool {
            case .view: return try await view(try string("path"), range: arguments["view_range"]?.arrayValue?.compactMap(\.intValue), call: call)
            case .create: return try await create(try string("path"), text: try string("file_text"), call: call)
            case .edit: return try await edit(try string("path"), old: try string("old_str"), new: try string("new_str"), call: call)
            case .bash: return try await bash(try string("command"), timeout: arguments["timeout_seconds"]?.intValue, call: call)
            case .glob: return try await glob(try string("pattern"), in: arguments["path"]?.stringValue, call: call)
            case .grep: return try await grep(try string("pattern"), in: arguments["path"]?.stringValue, glob: arguments["glob"]?.stringValue, call: call)
            }
        } catch let error as BuiltInToolError {
            return .failure(error.message)
        }
    }

    // MARK: The tools

    private func view(_ raw: String, range: [Int]?, call: ToolCall) async throws -> ToolResult {
        let resolved = resolve(raw)
        if let refusal = await permit(readRequest(resolved, call: call, intention: "Read \(display(resolved))")) { return refusal }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved.path, isDirectory: &isDirectory) else {
            throw BuiltInToolError("\(display(resolved)) does not exist.")
        }
        if isDirectory.boolValue {
            let entries = try FileManager.default.contentsOfDirectory(atPath: resolved.path).sorted()
            return .success(entries.isEmpty ? "(empty directory)" : entries.joined(separator: "\n"))
        }
        guard let handle = FileHandle(forReadingAtPath: resolved.path) else { throw BuiltInToolError("\(display(resolved)) cannot be read.") }
        defer { try? handle.close() }
        let data = try handle.read(upToCount: Self.readLimit) ?? Data()
        guard let text = String(data: data, encoding: .utf8) else { throw BuiltInToolError("\(display(resolved)) is not a UTF-8 text file.") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var start = 1
        var end = lines.count
        if let range, range.count == 2 {
            start = max(1, range[0])
            end = range[1] == -1 ? lines.count : min(lines.count, range[1])
            guard start <= max(end, 1) else { throw BuiltInToolError("view_range \(range) is outside the file's \(lines.count) lines.") }
        }
        let numbered = lines.indices.filter { $0 + 1 >= start && $0 + 1 <= end }.map { "\($0 + 1). \(lines[$0])" }
        var result = numbered.joined(separator: "\n")
        if data.count >= Self.readLimit { result += "\n[file truncated at \(Self.readLimit) bytes]" }
        return .success(result.isEmpty ? "(empty file)" : result)
    }

    private func writeRequest(_ resolved: ResolvedPath, call: ToolCall, diff: String, contents: String, intention: String) -> PermissionRequest {
        var request = PermissionRequest(kind: .write, toolCallId: call.id, toolName: call.name, intention: intention)
        request.fileName = resolved.path
        request.diff = diff
        request.newFileContents = contents
        request.canOfferSessionApproval = resolved.isInside
        request.outsideWorkingDirectory = resolved.isInside ? nil : true
        return request
    }

    private func create(_ raw: String, text: String, call: ToolCall) async throws -> ToolResult {
        let resolved = resolve(raw)
        guard !FileManager.default.fileExists(atPath: resolved.path) else {
            throw BuiltInToolError("\(display(resolved)) already exists; use `edit` to change it.")
        }
        let diff = "--- /dev/null\n+++ \(display(resolved))\n" + text.split(separator: "\n", omittingEmptySubsequences: false).map { "+\($0)" }.joined(separator: "\n")
        let request = writeRequest(resolved, call: call, diff: diff, contents: text, intention: "Create \(display(resolved))")
        if let refusal = await permit(request) { return refusal }
        let directory = (resolved.path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: resolved.path))
        return .success("Created \(display(resolved)) (\(text.utf8.count) bytes).")
    }

    private func edit(_ raw: String, old: String, new: String, call: ToolCall) async throws -> ToolResult {
        let resolved = resolve(raw)
        guard let data = FileManager.default.contents(atPath: resolved.path), let text = String(data: data, encoding: .utf8) else {
            throw BuiltInToolError("\(display(resolved)) does not exist or is not UTF-8 text.")
        }
        guard !old.isEmpty else { throw BuiltInToolError("old_str must not be empty.") }
        let occurrences = text.components(separatedBy: old).count - 1
        guard occurrences == 1 else {
            throw BuiltInToolError(
                occurrences == 0
                    ? "old_str was not found in \(display(resolved)); it must match exactly, including whitespace."
                    : "old_str appears \(occurrences) times in \(display(resolved)); include more context so it matches once.")
        }
        let updated = text.replacingOccurrences(of: old, with: new)
        let diff = "--- \(display(resolved))\n+++ \(display(resolved))\n"
            + old.split(separator: "\n", omittingEmptySubsequences: false).map { "-\($0)" }.joined(separator: "\n") + "\n"
            + new.split(separator: "\n", omittingEmptySubsequences: false).map { "+\($0)" }.joined(separator: "\n")
        let request = writeRequest(resolved, call: call, diff: diff, contents: updated, intention: "Edit \(display(resolved))")
        if let refusal = await permit(request) { return refusal }
        try Data(updated.utf8).write(to: URL(fileURLWithPath: resolved.path))
        return .success("Edited \(display(resolved)).")
    }

    private func bash(_ command: String, timeout: Int?, call: ToolCall) async throws -> ToolResult {
        let seconds = min(max(timeout ?? 60, 1), 600)
        var request = PermissionRequest(kind: .shell, toolCallId: call.id, toolName: call.name, intention: "Run `\(command)`")
        request.fullCommandText = command
        request.commands = [["identifier": .string(command), "readOnly": false]]
        request.possiblePaths = []
        request.possibleUrls = []
        request.hasWriteFileRedirection = command.contains(">")
        request.canOfferSessionApproval = true
        if let refusal = await permit(request) { return refusal }
        let result = try await ShellCommand.run(command, workingDirectory: root, timeout: .seconds(seconds), clock: clock)
        var text = ""
        if !result.standardOutput.isEmpty { text += result.standardOutput }
        if !result.standardError.isEmpty { text += (text.isEmpty ? "" : "\n") + "[stderr]\n" + result.standardError }
        if result.truncated { text += "\n[output truncated]" }
        if result.timedOut {
            return ToolResult(
                textResultForLlm: "The command timed out after \(seconds) s and was stopped.\n" + text, resultType: .failure,
                error: "timed out after \(seconds) s")
        }
        let code = result.exitCode ?? -1
        text = "exit code: \(code)\n" + text
        return code == 0 ? .success(text) : ToolResult(textResultForLlm: text, resultType: .failure, error: "exit code \(code)")
    }

    private func files(under base: ResolvedPath) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: base.path) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name == ".git" || name == ".build" || name.hasPrefix(".build") || name == "node_modules" {
                enumerator.skipDescendants()
                continue
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base.path + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                found.append(relative)
            }
            if found.count >= 20_000 { break }
        }
        return found.sorted()
    }

    private static func matches(_ pattern: String, _ path: String) -> Bool {
        // `**/` also matches no directory at all, as in most glob dialects.
        if pattern.hasPrefix("**/"), fnmatch(String(pattern.dropFirst(3)), path, 0) == 0 { return true }
        return fnmatch(pattern, path, 0) == 0
    }

    private func glob(_ pattern: String, in raw: String?, call: ToolCall) async throws -> ToolResult {
        let base = resolve(raw ?? ".")
        if let refusal = await permit(readRequest(base, call: call, intention: "Find `\(pattern)` in \(display(base))")) { return refusal }
        let matched = files(under: base).filter { Self.matches(pattern, $0) }
        let shown = matched.prefix(Self.resultLimit).joined(separator: "\n")
        let more = matched.count > Self.resultLimit ? "\n[\(matched.count - Self.resultLimit) more]" : ""
        return .success(matched.isEmpty ? "No files match \(pattern)." : shown + more)
    }

    private func grep(_ pattern: String, in raw: String?, glob: String?, call: ToolCall) async throws -> ToolResult {
        let expression: NSRegularExpression
        do {
            expression = try NSRegularExpression(pattern: pattern)
        } catch {
            throw BuiltInToolError("`\(pattern)` is not a valid regular expression.")
        }
        let base = resolve(raw ?? ".")
        if let refusal = await permit(readRequest(base, call: call, intention: "Search for `\(pattern)` in \(display(base))")) { return refusal }
        var hits: [String] = []
        for relative in files(under: base) where glob.map({ Self.matches($0, relative) }) ?? true {
            guard let data = FileManager.default.contents(atPath: base.path + "/" + relative), data.count <= 2_000_000,
                !data.contains(0), let text = String(data: data, encoding: .utf8)
            else { continue }
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let lineText = String(line)
                if expression.firstMatch(in: lineText, range: NSRange(lineText.startIndex..., in: lineText)) != nil {
                    hits.append("\(relative):\(number + 1): \(lineText)")
                    if hits.count > Self.resultLimit { break }
                }
            }
            if hits.count > Self.resultLimit { break }
        }
        if hits.isEmpty { return .success("No matches for \(pattern).") }
        let shown = hits.prefix(Self.resultLimit).joined(separator: "\n")
        return .success(hits.count > Self.resultLimit ? shown + "\n[more matches not shown]" : shown)
    }
}

/// A built-in tool's own complaint about its arguments or target; the model sees the message.
struct BuiltInToolError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
