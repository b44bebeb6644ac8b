import CopilotCore
import CopilotProviders
import Foundation

/// Runs built-in tools for one session. Results use the official runtime's wording, which models
/// trained on it expect ("Path … does not exist. Please provide a valid path.", `N. line`,
/// `<exited with exit code N>`).
struct BuiltInToolRunner: Sendable {
    /// The session's working directory.
    let directory: WorkingDirectory
    /// The working directory's path, with symlinks resolved.
    var root: String { directory.root }
    /// Asks the permission handler (through the engine's events); `nil` handler semantics are the engine's.
    let ask: @Sendable (PermissionRequest) async -> PermissionDecision
    /// The session's shell commands (shared by every call of the session).
    let shells: ShellSessions
    /// Fetches URLs for `web_fetch`; `nil` when the session has no HTTP transport.
    let transport: (any HTTPTransport)?
    /// Publishes `assistant.intent` for `report_intent`.
    let reportIntent: @Sendable (String) async -> Void
    /// Publishes what a running command printed so far (`tool.execution_partial_result`).
    let partialOutput: @Sendable (String) async -> Void
    /// Measures the shell's waits.
    let clock: any Clock<Duration>

    /// Largest file `view` returns.
    static let readLimit = 256 * 1024
    /// Largest image `view` sends to the model.
    static let imageLimit = 20 * 1024 * 1024
    /// Most results `glob` and `grep` list.
    static let resultLimit = 500

    /// What a call produced: the result, and images the model should see after it.
    struct Output: Sendable {
        var result: ToolResult
        var images: [MediaContent] = []
        /// The path an image was read from, named in the message that carries it.
        var imagePath: String?
    }

    typealias ResolvedPath = WorkingDirectory.ResolvedPath

    func resolve(_ raw: String) -> ResolvedPath { directory.resolve(raw) }

    /// How a path is named in results: as the model wrote it when absolute, else resolved.
    func shown(_ raw: String, _ resolved: ResolvedPath) -> String { raw.hasPrefix("/") ? raw : resolved.path }

    /// Asks, and turns a refusal into the result the model sees (or `nil` when allowed).
    func permit(_ request: PermissionRequest) async -> ToolResult? {
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

    func readRequest(_ resolved: ResolvedPath, call: ToolCall, intention: String) -> PermissionRequest {
        var request = PermissionRequest(kind: .read, toolCallId: call.id, toolName: call.name, intention: intention)
        request.path = resolved.path
        request.outsideWorkingDirectory = resolved.isInside ? nil : true
        return request
    }

    /// Arguments, read with the one rule for missing or mistyped ones.
    struct Arguments {
        let json: JSONValue
        func string(_ key: String) throws -> String {
            guard let value = json[key]?.stringValue else { throw BuiltInToolError("`\(key)` is required and must be a string.") }
            return value
        }
        func optionalString(_ key: String) -> String? { json[key]?.stringValue }
        /// A number, also when the model wrote it as a string ("5") or with a fraction (rounded down).
        func int(_ key: String) -> Int? {
            switch json[key] {
            case .int(let value): value
            case .double(let value) where value.isFinite && abs(value) < 1e15: Int(value)
            case .string(let text): Int(text.trimmingCharacters(in: .whitespaces))
            default: nil
            }
        }
        /// A flag, also when written as the string "true".
        func bool(_ key: String) -> Bool { json[key] == true || json[key] == "true" }
    }

    func run(_ tool: BuiltInTool, call: ToolCall, arguments json: JSONValue) async throws -> Output {
        let arguments = Arguments(json: json)
        do {
            switch tool {
            case .view: return try await view(arguments, call: call)
            case .create: return Output(result: try await create(try arguments.string("path"), text: try arguments.string("file_text"), call: call))
            case .edit:
                return Output(result: try await edit(
                    try arguments.string("path"), old: try arguments.string("old_str"), new: try arguments.string("new_str"), call: call))
            case .glob: return Output(result: try await glob(try arguments.string("pattern"), in: arguments.optionalString("path"), call: call))
            case .grep: return Output(result: try await grep(GrepOptions(arguments), call: call))
            case .bash, .readBash, .writeBash, .stopBash, .listBash: return Output(result: try await shell(tool, arguments, call: call))
            case .webFetch: return Output(result: try await webFetch(arguments, call: call))
            case .reportIntent:
                let intent = try arguments.string("intent")
                await reportIntent(intent)
                return Output(result: .success("Intent logged"))
            }
        } catch let error as BuiltInToolError {
            return Output(result: .failure(error.message))
        }
    }

    // MARK: Files

    private func view(_ arguments: Arguments, call: ToolCall) async throws -> Output {
        let raw = try arguments.string("path")
        let resolved = resolve(raw)
        let name = shown(raw, resolved)
        if let refusal = await permit(readRequest(resolved, call: call, intention: "Read \(name)")) { return Output(result: refusal) }
        switch WorkingDirectory.kind(of: resolved.path) {
        case .missing: throw BuiltInToolError("Path \(name) does not exist. Please provide a valid path.")
        case .directory: return Output(result: .success(try listing(resolved.path)))
        case .regularFile, .other: break
        }
        if let mimeType = AttachmentLoader.imageTypes[(resolved.path as NSString).pathExtension.lowercased()] {
            let (data, size) = try Self.read(resolved.path, name: name, limit: Self.imageLimit)
            guard size <= Self.imageLimit else {
                throw BuiltInToolError("\(name) is larger than \(Self.imageLimit / 1_048_576) MB.")
            }
            return Output(
                result: .success("Viewed image file successfully."),
                images: [MediaContent(mimeType: mimeType, base64Data: data.base64EncodedString())], imagePath: name)
        }
        let (data, size) = try Self.read(resolved.path, name: name, limit: Self.readLimit)
        guard let text = String(data: data, encoding: .utf8) ?? (size > data.count ? String(decoding: data, as: UTF8.self) : nil) else {
            throw BuiltInToolError("\(name) is not a UTF-8 text file.")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var start = 1
        var end = lines.count
        if let range = arguments.json["view_range"]?.arrayValue?.compactMap(\.intValue), range.count == 2 {
            start = max(1, range[0])
            end = range[1] == -1 ? lines.count : min(lines.count, range[1])
            guard start <= lines.count, start <= end else {
                throw BuiltInToolError("Invalid view_range [\(range[0]), \(range[1])]: the file has \(lines.count) lines.")
            }
        }
        var result = (start...max(start, end)).filter { $0 <= lines.count }.map { "\($0). \(lines[$0 - 1])" }.joined(separator: "\n")
        if size > data.count { result += "\n[file truncated at \(Self.readLimit) bytes]" }
        return Output(result: .success(result))
    }

    /// At most `limit` bytes of the regular file `path` (shown to the model as `name`), and its size.
    static func read(_ path: String, name: String, limit: Int) throws -> (data: Data, size: Int) {
        do {
            return try WorkingDirectory.readRegularFile(path, limit: limit)
        } catch .notRegularFile {
            throw BuiltInToolError("\(name) is not a regular file (a pipe, a device or a socket), so it is not read.")
        } catch {
            throw BuiltInToolError("Path \(name) cannot be read.")
        }
    }

    /// Largest file `edit` changes.
    static let editLimit = 8 * 1024 * 1024

    /// A directory's entries, directories marked with a trailing `/`, hidden ones left out.
    private func listing(_ path: String) throws -> String {
        let entries = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
        let marked = entries.map { entry -> String in
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: path + "/" + entry, isDirectory: &isDirectory)
            return isDirectory.boolValue ? entry + "/" : entry
        }
        return marked.isEmpty ? "(empty directory)" : marked.joined(separator: "\n")
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
        let name = shown(raw, resolved)
        let label = directory.display(resolved)
        let diff = "--- /dev/null\n+++ \(label)\n" + text.split(separator: "\n", omittingEmptySubsequences: false).map { "+\($0)" }.joined(separator: "\n")
        let request = writeRequest(resolved, call: call, diff: diff, contents: text, intention: "Create file \(name)")
        // Outside the folder, nothing about the target is told before the permission.
        if !resolved.isInside, let refusal = await permit(request) { return refusal }
        guard WorkingDirectory.kind(of: resolved.path) == .missing else {
            throw BuiltInToolError("Path \(name) already exists. Use edit to change an existing file.")
        }
        if resolved.isInside, let refusal = await permit(request) { return refusal }
        let parent = (resolved.path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: resolved.path))
        return .success("Created file \(name) with \(text.count) characters")
    }

    private func edit(_ raw: String, old: String, new: String, call: ToolCall) async throws -> ToolResult {
        let resolved = resolve(raw)
        let name = shown(raw, resolved)
        // Outside the folder, the file is read (to match old_str and show the diff) only once reading it is allowed.
        if !resolved.isInside, let refusal = await permit(readRequest(resolved, call: call, intention: "Read \(name) to edit it")) {
            return refusal
        }
        guard WorkingDirectory.kind(of: resolved.path) != .missing else {
            throw BuiltInToolError("Path \(name) does not exist. Please provide a valid path.")
        }
        let (data, size) = try Self.read(resolved.path, name: name, limit: Self.editLimit)
        guard size <= Self.editLimit else { throw BuiltInToolError("\(name) is larger than \(Self.editLimit / 1_048_576) MB; edit it in parts with bash.") }
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
        let label = directory.display(resolved)
        let diff = "--- \(label)\n+++ \(label)\n"
            + old.split(separator: "\n", omittingEmptySubsequences: false).map { "-\($0)" }.joined(separator: "\n") + "\n"
            + new.split(separator: "\n", omittingEmptySubsequences: false).map { "+\($0)" }.joined(separator: "\n")
        let request = writeRequest(resolved, call: call, diff: diff, contents: updated, intention: "Edit file \(name)")
        if let refusal = await permit(request) { return refusal }
        try Data(updated.utf8).write(to: URL(fileURLWithPath: resolved.path))
        return .success("File \(name) updated with changes.")
    }
}

/// A built-in tool's own complaint about its arguments or target; the model sees the message.
struct BuiltInToolError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
