import Foundation
public import CopilotSDK

/// What a tool call asks permission for, in terms a person can judge: the diff of a write, the
/// command a shell runs, the URL a fetch reads, the path a read opens.
public enum PermissionText {
    /// The most lines of a diff shown.
    static let diffLines = 40

    /// The request as lines for the terminal (styled when `terminal` is); no question at the end.
    /// Paths inside `workingDirectory` are shown relative to it.
    public static func describe(_ request: PermissionRequest, terminal: Terminal? = nil, workingDirectory: String? = nil) -> String {
        func paint(_ text: String, _ style: String) -> String { terminal?.paint(text, style) ?? text }
        func shown(_ path: String?) -> String {
            guard let path else { return "?" }
            guard let directory = workingDirectory.map({ $0.hasSuffix("/") ? $0 : $0 + "/" }), path.hasPrefix(directory) else { return path }
            return String(path.dropFirst(directory.count))
        }
        var text = "\n"
        switch request.kind {
        case .write:
            text += paint("Write \(shown(request.fileName ?? request.path))", Style.bold) + "\n"
            if let diff = request.diff, !diff.isEmpty {
                let lines = diff.split(separator: "\n", omittingEmptySubsequences: false)
                for line in lines.prefix(diffLines) {
                    let style = line.hasPrefix("+") && !line.hasPrefix("+++") ? Style.green
                        : line.hasPrefix("-") && !line.hasPrefix("---") ? Style.red : Style.dim
                    text += paint(String(line), style) + "\n"
                }
                if lines.count > diffLines { text += paint("… \(lines.count - diffLines) more lines", Style.dim) + "\n" }
            }
        case .shell:
            text += paint("Run", Style.bold) + " " + paint(request.fullCommandText ?? "?", Style.code) + "\n"
            if let intention = request.intention, !intention.isEmpty { text += paint(intention, Style.dim) + "\n" }
        case .read:
            text += paint("Read \(shown(request.path))", Style.bold) + "\n"
        case .url:
            text += paint("Fetch \(request.url ?? "?")", Style.bold) + "\n"
        case .mcp:
            let tool = request.toolTitle.map { $0 == request.toolName ? $0 : "\($0) (\(request.toolName ?? "?"))" } ?? request.toolName ?? "?"
            text += paint("MCP \(request.serverName ?? "?"): \(tool)", Style.bold) + " " + (request.args?.jsonString ?? "{}") + "\n"
            if request.readOnly == true { text += paint("(the server says this tool only reads)", Style.dim) + "\n" }
        default:
            text += paint("\(request.toolName ?? request.kind.rawValue)", Style.bold) + " " + (request.args?.jsonString ?? "{}") + "\n"
        }
        if request.outsideWorkingDirectory == true { text += paint("(outside the current directory)", Style.yellow) + "\n" }
        return text
    }
}
