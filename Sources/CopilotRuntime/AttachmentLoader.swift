import CopilotCore
import CopilotProviders
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads attachments into what the model receives: images as images, text files inlined.
///
/// A file attachment is resolved against the session's working directory as the built-in tools
/// resolve paths (symlinks followed). One outside it is read only when `permit` approves a `read`
/// request for it; only regular files are read, and their size is checked before any byte is.
struct AttachmentLoader: Sendable {
    let directory: WorkingDirectory
    /// Decides a `read` of a file outside the working directory (the engine's permission rules).
    let permit: @Sendable (PermissionRequest) async -> PermissionDecision

    /// Largest image sent.
    static let imageLimit = 20 * 1024 * 1024
    /// Largest text file inlined.
    static let textLimit = 256 * 1024

    static let imageTypes = ["png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"]

    /// Text to append to the prompt, and the images.
    func load(_ attachments: [Attachment]) async throws -> (String, [ImageContent]) {
        var text = ""
        var images: [ImageContent] = []
        for attachment in attachments {
            let name = attachment.displayName ?? attachment.path ?? "attachment"
            switch attachment.type {
            case "file":
                guard let raw = attachment.path else { throw invalid("A file attachment needs a path.") }
                let resolved = directory.resolve(raw)
                if !resolved.isInside {
                    var request = PermissionRequest(kind: .read, intention: "Read the attached file \(resolved.path)")
                    request.path = resolved.path
                    request.outsideWorkingDirectory = true
                    guard await permit(request).isApproval else {
                        throw invalid("The attached file \(raw) is outside the working directory, and reading it was not approved.")
                    }
                }
                let mimeType = Self.imageTypes[(resolved.path as NSString).pathExtension.lowercased()]
                let limit = mimeType == nil ? Self.textLimit : Self.imageLimit
                let data = try readRegularFile(resolved.path, shownAs: raw, limit: limit)
                if let mimeType {
                    images.append(ImageContent(mimeType: mimeType, base64Data: data.base64EncodedString()))
                } else {
                    guard let contents = String(data: data, encoding: .utf8) else {
                        throw invalid("The attached file \(raw) is neither a supported image (png, jpeg, gif, webp) nor a UTF-8 text file.")
                    }
                    text += "\n\n<attachment path=\"\(raw)\">\n\(contents)\n</attachment>"
                }
            case "blob":
                guard let base64 = attachment.data, let data = Data(base64Encoded: base64) else {
                    throw invalid("The attachment \(name) has no valid base64 data.")
                }
                let mimeType = attachment.mimeType?.lowercased() ?? ""
                if Self.imageTypes.values.contains(mimeType) {
                    images.append(ImageContent(mimeType: mimeType, base64Data: base64))
                } else if mimeType.hasPrefix("text/"), let contents = String(data: data, encoding: .utf8) {
                    text += "\n\n<attachment name=\"\(name)\">\n\(contents)\n</attachment>"
                } else {
                    throw invalid("The attachment \(name) has type '\(mimeType)'; images (png, jpeg, gif, webp) and text are supported.")
                }
            default:
                throw invalid("Attachments of type '\(attachment.type)' are not supported; use file or blob.")
            }
        }
        return (text, images)
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
