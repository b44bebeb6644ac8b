public import CopilotCore
import CopilotProviders
import Foundation

/// Standing answers to permission requests, decided before anyone is asked: the Copilot CLI's
/// `--allow-tool` / `--deny-tool` rules and its `--allow-all-tools`, `--allow-all-paths`,
/// `--allow-all-urls` and `--yolo` switches.
///
/// A rule names a kind of request (`shell`, `write`, `read`, `url`, `mcp`) or a tool by name, with an
/// optional argument in parentheses: `shell(git)` matches the command `git …`, `shell(git push)` the
/// commands that start with `git push` (a trailing `:*` is allowed, `shell(git:*)`); `url(example.com)`
/// that host and its subdomains; `read(PATH)` / `write(PATH)` files under PATH; `mcp(TOOL)` an MCP
/// tool; a bare NAME an app's tool of that name. Deny rules win over everything; then allow rules; then the switches.
/// A request nothing decides goes to the session's permission handler as before.
package struct PermissionRules: Sendable, Hashable {
    package var allow: [String]
    package var deny: [String]
    /// Every tool may run without asking, inside the working directory and not a URL fetch.
    package var allowAllTools: Bool
    /// Reads and writes outside the working directory need no approval.
    package var allowAllPaths: Bool
    /// Every URL may be fetched without asking.
    package var allowAllURLs: Bool

    package init(allow: [String] = [], deny: [String] = [], allowAllTools: Bool = false, allowAllPaths: Bool = false, allowAllURLs: Bool = false) {
        self.allow = allow
        self.deny = deny
        self.allowAllTools = allowAllTools
        self.allowAllPaths = allowAllPaths
        self.allowAllURLs = allowAllURLs
    }

    /// Whether no rule or switch is set.
    package var isEmpty: Bool { allow.isEmpty && deny.isEmpty && !allowAllTools && !allowAllPaths && !allowAllURLs }

    /// A rule that cannot match anything as written, described for an error message; nil when all parse.
    package static func problem(in rules: [String]) -> String? {
        for rule in rules {
            let trimmed = rule.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return "an empty rule" }
            if let open = trimmed.firstIndex(of: "("), !trimmed.hasSuffix(")") || trimmed[..<open].isEmpty {
                return "`\(rule)` (write KIND, KIND(ARGUMENT) or NAME(TOOL), e.g. shell(git:*))"
            }
        }
        return nil
    }

    /// The standing answer to `request`, or nil when the session's handler should decide.
    package func decision(for request: PermissionRequest) -> PermissionDecision? {
        if let rule = deny.first(where: { Self.matches($0, request) }) {
            return .reject(feedback: "Denied by the rule \(rule).")
        }
        if allow.contains(where: { Self.matches($0, request) }) { return .approveOnce }
        let outside = request.outsideWorkingDirectory == true
        if request.kind == .url { return allowAllURLs ? .approveOnce : nil }
        if outside { return allowAllPaths && allowAllTools ? .approveOnce : nil }
        return allowAllTools ? .approveOnce : nil
    }

    /// Whether `rule` covers `request`.
    package static func matches(_ rule: String, _ request: PermissionRequest) -> Bool {
        let trimmed = rule.trimmingCharacters(in: .whitespaces)
        let name: Substring
        var argument: Substring?
        if let open = trimmed.firstIndex(of: "("), trimmed.hasSuffix(")") {
            name = trimmed[..<open]
            argument = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
            if argument?.hasSuffix(":*") == true { argument = argument?.dropLast(2) }
            if argument?.isEmpty == true { argument = nil }
        } else {
            name = Substring(trimmed)
        }
        switch (name, request.kind) {
        case ("shell", .shell):
            guard let argument else { return true }
            let command = (request.fullCommandText ?? "").trimmingCharacters(in: .whitespaces)
            // Every command of a compound line must be covered, so `git status; rm -rf ~` is not `shell(git)`.
            let parts = command.split(whereSeparator: { ";&|\n".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }
            return !parts.isEmpty && parts.allSatisfy { $0 == argument || $0.hasPrefix(argument + " ") }
        case ("write", .write), ("read", .read):
            guard let argument else { return true }
            guard let path = request.path ?? request.fileName else { return false }
            let base = argument.hasSuffix("/") ? String(argument.dropLast()) : String(argument)
            return path == base || path.hasPrefix(base + "/")
        case ("url", .url):
            guard let argument else { return true }
            guard let host = request.url.flatMap(ProviderEndpoint.host(of:)) else { return false }
            // The rule names a host as written (an IPv6 address with or without brackets), or as a URL
            // would read it (`bücher.example` is `xn--bcher-kva.example`); either covers it and its subdomains.
            let written = argument.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
            let read = argument.contains(":") ? nil : ProviderEndpoint.host(of: "http://\(argument)")
            return [written, read].compactMap { $0 }.contains { host == $0 || host.hasSuffix("." + $0) }
        case ("mcp", .mcp):
            return argument.map { request.toolName == String($0) } ?? true
        case (_, .customTool):
            return argument == nil && request.toolName == String(name)
        default:
            return false
        }
    }
}
