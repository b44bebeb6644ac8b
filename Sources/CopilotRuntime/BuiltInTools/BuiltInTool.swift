import CopilotCore
package import CopilotProviders

/// The name of one of the runtime's own tools, with the official runtime's names, parameters and
/// results: reading, creating and editing files, finding and searching them, running shell
/// commands (which may keep running between calls), fetching a URL, and reporting what the agent
/// is doing.
///
/// Each asks the permission handler with the official request kind (`read`, `write`, `shell`,
/// `url`), and paths resolve inside the session's working directory; leaving it (`..`, symlinks,
/// absolute paths) is asked about separately and never approved for the session.
///
/// Each tool is one file under `BuiltInTools/`: its name (a static member here), its declaration
/// and how it runs (a `BuiltInToolKind`); `BuiltInTool.registered` lists them in the order the
/// model sees them.
public struct BuiltInTool: RawRepresentable, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The name the model calls it by.
    public let rawValue: String

    /// The built-in tool named `rawValue`, or `nil` when there is none.
    public init?(rawValue: String) {
        guard Self.kinds[rawValue] != nil || Self.sessionTools.contains(where: { $0.rawValue == rawValue }) else { return nil }
        self.rawValue = rawValue
    }

    /// Names a tool; only its own file does this, next to its ``BuiltInToolKind``.
    init(named name: String) { rawValue = name }

    public var description: String { rawValue }

    /// Every built-in tool, in the order the model sees them.
    public static var allCases: [BuiltInTool] { registered.map(\.tool) + sessionTools }

    /// `task`: delegating to sub-agents, with `read_agent` and `list_agents` (see ``CustomAgent``).
    public static let task = BuiltInTool(named: "task")

    /// Built-in tools the session itself runs, since they work on the session (its agents), not
    /// through a ``BuiltInToolKind``.
    static let sessionTools: [BuiltInTool] = [.task]

    /// Whether a ``BuiltInToolKind`` runs this tool (the others are ``sessionTools``).
    var hasKind: Bool { Self.kinds[rawValue] != nil }

    /// Every built-in tool.
    public static var all: Set<BuiltInTool> { Set(allCases) }

    /// What the official runtime offers a session that names no tools: everything but
    /// `report_intent`, which is offered only when `availableTools` names it.
    public static var defaults: Set<BuiltInTool> { all.subtracting([.reportIntent]) }

    /// What the official runtime offers a session whose client names no built-in tools (the
    /// official SDKs never do): ``defaults``, and `report_intent` when `availableTools` names it.
    public static func officialDefault(availableTools: [String]?) -> Set<BuiltInTool> {
        let named = (availableTools ?? []).map { $0.hasPrefix("builtin:") ? String($0.dropFirst("builtin:".count)) : $0 }
        return named.contains(BuiltInTool.reportIntent.rawValue) ? all : defaults
    }

    /// The registration: every built-in tool's implementation, in the order the model sees them.
    /// A new built-in tool is its own file (a name and a ``BuiltInToolKind``) and one line here.
    static let registered: [any BuiltInToolKind] = [
        BashTool(), ReadBashTool(), WriteBashTool(), StopBashTool(), ListBashTool(),
        ViewTool(), CreateTool(), EditTool(), GlobTool(), GrepTool(),
        WebFetchTool(), ReportIntentTool(),
    ]

    /// The implementations by name.
    static let kinds: [String: any BuiltInToolKind] = Dictionary(uniqueKeysWithValues: registered.map { ($0.tool.rawValue, $0) })

    /// This tool's implementation.
    var kind: any BuiltInToolKind {
        guard let kind = Self.kinds[rawValue] else { preconditionFailure("\(rawValue) is named but not registered in BuiltInTool.registered") }
        return kind
    }

    /// How the tool is declared to the model: one declaration, or for ``task`` the three agent
    /// tools, offering the built-in agents (a session's list its custom agents too).
    package var definitions: [ToolDefinition] {
        guard let kind = Self.kinds[rawValue] else { return AgentToolSource.declarations(offering: CustomAgent.builtIn) }
        return [ToolDefinition(name: rawValue, description: kind.summary, parameters: kind.parameters)]
    }
}

/// One built-in tool: how it is declared to the model and how a call runs.
protocol BuiltInToolKind: Sendable {
    /// Its name.
    var tool: BuiltInTool { get }
    /// What the model reads about it.
    var summary: String { get }
    /// Its parameters' JSON Schema.
    var parameters: JSONValue { get }
    /// Runs one call. A ``BuiltInToolError`` becomes a failed result with its message; a refused
    /// permission is returned as ``BuiltInToolContext/permit(_:)`` gives it.
    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput
}

extension BuiltInToolKind {
    /// An object schema with `properties`, of which `required` must be given.
    static func object(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string))]
    }
}
