import CopilotCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `glob` and `grep` share: walking a folder as ripgrep does, its glob matching, and naming
/// paths as ripgrep prints them, joined to the path the model gave (`./src/index.ts` when it gave
/// none to glob, `src/index.ts` for grep).
enum FileSearch {
    /// Regular files under `base` (or `base` itself when it is a file), relative to it, sorted;
    /// version-control and build folders are skipped, and symlinks are not followed, as ripgrep's
    /// defaults do: a link inside the folder to a file outside is never read under the folder's permission.
    static func files(under base: WorkingDirectory.ResolvedPath) -> [String] {
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

    /// Whether `path` matches the glob `pattern`.
    static func matches(_ pattern: String, _ path: String) -> Bool {
        // `**/` also matches no directory at all, and a pattern without `/` matches the file name
        // in any directory, as in ripgrep's globs.
        if pattern.hasPrefix("**/"), fnmatch(String(pattern.dropFirst(3)), path, 0) == 0 { return true }
        if !pattern.contains("/"), fnmatch(pattern, (path as NSString).lastPathComponent, 0) == 0 { return true }
        return fnmatch(pattern, path, 0) == 0
    }

    /// `relative` (from ``files(under:)``) as ripgrep prints it for the search root `raw`.
    static func label(_ relative: String, root raw: String?, defaultRoot: String) -> String {
        let root = raw.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? defaultRoot
        if relative.isEmpty { return root }
        if root.isEmpty { return relative }
        return root == "/" ? "/" + relative : root + "/" + relative
    }
}
