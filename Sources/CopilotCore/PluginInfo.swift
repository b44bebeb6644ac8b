/// A plugin a session loaded, as `session.plugins.list` reports it.
public struct PluginInfo: Sendable, Hashable, Codable {
    public var name: String
    public var version: String?
    /// Whether its skills, agents and MCP servers are in the session.
    public var enabled: Bool
    /// The marketplace it came from: `""` for a plugin folder.
    public var marketplace: String

    public init(name: String, version: String?, enabled: Bool = true, marketplace: String = "") {
        self.name = name
        self.version = version
        self.enabled = enabled
        self.marketplace = marketplace
    }
}
