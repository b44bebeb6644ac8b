import CopilotCore
import CopilotProviders
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads attachments into what the model receives, as the official runtime words them: files and
/// directories as `<tagged_files>` entries after the prompt (the model reads them with `view`),
/// a selection as an `<ide_selection>` block before it, images as images after the display name.
/// A session without the `view` tool gets text files and directory listings inline instead, as
/// that is the only way its model can see them.
///
/// A path is resolved against the session's working directory as the built-in tools resolve
/// paths (symlinks followed). One outside it is used only when `permit` approves a `read` request
/// for it; only regular files are read, and their size is checked before any byte is.
struct AttachmentLoader: Sendable {
    let directory: WorkingDirectory
    /// Whether the model can read files itself (the session offers `view`).
    let tagsFiles: Bool
    /// Decides a `read` of a file outside the working directory (the engine's permission rules).
    let permit: @Sendable (PermissionRequest) async -> PermissionDecision

    /// Largest image sent.
    static let imageLimit = 20 * 1024 * 1024
    /// Largest text file inlined.
    static let textLimit = 256 * 1024
    /// Largest file whose lines are counted for its `<tagged_files>` entry.
    static let countLimit = 16 * 1024 * 1024

    static let imageTypes = ["png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"]
    /// Files sent as they are, by extension: images and PDF documents.
    static let mediaTypes = imageTypes.merging(["pdf": "application/pdf"]) { image, _ in image }

    /// What the attachments add to a prompt.
    struct Loaded {
        /// Text before the prompt (selections).
        var before = ""
        /// Text after the prompt.
        var after = ""
        /// Images and documents.
        var media: [MediaContent] = []
        private var tagged: [String] = []

        mutating func tag(_ line: String) { tagged.append(line) }

        /// The user's entry: the prompt with what the attachments add.
        func text(for prompt: String) -> String {
            var text = before.isEmpty ? prompt : before + "\n\n\n\n" + prompt
            text += after
            if !tagged.isEmpty { text += "\n\n\n\n<tagged_files>\n" + tagged.joined(separator: "\n") + "\n</tagged_files>" }
            return text
        }
    }

    func load(_ attachments: [Attachment]) async throws -> Loaded {
        var loaded = Loaded()
        for attachment in attachments {
            let name = attachment.displayName ?? attachment.path ?? attachment.filePath ?? "attachment"
            switch attachment.type {
            case "file":
                guard let raw = attachment.path else { throw invalid("A file attachment needs a path.") }
                let resolved = try await confined(raw, what: "file")
                if let mimeType = Self.mediaTypes[(resolved.path as NSString).pathExtension.lowercased()] {
                    let data = try readRegularFile(resolved.path, shownAs: raw, limit: Self.imageLimit)
                    let shown = attachment.displayName ?? (raw as NSString).lastPathComponent
                    loaded.after += "\n" + shown
                    let title = MediaContent.documentTypes.contains(mimeType) ? shown : nil
                    loaded.media.append(MediaContent(mimeType: mimeType, base64Data: data.base64EncodedString(), title: title))
                } else if tagsFiles {
                    let lines = try lineCount(resolved.path, shownAs: raw)
                    loaded.tag("* \(resolved.path) (\(Self.describe(attachment.lineRange, of: lines)))")
                } else {
                    let data = try readRegularFile(resolved.path, shownAs: raw, limit: Self.textLimit)
                    guard var contents = String(data: data, encoding: .utf8) else {
                        throw invalid("The attached file \(raw) is neither a supported image (png, jpeg, gif, webp) or PDF nor a UTF-8 text file.")
                    }
                    if let range = attachment.lineRange {
                        let lines = contents.split(separator: "\n", omittingEmptySubsequences: false)
                        contents = lines.dropFirst(max(range.start - 1, 0)).prefix(max(range.end - range.start + 1, 0)).joined(separator: "\n")
                    }
                    loaded.after += "\n\n<attachment path=\"\(raw)\">\n\(contents)\n</attachment>"
                }
            case "directory":
                guard let raw = attachment.path else { throw invalid("A directory attachment needs a path.") }
                let resolved = try await confined(raw, what: "directory")
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: resolved.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw invalid("The attached directory \(raw) does not exist or is not a directory.")
                }
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: resolved.path).sorted()) ?? []
                if tagsFiles {
                    loaded.tag("* \(resolved.path) (\(entries.count) items)")
                } else {
                    loaded.after += "\n\n<attachment directory=\"\(raw)\">\n\(entries.prefix(500).joined(separator: "\n"))\n</attachment>"
                }
            case "selection":
                guard let text = attachment.text else { throw invalid("A selection attachment needs its text.") }
                let lines = attachment.selection.map { selection in
                    selection.start.line == selection.end.line
                        ? "line \(selection.start.line + 1)" : "lines \(selection.start.line + 1)-\(selection.end.line + 1)"
                }
                let file = attachment.displayName ?? attachment.filePath.map { ($0 as NSString).lastPathComponent } ?? "the file"
                let block = "<ide_selection>\nThe user has the following text selected in their IDE. This may or may not be related to their request.\nFile: \(file)\(lines.map { " (\($0))" } ?? "")\n```\n\(text)\n```\n</ide_selection>"
                loaded.before += (loaded.before.isEmpty ? "" : "\n\n") + block
            case "blob":
                guard let base64 = attachment.data, let data = Data(base64Encoded: base64) else {
                    throw invalid("The attachment \(name) has no valid base64 data.")
                }
                let mimeType = attachment.mimeType?.lowercased() ?? ""
                if Self.imageTypes.values.contains(mimeType) || MediaContent.documentTypes.contains(mimeType) {
                    if let shown = attachment.displayName { loaded.after += "\n" + shown }
                    let title = MediaContent.documentTypes.contains(mimeType) ? name : nil
                    loaded.media.append(MediaContent(mimeType: mimeType, base64Data: base64, title: title))
                } else if mimeType.hasPrefix("text/"), let contents = String(data: data, encoding: .utf8) {
                    loaded.after += "\n\n<attachment name=\"\(name)\">\n\(contents)\n</attachment>"
                } else {
                    throw invalid("The attachment \(name) has type '\(mimeType)'; images (png, jpeg, gif, webp), PDF documents and text are supported.")
                }
            default:
                throw invalid("Attachments of type '\(attachment.type)' are not supported; use file, directory, selection or blob.")
            }
        }
        return loaded
    }

    /// `raw` resolved; outside the working directory only with an approved `read`.
    private func confined(_ raw: String, what: String) async throws -> WorkingDirectory.ResolvedPath {
        let resolved: WorkingDirectory.ResolvedPath
        do {
            resolved = try directory.resolve(raw)
        } catch {
            throw invalid("The attached \(what): \(error.description)")
        }
        if !resolved.isInside {
            var request = PermissionRequest(kind: .read, intention: "Read the attached \(what) \(resolved.path)")
            request.path = resolved.path
            request.outsideWorkingDirectory = true
            guard await permit(request).isApproval else {
                throw invalid("The attached \(what) \(raw) is outside the working directory, and reading it was not approved.")
            }
        }
        return resolved
    }

    /// `N lines`, or which of them a line range means.
    static func describe(_ range: Attachment.LineRange?, of lines: Int?) -> String {
        let total = lines.map { "\($0) lines" }
        guard let range else { return total ?? "file" }
        let which = range.start == range.end ? "line \(range.start)" : "lines \(range.start)-\(range.end)"
        return total.map { "\(which) of \($0)" } ?? which
    }

    /// The number of lines of a regular file (`nil` when it is too large to count).
    private func lineCount(_ path: String, shownAs raw: String) throws -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { throw invalid("The attached file \(raw) cannot be read.") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw invalid("The attachment \(raw) is not a regular file.") }
        guard Int(info.st_size) <= Self.countLimit else { return nil }
        let data = try readRegularFile(path, shownAs: raw, limit: Self.countLimit)
        let newlines = data.count { $0 == UInt8(ascii: "\n") }
        return data.isEmpty ? 0 : newlines + (data.last == UInt8(ascii: "\n") ? 0 : 1)
    }

    /// The bytes of the regular file at `path`, refused before reading when `stat` says it is
    /// something else or larger than `limit`; never more than `limit` bytes are read (files under
    /// /proc report a size of 0).
    private func readRegularFile(_ path: String, shownAs raw: String, limit: Int) throws -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else { throw invalid("The attached file \(raw) cannot be read.") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw invalid("The attachment \(raw) is not a regular file.") }
        let tooLarge = invalid("The attached file \(raw) is larger than \(limit >= 1_048_576 ? "\(limit / 1_048_576) MB" : "\(limit / 1024) KB").")
        guard Int(info.st_size) <= limit else { throw tooLarge }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw invalid("The attached file \(raw) cannot be read.") }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
        guard data.count <= limit else { throw tooLarge }
        return data
    }

    private func invalid(_ message: String) -> CopilotError {
        CopilotError(code: .invalidInput, message: message)
    }
}
