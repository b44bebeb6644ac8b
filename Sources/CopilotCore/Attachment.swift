public import Foundation

/// Something sent along with a prompt, in the official attachment shape: a file (optionally a
/// range of its lines), a directory, a selection of text in a file, or inline data.
public struct Attachment: Sendable, Hashable, Codable {
    /// `file`, `directory`, `selection` or `blob`.
    public var type: String
    /// For `file` and `directory`: the path, relative to the working directory or absolute.
    public var path: String?
    /// For `blob`: base64-encoded bytes.
    public var data: String?
    /// For `blob`: the MIME type, e.g. `image/png`.
    public var mimeType: String?
    public var displayName: String?
    /// For `file`: the lines meant, 1-based and inclusive.
    public var lineRange: LineRange?
    /// For `selection`: the file the text was selected in.
    public var filePath: String?
    /// For `selection`: the selected text.
    public var text: String?
    /// For `selection`: where it is, 0-based lines and characters.
    public var selection: Selection?

    /// Lines `start` through `end` of a file.
    public struct LineRange: Sendable, Hashable, Codable {
        public var start: Int
        public var end: Int
        public init(start: Int, end: Int) {
            self.start = start
            self.end = end
        }
    }

    /// A range of text in a file.
    public struct Selection: Sendable, Hashable, Codable {
        public var start: Position
        public var end: Position

        /// A place in a file: 0-based line and character.
        public struct Position: Sendable, Hashable, Codable {
            public var line: Int
            public var character: Int
            public init(line: Int, character: Int) {
                self.line = line
                self.character = character
            }
        }

        public init(start: Position, end: Position) {
            self.start = start
            self.end = end
        }
    }

    public init(
        type: String, path: String? = nil, data: String? = nil, mimeType: String? = nil, displayName: String? = nil,
        lineRange: LineRange? = nil, filePath: String? = nil, text: String? = nil, selection: Selection? = nil
    ) {
        self.type = type
        self.path = path
        self.data = data
        self.mimeType = mimeType
        self.displayName = displayName
        self.lineRange = lineRange
        self.filePath = filePath
        self.text = text
        self.selection = selection
    }

    /// A file by path (optionally some of its lines); images and PDF documents are sent as they are.
    public static func file(_ path: String, displayName: String? = nil, lines: LineRange? = nil) -> Attachment {
        Attachment(type: "file", path: path, displayName: displayName, lineRange: lines)
    }

    /// A directory by path.
    public static func directory(_ path: String, displayName: String? = nil) -> Attachment {
        Attachment(type: "directory", path: path, displayName: displayName)
    }

    /// Text selected in a file (an editor's selection).
    public static func selection(_ text: String, in filePath: String, at selection: Selection, displayName: String? = nil) -> Attachment {
        Attachment(type: "selection", displayName: displayName, filePath: filePath, text: text, selection: selection)
    }

    /// An image given as bytes.
    public static func image(_ bytes: Data, mimeType: String, displayName: String? = nil) -> Attachment {
        Attachment(type: "blob", data: bytes.base64EncodedString(), mimeType: mimeType, displayName: displayName)
    }

    /// An image given as base64 text.
    public static func image(base64: String, mimeType: String, displayName: String? = nil) -> Attachment {
        Attachment(type: "blob", data: base64, mimeType: mimeType, displayName: displayName)
    }

    /// Content given as bytes: an image, a PDF document (`application/pdf`, titled `displayName`;
    /// see `SessionConfig.enableCitations`) or UTF-8 text (`text/…`).
    public static func blob(_ bytes: Data, mimeType: String, displayName: String? = nil) -> Attachment {
        Attachment(type: "blob", data: bytes.base64EncodedString(), mimeType: mimeType, displayName: displayName)
    }
}
