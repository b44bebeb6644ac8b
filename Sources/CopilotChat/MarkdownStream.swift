/// Light Markdown for a terminal, rendered as the text streams in: headings in bold, fenced code in
/// a colour, list bullets as `•`, quotes behind a bar, inline `code` and **bold**. A line's style is
/// decided by its first characters, so only those wait; the rest is written as it arrives. Without
/// colours (`NO_COLOR`) the markers are still taken out; not rendered (output that is not a
/// terminal), the text passes through unchanged.
public struct MarkdownStream: Sendable {
    public let rendered: Bool
    private let palette: Palette

    private enum LineKind { case plain, heading, quote, fence, code }

    private var lineStart = true
    /// The first characters of a line, while they could still be a marker.
    private var prefix = ""
    private var kind = LineKind.plain
    private var inFence = false
    private var inlineCode = false
    private var bold = false
    private var pendingStar = false

    public init(rendered: Bool, colors: Bool) {
        self.rendered = rendered
        palette = Palette(colors: colors)
    }

    /// What to write for `text`.
    public mutating func feed(_ text: String) -> String {
        guard rendered else { return text }
        var out = ""
        for character in text { out += consume(character) }
        return out
    }

    /// What is still held back, written when the answer ends (styles reset).
    public mutating func finish() -> String {
        guard rendered else { return "" }
        var out = ""
        if lineStart, !prefix.isEmpty {
            out += decide()
        }
        if pendingStar {
            out += "*"
            pendingStar = false
        }
        if kind != .plain || inlineCode || bold || inFence { out += palette.reset }
        self = MarkdownStream(rendered: rendered, colors: palette.colors)
        return out
    }

    private mutating func consume(_ character: Character) -> String {
        if lineStart {
            if character == "\n" {
                let out = decide()
                return out + endLine()
            }
            prefix.append(character)
            return couldBeMarker(prefix) ? "" : decide()
        }
        if character == "\n" { return endLine() }
        return inline(character)
    }

    /// Whether more characters are needed to know what `prefix` starts.
    private func couldBeMarker(_ prefix: String) -> Bool {
        let trimmed = prefix.drop { $0 == " " }
        if trimmed.isEmpty { return prefix.count < 8 }
        if inFence { return "```".hasPrefix(trimmed) && trimmed.count < 3 }
        if trimmed.allSatisfy({ $0 == "#" }) { return trimmed.count <= 6 }
        if trimmed.allSatisfy(\.isNumber) { return trimmed.count < 4 }
        return ["`", "``", "-", "*", "+", ">"].contains(String(trimmed)) || (trimmed.last == "." && trimmed.dropLast().allSatisfy(\.isNumber))
    }

    /// Chooses the line's style from its first characters and writes them.
    private mutating func decide() -> String {
        lineStart = false
        let text = prefix
        prefix = ""
        let indent = String(text.prefix { $0 == " " })
        let trimmed = String(text.dropFirst(indent.count))
        if trimmed.hasPrefix("```") {
            inFence.toggle()
            kind = .fence
            return palette.dim + text
        }
        if inFence {
            kind = .code
            return palette.code + text
        }
        if let hashes = trimmed.firstIndex(where: { $0 != "#" }), hashes != trimmed.startIndex, trimmed[hashes] == " " {
            kind = .heading
            return palette.bold + indent + trimmed[trimmed.index(after: hashes)...].description
        }
        if trimmed.hasPrefix("> ") {
            kind = .quote
            return palette.dim + indent + "│ " + trimmed.dropFirst(2)
        }
        if ["- ", "* ", "+ "].contains(where: trimmed.hasPrefix) {
            kind = .plain
            return indent + "• " + inlineText(String(trimmed.dropFirst(2)))
        }
        kind = .plain
        return inlineText(text)
    }

    private mutating func inlineText(_ text: String) -> String {
        var out = ""
        for character in text { out += inline(character) }
        return out
    }

    /// One character of a line whose style is known: backticks and double stars switch styles.
    private mutating func inline(_ character: Character) -> String {
        guard kind == .plain || kind == .heading || kind == .quote else { return String(character) }
        var out = ""
        if pendingStar {
            pendingStar = false
            if character == "*", !inlineCode {
                bold.toggle()
                return bold ? palette.bold : palette.reset + restore()
            }
            out += "*"
        }
        switch character {
        case "`":
            inlineCode.toggle()
            return out + (inlineCode ? palette.code : palette.reset + restore())
        case "*" where !inlineCode:
            pendingStar = true
            return out
        default:
            return out + String(character)
        }
    }

    /// The line's own style again, after an inline one ends.
    private func restore() -> String {
        switch kind {
        case .heading: palette.bold
        case .quote: palette.dim
        default: bold ? palette.bold : ""
        }
    }

    private mutating func endLine() -> String {
        var out = ""
        if pendingStar {
            out += "*"
            pendingStar = false
        }
        let styledLine = kind != .plain || inlineCode || bold
        inlineCode = false
        bold = false
        kind = .plain
        lineStart = true
        return out + (styledLine ? palette.reset : "") + "\n"
    }
}

/// The ANSI styles the chat uses.
public enum Style {
    public static let reset = "\u{1B}[0m"
    public static let bold = "\u{1B}[1m"
    public static let dim = "\u{1B}[2m"
    public static let code = "\u{1B}[36m"
    public static let red = "\u{1B}[31m"
    public static let green = "\u{1B}[32m"
    public static let yellow = "\u{1B}[33m"
}

/// The styles, or nothing for each when colours are off.
private struct Palette: Sendable {
    let colors: Bool
    var reset: String { colors ? Style.reset : "" }
    var bold: String { colors ? Style.bold : "" }
    var dim: String { colors ? Style.dim : "" }
    var code: String { colors ? Style.code : "" }
}
