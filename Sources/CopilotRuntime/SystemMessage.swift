/// How to change the default system prompt, as the official `systemMessage` setting.
///
/// ```swift
/// config.systemMessage = .customize([
///     .tone: .replace("Answer in French."),
///     .identity: .transform { "\($0)\nYou work for Example Corp." },
/// ])
/// ```
public enum SystemMessage: Sendable {
    /// Add `content` after the default prompt.
    case append(String)
    /// Use `content` instead of the default prompt.
    case replace(String)
    /// Edit the default prompt section by section; `content`, when given, is added at the end.
    case customize([Section: SectionEdit], content: String? = nil)

    /// A named part of the default prompt, with the official section ids.
    public enum Section: String, Sendable, Hashable, CaseIterable, Codable {
        case preamble, identity, tone
        case toolEfficiency = "tool_efficiency"
        case environmentContext = "environment_context"
        case codeChangeRules = "code_change_rules"
        case guidelines, safety
        case toolInstructions = "tool_instructions"
        case customInstructions = "custom_instructions"
        case runtimeInstructions = "runtime_instructions"
        case lastInstructions = "last_instructions"

        /// This runtime's text for the section; empty for sections it has nothing to say in.
        public var defaultContent: String {
            switch self {
            case .identity: "You are a helpful assistant running inside an application built with the GitHub Copilot SDK."
            case .tone: "Answer accurately and concisely."
            case .toolEfficiency: "When tools are available and would help, call them; when a tool call is denied or fails, explain what happened instead of retrying blindly."
            default: ""
            }
        }
    }

    /// What `customize` does to one section.
    public enum SectionEdit: Sendable {
        /// Use this text instead.
        case replace(String)
        /// Leave the section out.
        case remove
        /// Add text after the section's.
        case append(String)
        /// Add text before the section's.
        case prepend(String)
        /// Keep the section as it is.
        case preserve
        /// Rewrite the section's text (called with it when the prompt is first needed).
        case transform(@Sendable (String) async throws -> String)
    }

    /// The default system prompt.
    public static let defaultPrompt = join(Section.allCases.map(\.defaultContent))

    /// The prompt sent to the model for `message` (the default when `nil`), with
    /// `customInstructions` (from instruction files) as the `custom_instructions` section. A
    /// `transform` that throws leaves its section as it was.
    public static func resolve(_ message: SystemMessage?, customInstructions: String = "") async -> String {
        func original(_ section: Section) -> String {
            section == .customInstructions && !customInstructions.isEmpty ? customInstructions : section.defaultContent
        }
        let base = join(Section.allCases.map(original))
        switch message {
        case nil: return base
        case .append(let content): return content.isEmpty ? base : base + "\n\n" + content
        case .replace(let content): return content
        case .customize(let edits, let content):
            var parts: [String] = []
            for section in Section.allCases {
                let original = original(section)
                switch edits[section] {
                case nil, .preserve: parts.append(original)
                case .remove: break
                case .replace(let text): parts.append(text)
                case .append(let text): parts.append(original.isEmpty ? text : original + "\n" + text)
                case .prepend(let text): parts.append(original.isEmpty ? text : text + "\n" + original)
                case .transform(let rewrite): parts.append((try? await rewrite(original)) ?? original)
                }
            }
            parts.append(content ?? "")
            return join(parts)
        }
    }

    private static func join(_ parts: [String]) -> String {
        parts.filter { !$0.isEmpty }.joined(separator: "\n\n")
    }
}
