import Foundation

/// A session's working directory, and the one rule for whether a path stays inside it: paths are
/// resolved against it, `..` is folded, and symlinks are followed on the longest existing prefix,
/// so a link that points out is caught. Built-in tools and file attachments both use it.
struct WorkingDirectory: Sendable {
    /// The directory, with symlinks resolved.
    let root: String

    init(_ path: String) {
        root = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// A path resolved against the working directory, and whether it stays inside it.
    struct ResolvedPath: Sendable {
        var path: String
        var isInside: Bool
    }

    func resolve(_ raw: String) -> ResolvedPath {
        let base = raw.hasPrefix("/") ? URL(fileURLWithPath: raw) : URL(fileURLWithPath: root).appendingPathComponent(raw)
        var url = base.standardizedFileURL
        var suffix: [String] = []
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" {
            suffix.insert(url.lastPathComponent, at: 0)
            url.deleteLastPathComponent()
        }
        var resolved = url.resolvingSymlinksInPath()
        for component in suffix { resolved.appendPathComponent(component) }
        let path = resolved.standardizedFileURL.path
        return ResolvedPath(path: path, isInside: path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/"))
    }

    /// How to show `resolved` to a person or a model: relative inside, absolute outside.
    func display(_ resolved: ResolvedPath) -> String {
        guard resolved.isInside, resolved.path != root else { return resolved.path }
        return String(resolved.path.dropFirst(root.count + 1))
    }
}
