import Foundation

/// What the agent wants to do, sent to the `PermissionHandler` before it does it.
///
/// Encodes as the official `permissionRequest` object (a union on `kind`).
public struct PermissionRequest: Sendable, Hashable, Codable {
    /// The kind of action.
    public struct Kind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Calling a tool the app defined.
        public static let customTool = Kind(rawValue: "custom-tool")
        /// Reading a file.
        public static let read = Kind(rawValue: "read")
        /// Creating or changing a file.
        public static let write = Kind(rawValue: "write")
        /// Running a shell command.
        public static let shell = Kind(rawValue: "shell")
        /// Fetching a URL.
        public static let url = Kind(rawValue: "url")
        /// Calling an MCP server's tool.
        public static let mcp = Kind(rawValue: "mcp")

        public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
        public var description: String { rawValue }
    }

    public var kind: Kind
    /// The tool call that needs the permission.
    public var toolCallId: String?
    public var toolName: String?
    public var toolDescription: String?
    /// The tool's arguments.
    public var args: JSONValue?
    /// Why the agent wants to do this, in words.
    public var intention: String?
    /// `read`: the path to read.
    public var path: String?
    /// `write`: the file to create or change, its diff, and its new contents.
    public var fileName: String?
    public var diff: String?
    public var newFileContents: String?
    /// `shell`: the command line.
    public var fullCommandText: String?
    public var commands: [JSONValue]?
    public var possiblePaths: [String]?
    public var possibleUrls: [String]?
    public var hasWriteFileRedirection: Bool?
    /// For `url`: the address to fetch.
    public var url: String?
    /// Whether "approve for the session" may be offered for this request.
    public var canOfferSessionApproval: Bool?
    /// Set when the path lies outside the session's working directory: approvals for the session
    /// never cover such requests.
    public var outsideWorkingDirectory: Bool?
    /// For `mcp`: the server's name, the tool's title, and whether the server says the tool only reads.
    public var serverName: String?
    public var toolTitle: String?
    public var readOnly: Bool?

    public init(
        kind: Kind, toolCallId: String? = nil, toolName: String? = nil, toolDescription: String? = nil,
        args: JSONValue? = nil, intention: String? = nil
    ) {
        self.kind = kind
        self.toolCallId = toolCallId
        self.toolName = toolName
        self.toolDescription = toolDescription
        self.args = args
        self.intention = intention
    }
}

