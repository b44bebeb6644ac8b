import CopilotCore
import CopilotProviders
import Foundation

/// Reads attachments into what the model receives: images as images, text files inlined.
struct AttachmentLoader {
    let workingDirectory: String?

    /// Largest image sent.
    static let imageLimit = 20 * 1024 * 1024
    /// Largest text file inlined.
    static let textLimit = 256 * 1024

    static let imageTypes = ["png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"]

    /// Text to append to the prompt, and the images.
    func load(_ attachments: [Attachment]) throws -> (String, [ImageContent]) {
        var text = ""
        var images: [ImageContent] = []
        for attachment in attachments {
            let name = attachment.displayName ?? attachment.path ?? "attachment"
            switch attachment.type {
            case "file":
                guard let raw = attachment.path else { throw invalid("A file attachment needs a path.") }
                let path = raw.hasPrefix("/") ? raw : (workingDirectory ?? FileManager.default.currentDirectoryPath) + "/" + raw
                guard let data = FileManager.default.contents(atPath: path) else { throw invalid("The attached file \(raw) cannot be read.") }
                if let mimeType = Self.imageTypes[(path as NSString).pathExtension.lowercased()] {
                    guard data.count <= Self.imageLimit else { throw invalid("The image \(raw) is larger than \(Self.imageLimit / 1_048_576) MB.") }
                    images.append(ImageContent(mimeType: mimeType, base64Data: data.base64EncodedString()))
                } else {
                    guard data.count <= Self.textLimit, let contents = String(data: data, encoding: .utf8) else {
                        throw invalid("The attached file \(raw) is neither a supported image (png, jpeg, gif, webp) nor a UTF-8 text file under \(Self.textLimit / 1024) KB.")
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

    private func invalid(_ message: String) -> CopilotError {
        CopilotError(code: .invalidInput, message: message)
    }
}
