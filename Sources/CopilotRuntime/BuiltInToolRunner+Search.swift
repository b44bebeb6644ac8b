import CopilotCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `glob` and `grep`: paths are shown as ripgrep shows them, joined to the path the model gave
/// (`./src/index.ts` when it gave none to glob, `src/index.ts` for grep).
extension BuiltInToolRunner {
    /// `grep`'s arguments.
    struct GrepOptions {
        enum OutputMode: String { case content, filesWithMatches = "files_with_matches", count }
        var pattern: String
        var path: String?
        var mode: OutputMode
        var glob: String?
        var ignoreCase: Bool
        var lineNumbers: Bool
        var before: Int
        var after: Int
        var headLimit: Int?

        init(_ arguments: Arguments) throws {
            pattern = try arguments.string("pattern")
            path = arguments.optionalString("path")
            let modeName = arguments.optionalString("output_mode") ?? OutputMode.filesWithMatches.rawValue
            guard let mode = OutputMode(rawValue: modeName) else {
                throw BuiltInToolError("output_mode must be content, files_with_matches or count (not \(modeName)).")
            }
            self.mode = mode
            glob = arguments.optionalString("glob")
            ignoreCase = arguments.bool("-i")
            lineNumbers = arguments.bool("-n")
            let context = max(0, arguments.int("-C") ?? 0)
            before = max(0, arguments.int("-B") ?? context)
            after = max(0, arguments.int("-A") ?? context)
            headLimit = arguments.int("head_limit").flatMap { $0 > 0 ? $0 : nil }
        }
    }

    /// Regular files under `base` (or `base` itself when it is a file), relative to it, sorted;
    /// version-control and build folders are skipped, and symlinks are not followed, as ripgrep's
    /// defaults do: a link inside the folder to a file outside is never read under the folder's permission.
    func files(under base: ResolvedPath) -> [String] {
        switch WorkingDirectory.kind(of: base.path) {
        case .regularFile: return [""]
        case .directory: break
        case .missing, .other: return []
        }
        guard let enumerator = FileManager.default.enumerator(atPath: base.path) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            var info = stat()
            let isLink = lstat(base.path + "/" + relative, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
            if isLink || name == ".git" || name.hasPrefix(".build") || name == "node_modules" {
                enumerator.skipDescendants()
                continue
            }
            if info.st_mode & S_IFMT == S_IFREG { found.append(relative) }
            if found.count >= 20_000 { break }
        }
        return found.sorted()
    }

    /// Larger files are skipped by `grep`, as generated or binary.
    static let grepFileLimit = 2_000_000

    static func matches(_ pattern: String, _ path: String) -> Bool {
        // `**/` also matches no directory at all, and a pattern without `/` matches the file name
        // in any directory, as in ripgrep's globs.
        if pattern.hasPrefix("**/"), fnmatch(String(pattern.dropFirst(3)), path, 0) == 0 { return true }
        if !pattern.contains("/"), fnmatch(pattern, (path as NSString).lastPathComponent, 0) == 0 { return true }
        return fnmatch(pattern, path, 0) == 0
    }

    /// `relative` (from ``files(under:)``) as ripgrep prints it for the search root `raw`.
    private func label(_ relative: String, root raw: String?, defaultRoot: String) -> String {
        let root = raw.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? defaultRoot
        if relative.isEmpty { return root }
        if root.isEmpty { return relative }
        return root == "/" ? "/" + relative : root + "/" + relative
    }

    func glob(_ pattern: String, in raw: String?, call: ToolCall) async throws -> ToolResult {
        let base = resolve(raw ?? ".")
        if let refusal = await permit(readRequest(base, call: call, intention: "Find files matching \(pattern)")) { return refusal }
        let matched = files(under: base).filter { Self.matches(pattern, $0) }
        guard !matched.isEmpty else { return .success("No files matched the pattern.") }
        let shown = matched.prefix(Self.resultLimit).map { label($0, root: raw, defaultRoot: ".") }.joined(separator: "\n")
        let more = matched.count > Self.resultLimit ? "\n[\(matched.count - Self.resultLimit) more files not shown]" : ""
        return .success(shown + more)
    }

    func grep(_ options: GrepOptions, call: ToolCall) async throws -> ToolResult {
        let expression: NSRegularExpression
        do {
            expression = try NSRegularExpression(pattern: options.pattern, options: options.ignoreCase ? [.caseInsensitive] : [])
        } catch {
            throw BuiltInToolError("`\(options.pattern)` is not a valid regular expression.")
        }
        let base = resolve(options.path ?? ".")
        if let refusal = await permit(readRequest(base, call: call, intention: "Search for \(options.pattern)")) { return refusal }
        var output: [String] = []
        let limit = options.headLimit ?? Self.resultLimit * 4
        var truncated = false
        search: for relative in files(under: base) where options.glob.map({ Self.matches($0, relative.isEmpty ? (base.path as NSString).lastPathComponent : relative) }) ?? true {
            let path = relative.isEmpty ? base.path : base.path + "/" + relative
            guard let (data, size) = try? WorkingDirectory.readRegularFile(path, limit: Self.grepFileLimit), size <= Self.grepFileLimit,
                !data.contains(0), let text = String(data: data, encoding: .utf8)
            else { continue }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            let hits = lines.indices.filter { index in
                expression.firstMatch(in: lines[index], range: NSRange(lines[index].startIndex..., in: lines[index])) != nil
            }
            guard !hits.isEmpty else { continue }
            let name = label(relative, root: options.path, defaultRoot: "")
            switch options.mode {
            case .filesWithMatches: output.append(name)
            case .count: output.append("\(name):\(hits.count)")
            case .content:
                var shown = Set<Int>()
                var previous: Int?
                for hit in hits {
                    for index in max(0, hit - options.before)...min(lines.count - 1, hit + options.after) where !shown.contains(index) {
                        // As ripgrep: groups are separated only when context lines are shown.
                        if let previous, index > previous + 1, options.before + options.after > 0 { output.append("--") }
                        let separator = index == hit || hits.contains(index) ? ":" : "-"
                        output.append(options.lineNumbers ? "\(name)\(separator)\(index + 1)\(separator)\(lines[index])" : "\(name)\(separator)\(lines[index])")
                        shown.insert(index)
                        previous = index
                    }
                }
            }
            if output.count >= limit {
                truncated = output.count > limit
                break search
            }
        }
        if output.isEmpty { return .success("No matches found.") }
        let shown = output.prefix(limit).joined(separator: "\n")
        return .success(truncated ? shown + "\n[more results not shown]" : shown)
    }
}
