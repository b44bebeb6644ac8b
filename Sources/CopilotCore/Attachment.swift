public import Foundation

/// Something sent along with a prompt, in the official attachment shape.
public struct Attachment: Sendable, Hashable, Codable {
    /// `file` (a path) or `blob` (inline base64 data).
    public var type: String
    /// For `file`: the path, relative to the working directory or absolute.
    public var path: String?
    /// For `blob`: base64-encoded bytes.
    public var data: String?
    /// For `blob`: the MIME type, e.g. `image/png`.
    public var mimeType: String?
    public var displayName: String?

    /// A file by path; images are sent as images, other files as text.
    public static func file(_ path: String, displayName: String? = nil) -> Attachment {
        Attachment(type: "file", path: path, data: nil, mimeType: nil, displayName: displayName)
    }

    /// An image given as bytes.
    public static func image(_ bytes: Data, mimeType: String, displayName: String? = nil) -> Attachment {
        Attachment(type: "blob", path: nil, data: bytes.base64EncodedString(), mimeType: mimeType, displayName: displayName)
    }

    /// An image given as base64 text.
    public static func image(base64: String, mimeType: String, displayName: String? = nil) -> Attachment {
        Attachment(type: "blob", path: nil, data: base64, mimeType: mimeType, displayName: displayName)
    }
}
