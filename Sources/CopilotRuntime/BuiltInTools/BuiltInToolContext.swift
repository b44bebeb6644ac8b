import CopilotCore
import CopilotProviders
import Foundation

/// What a built-in tool's call works with: the call and its session (permissions, events), the
/// session's working directory and shell commands, and an HTTP client for `web_fetch`. Results use
/// the official runtime's wording, which models trained on it expect ("Path … does not exist.
/// Please provide a valid path.", `N. line`, `<exited with exit code N>`).
struct BuiltInToolContext: Sendable {
    /// The call and what the session gives it.
    let session: ToolCallContext
    /// The session's working directory.
    let directory: WorkingDirectory
    /// The session's shell commands (shared by every call of the session).
    let shells: ShellSessions
    /// Fetches URLs for `web_fetch`; `nil` when the session has no HTTP transport.
    let transport: (any HTTPTransport)?
    /// Measures the shell's waits.
    let clock: any Clock<Duration>

    /// The call as the model made it.
    var call: ToolCall { session.call }
    /// The working directory's path, with symlinks resolved.
    var root: String { directory.root }

    /// Largest file `view` returns.
    static let readLimit = 256 * 1024
    /// Largest image `view` sends to the model.
    static let imageLimit = 20 * 1024 * 1024
    /// Largest file `edit` changes.
    static let editLimit = 8 * 1024 * 1024
    /// Most results `glob` and `grep` list.
    static let resultLimit = 500

    typealias ResolvedPath = WorkingDirectory.ResolvedPath

    /// `raw` resolved against the working directory.
    ///
    /// - Throws: ``BuiltInToolError`` for a path no file can have (see ``WorkingDirectory/resolve(_:)``).
    func resolve(_ raw: String) throws -> ResolvedPath {
        do {
            return try directory.resolve(raw)
        } catch {
            throw BuiltInToolError(error.description)
        }
    }

    /// How a path is named in results: as the model wrote it when absolute, else resolved.
    func shown(_ raw: String, _ resolved: ResolvedPath) -> String { raw.hasPrefix("/") ? raw : resolved.path }

    /// Asks, and gives the result the model sees when refused (or `nil` when allowed).
    func permit(_ request: PermissionRequest) async -> ToolRunOutput? {
        await session.permit(request).map { ToolRunOutput($0) }
    }

    /// A `read` request for `resolved`, flagged when it is outside the working directory.
    func readRequest(_ resolved: ResolvedPath, intention: String) -> PermissionRequest {
        var request = PermissionRequest(kind: .read, toolCallId: call.id, toolName: call.name, intention: intention)
        request.path = resolved.path
        request.outsideWorkingDirectory = resolved.isInside ? nil : true
        return request
    }

    /// A `write` request for `resolved` with the change as a diff; only inside the working
    /// directory may it be approved for the session.
    func writeRequest(_ resolved: ResolvedPath, diff: String, contents: String, intention: String) -> PermissionRequest {
        var request = PermissionRequest(kind: .write, toolCallId: call.id, toolName: call.name, intention: intention)
        request.fileName = resolved.path
        request.diff = diff
        request.newFileContents = contents
        request.canOfferSessionApproval = resolved.isInside
        request.outsideWorkingDirectory = resolved.isInside ? nil : true
        return request
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
}

/// A built-in tool's arguments, read with the one rule for missing or mistyped ones.
struct BuiltInToolArguments {
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

/// A built-in tool's own complaint about its arguments or target; the model sees the message.
struct BuiltInToolError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

extension ToolRunOutput {
    /// A successful call's text.
    static func success(_ text: String) -> ToolRunOutput { ToolRunOutput(.success(text)) }
}
