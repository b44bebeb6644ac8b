import CopilotCore
package import CopilotProviders

/// The runtime's own tools, with the official runtime's names, parameters and results: reading,
/// creating and editing files, finding and searching them, running shell commands (which may keep
/// running between calls), fetching a URL, and reporting what the agent is doing.
///
/// Each asks the permission handler with the official request kind (`read`, `write`, `shell`,
/// `url`), and paths resolve inside the session's working directory; leaving it (`..`, symlinks,
/// absolute paths) is asked about separately and never approved for the session.
public enum BuiltInTool: String, Sendable, Hashable, CaseIterable {
    /// Run a shell command; it may keep running in the background (`read_bash`, `write_bash`, `stop_bash`).
    case bash
    /// Read what a running shell command printed since the last read.
    case readBash = "read_bash"
    /// Send input to a running shell command.
    case writeBash = "write_bash"
    /// Stop a running shell command.
    case stopBash = "stop_bash"
    /// List the shell commands started in this session.
    case listBash = "list_bash"
    /// Read a file (optionally a line range) or list a directory.
    case view
    /// Create a new file.
    case create
    /// Replace one exact occurrence of a string in a file.
    case edit
    /// Find files by glob pattern.
    case glob
    /// Search file contents by regular expression, as ripgrep does.
    case grep
    /// Fetch a URL and return its text.
    case webFetch = "web_fetch"
    /// Tell the user what the agent is doing (an `assistant.intent` event).
    case reportIntent = "report_intent"

    /// Every built-in tool.
    public static let all = Set(allCases)

    /// What the official runtime offers a session that names no tools: everything but
    /// `report_intent`, which is offered only when `availableTools` names it.
    public static let defaults = all.subtracting([.reportIntent])

    /// What the official runtime offers a session whose client names no built-in tools (the
    /// official SDKs never do): ``defaults``, and `report_intent` when `availableTools` names it.
    public static func officialDefault(availableTools: [String]?) -> Set<BuiltInTool> {
        let named = (availableTools ?? []).map { $0.hasPrefix("builtin:") ? String($0.dropFirst("builtin:".count)) : $0 }
        return named.contains(BuiltInTool.reportIntent.rawValue) ? all : defaults
    }

    /// The shell tools, which share one set of running commands per session.
    static let shellTools: Set<BuiltInTool> = [.bash, .readBash, .writeBash, .stopBash, .listBash]

    /// How the tool is declared to the model.
    package var definition: ToolDefinition {
        ToolDefinition(name: rawValue, description: summary, parameters: parameters)
    }

    private var summary: String {
        switch self {
        case .bash:
            "Run a command in a shell in the working directory. In `sync` mode (the default) it waits up to `initial_wait` seconds and returns the output and exit code; a command still running then keeps running, and its output is read with read_bash. In `async` mode it starts the command and returns its shellId at once."
        case .readBash: "Read the output a shell command produced since the last read, waiting up to `delay` seconds for more."
        case .writeBash: "Send `input` to a running shell command's standard input, then return the output it produced within `delay` seconds."
        case .stopBash: "Stop a running shell command."
        case .listBash: "List the shell commands of this session, running or finished."
        case .view:
            "View a file with numbered lines (optionally the lines in `view_range` [start, end], end -1 meaning the last), an image, or the entries of a directory."
        case .create: "Create a new file with the given contents. Fails if the path exists; use edit to change a file."
        case .edit: "Replace the one occurrence of `old_str` in a file with `new_str`. `old_str` must match exactly, including whitespace, and appear exactly once."
        case .glob: "Find files whose path matches a glob pattern such as `**/*.ts`, under `path` (default: the working directory)."
        case .grep:
            "Search file contents with a regular expression (ripgrep syntax). `output_mode` is files_with_matches (default), content or count; `glob` limits the files; -i ignores case; -n numbers lines; -A/-B/-C add context."
        case .webFetch: "Fetch a URL and return its contents as text (HTML is reduced to its text unless `raw` is true)."
        case .reportIntent: "Say in a few words what you are doing now, for the user to see (for example \"Reading the config\")."
        }
    }

    private var parameters: JSONValue {
        func object(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
            ["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string))]
        }
        let shellId: JSONValue = ["type": "string", "description": "The shellId bash returned."]
        let delay: JSONValue = ["type": "integer", "description": "Seconds to wait for output (default 2)."]
        switch self {
        case .bash:
            return object(
                [
                    "command": ["type": "string", "description": "The command to run."],
                    "description": ["type": "string", "description": "A short description of what the command does."],
                    "mode": ["type": "string", "enum": ["sync", "async"], "description": "sync (default) waits for the command; async returns at once."],
                    "initial_wait": ["type": "integer", "description": "sync only: seconds to wait before returning (default 30, at most 600)."],
                ], required: ["command", "description"])
        case .readBash: return object(["shellId": shellId, "delay": delay], required: ["shellId"])
        case .writeBash:
            return object(
                ["shellId": shellId, "input": ["type": "string", "description": "Text to send; end it with \\n to press Enter."], "delay": delay],
                required: ["shellId", "input"])
        case .stopBash: return object(["shellId": shellId], required: ["shellId"])
        case .listBash: return object([:], required: [])
        case .view:
            return object(
                [
                    "path": ["type": "string", "description": "Absolute path, or relative to the working directory."],
                    "view_range": ["type": "array", "items": ["type": "integer"], "description": "[start, end] line numbers, 1-based; end -1 means the last line."],
                ], required: ["path"])
        case .create:
            return object(
                ["path": ["type": "string"], "file_text": ["type": "string", "description": "The whole contents of the new file."]],
                required: ["path", "file_text"])
        case .edit:
            return object(["path": ["type": "string"], "old_str": ["type": "string"], "new_str": ["type": "string"]], required: ["path", "old_str", "new_str"])
        case .glob:
            return object(["pattern": ["type": "string"], "path": ["type": "string", "description": "The directory to search (default: the working directory)."]], required: ["pattern"])
        case .grep:
            return object(
                [
                    "pattern": ["type": "string", "description": "A regular expression."],
                    "path": ["type": "string", "description": "A file or directory (default: the working directory)."],
                    "output_mode": ["type": "string", "enum": ["content", "files_with_matches", "count"]],
                    "glob": ["type": "string", "description": "Only files whose path matches this glob."],
                    "-i": ["type": "boolean"], "-n": ["type": "boolean"],
                    "-A": ["type": "integer"], "-B": ["type": "integer"], "-C": ["type": "integer"],
                    "head_limit": ["type": "integer", "description": "At most this many lines of output."],
                ], required: ["pattern"])
        case .webFetch:
            return object(
                [
                    "url": ["type": "string", "description": "An http or https URL."],
                    "max_length": ["type": "integer", "description": "At most this many characters (default 5000)."],
                    "start_index": ["type": "integer", "description": "Skip this many characters (to read on after a cut)."],
                    "raw": ["type": "boolean", "description": "Return HTML as it is."],
                ], required: ["url"])
        case .reportIntent:
            return object(["intent": ["type": "string", "description": "A few words, in the present tense."]], required: ["intent"])
        }
    }
}
