import CopilotCore
import CopilotProviders
import Foundation

extension BuiltInTool {
    /// Fetch a URL and return its text.
    public static let webFetch = BuiltInTool(named: "web_fetch")
}

/// `web_fetch`: one GET, asked as a `url` permission, with the text returned in windows of
/// `max_length` characters.
struct WebFetchTool: BuiltInToolKind {
    let tool = BuiltInTool.webFetch
    let summary = "Fetch a URL and return its contents as text (HTML is reduced to its text unless `raw` is true)."
    var parameters: JSONValue {
        Self.object(
            [
                "url": ["type": "string", "description": "An http or https URL."],
                "max_length": ["type": "integer", "description": "At most this many characters (default 5000)."],
                "start_index": ["type": "integer", "description": "Skip this many characters (to read on after a cut)."],
                "raw": ["type": "boolean", "description": "Return HTML as it is."],
            ], required: ["url"])
    }

    /// The most bytes read from a response.
    static let fetchByteLimit = 5 * 1024 * 1024
    /// Characters returned when the model asks for no `max_length`.
    static let defaultFetchLength = 5000
    /// How long a fetch may take.
    static let fetchTimeout: Duration = .seconds(30)

    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput {
        let raw = try arguments.string("url")
        guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw BuiltInToolError("\(raw) is not an http or https URL.")
        }
        guard let transport = context.transport else { throw BuiltInToolError("This session cannot fetch URLs (it has no HTTP client).") }
        if let refusal = await permitFetch(raw, context: context, intention: "Fetch \(raw)") { return refusal }

        // Redirects are followed within the approved origin; one to anywhere else is asked again,
        // naming where it goes.
        var current = url
        var approvedOrigins: Set<String> = [Self.origin(of: url)]
        var answer = try await fetch(current.absoluteString, transport: transport, clock: context.clock)
        var hops = 0
        while (300..<400).contains(answer.status), let location = answer.location {
            hops += 1
            guard hops <= Self.redirectLimit else { throw BuiltInToolError("Failed to fetch \(raw): more than \(Self.redirectLimit) redirects.") }
            guard let next = URL(string: location, relativeTo: current)?.absoluteURL, let scheme = next.scheme?.lowercased(),
                scheme == "http" || scheme == "https", next.host != nil
            else {
                throw BuiltInToolError("Failed to fetch \(raw): it redirects to \(location), which is not an http or https URL.")
            }
            if !approvedOrigins.contains(Self.origin(of: next)) {
                if let refusal = await permitFetch(next.absoluteString, context: context, intention: "Follow the redirect of \(raw) to \(next.absoluteString)") {
                    return refusal
                }
                approvedOrigins.insert(Self.origin(of: next))
            }
            current = next
            answer = try await fetch(current.absoluteString, transport: transport, clock: context.clock)
        }
        let (status, contentType, body) = (answer.status, answer.contentType, answer.body)
        guard (200..<300).contains(status) else {
            throw BuiltInToolError("Failed to fetch \(raw): the server answered with status \(status).")
        }
        let decoded = String(decoding: body, as: UTF8.self)
        let isHTML = contentType.contains("html") || decoded.prefix(512).lowercased().contains("<html")
        let text = isHTML && !arguments.bool("raw") ? Self.text(ofHTML: decoded) : decoded
        let start = max(0, arguments.int("start_index") ?? 0)
        let length = max(1, arguments.int("max_length") ?? Self.defaultFetchLength)
        guard start < max(text.count, 1) else {
            throw BuiltInToolError("start_index \(start) is past the end of the content (\(text.count) characters).")
        }
        let window = String(text.dropFirst(start).prefix(length))
        var result = "Contents of \(raw):\n\(window)"
        let end = start + window.count
        if end < text.count {
            result += "\n\n<content truncated: \(text.count - end) more characters. Call web_fetch with start_index=\(end) to read on.>"
        }
        return .success(result)
    }

    /// The most redirects one fetch follows.
    static let redirectLimit = 5

    /// Asks the `url` permission for `url`; the refusal the model sees, or nil when allowed.
    private func permitFetch(_ url: String, context: BuiltInToolContext, intention: String) async -> ToolRunOutput? {
        var request = PermissionRequest(kind: .url, toolCallId: context.call.id, toolName: context.call.name, intention: intention)
        request.url = url
        return await context.permit(request)
    }

    /// Scheme, host and port: what a redirect may keep without being asked again.
    static func origin(of url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        return "\(scheme)://\(ProviderEndpoint.host(of: url.absoluteString) ?? ""):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }

    private struct FetchAnswer {
        var status: Int
        var contentType: String
        var location: String?
        var body: [UInt8]
    }

    private func fetch(_ url: String, transport: any HTTPTransport, clock: any Clock<Duration>) async throws -> FetchAnswer {
        let answer: FetchAnswer?
        do {
            answer = try await withTimeout(Self.fetchTimeout, clock: clock) {
                let response = try await transport.execute(HTTPTransportRequest(
                    method: "GET", url: url, headers: ["Accept": "text/html, text/plain, application/json, */*", "User-Agent": "copilot-swift web_fetch"]))
                let body = try await response.body.collect(upTo: Self.fetchByteLimit)
                return FetchAnswer(
                    status: response.status, contentType: response.headers["Content-Type"]?.lowercased() ?? "", location: response.headers["Location"],
                    body: body)
            }
        } catch let error as ProviderError {
            throw BuiltInToolError("Failed to fetch \(url): \(error.message)")
        }
        guard let answer else { throw BuiltInToolError("Failed to fetch \(url): no answer within \(Self.fetchTimeout).") }
        return answer
    }

    /// The readable text of an HTML page: scripts, styles and tags removed, block elements on
    /// their own lines, the common entities decoded.
    static func text(ofHTML html: String) -> String {
        var text = html
        for element in ["script", "style", "noscript", "head"] {
            text = text.replacingOccurrences(of: "<\(element)\\b[^>]*>[\\s\\S]*?</\(element)\\s*>", with: "", options: [.regularExpression, .caseInsensitive])
        }
        text = text.replacingOccurrences(of: "<!--[\\s\\S]*?-->", with: "", options: .regularExpression)
        text = text.replacingOccurrences(
            of: "<(br|/p|/div|/h[1-6]|/li|/tr|/title|/section|/article|/header|/footer)\\b[^>]*>", with: "\n",
            options: [.regularExpression, .caseInsensitive])
        text = text.replacingOccurrences(of: "<li\\b[^>]*>", with: "- ", options: [.regularExpression, .caseInsensitive])
        text = text.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
        for (entity, character) in ["&nbsp;": " ", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#39;": "'", "&apos;": "'", "&amp;": "&"] {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "[ \\t\\r]+", with: " ", options: .regularExpression).trimmingCharacters(in: .whitespaces) }
        var collapsed: [String] = []
        for line in lines where !(line.isEmpty && (collapsed.last?.isEmpty ?? true)) { collapsed.append(line) }
        return collapsed.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
