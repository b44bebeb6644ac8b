package import Foundation

/// A session's own folder: its plan (`plan.md`) and the files clients keep with it (`files/`).
/// Paths a client gives are confined to the files folder.
package struct SessionWorkspace: Sendable {
    /// The session's folder.
    package let root: URL

    package init(root: URL) { self.root = root }

    /// Where sessions' folders go by default: `workspaces` beside a file store's sessions folder,
    /// else one folder in the temporary directory.
    package static func folder(for store: (any SessionStore)?) -> URL {
        (store as? FileSessionStore).map { $0.directory.deletingLastPathComponent().appendingPathComponent("workspaces", isDirectory: true) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("copilot-swift-workspaces", isDirectory: true)
    }

    /// Where the plan is kept.
    package var planURL: URL { root.appendingPathComponent("plan.md") }
    /// Where workspace files are kept.
    package var filesURL: URL { root.appendingPathComponent("files", isDirectory: true) }

    /// The plan, or `nil` when there is none.
    package func readPlan() -> String? {
        guard let data = FileManager.default.contents(atPath: planURL.path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes the plan; returns whether it was created (rather than updated).
    package func writePlan(_ content: String) throws -> Bool {
        let existed = FileManager.default.fileExists(atPath: planURL.path)
        try makeFolder(root)
        try write(content, to: planURL)
        return !existed
    }

    /// Deletes the plan; returns whether there was one.
    package func deletePlan() throws -> Bool {
        guard FileManager.default.fileExists(atPath: planURL.path) else { return false }
        try FileManager.default.removeItem(at: planURL)
        return true
    }

    /// Every file, relative to the files folder, with `/` between components, sorted.
    package func listFiles() -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: filesURL.path) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: filesURL.path + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(relative)
            }
        }
        return files.sorted()
    }

    /// The text of a workspace file.
    /// - Throws: ``WorkspaceError`` when the path leaves the files folder or there is no such file.
    package func readFile(_ path: String) throws -> String {
        let url = try resolve(path)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw WorkspaceError("There is no workspace file \(path).") }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes a workspace file, creating its folders; returns whether it was created.
    /// - Throws: ``WorkspaceError`` when the path leaves the files folder.
    package func writeFile(_ path: String, content: String) throws -> Bool {
        let url = try resolve(path)
        let existed = FileManager.default.fileExists(atPath: url.path)
        try makeFolder(url.deletingLastPathComponent())
        try write(content, to: url)
        return !existed
    }

    /// `path` inside the files folder (after `..` is folded and symlinks are followed).
    private func resolve(_ path: String) throws -> URL {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\0") else {
            throw WorkspaceError("\(path.isEmpty ? "An empty path" : path) is not a relative path inside the workspace files directory.")
        }
        try makeFolder(filesURL)
        let base = filesURL.resolvingSymlinksInPath().standardizedFileURL.path
        let resolved = URL(fileURLWithPath: base).appendingPathComponent(path).standardizedFileURL
        let checked = FileManager.default.fileExists(atPath: resolved.path) ? resolved.resolvingSymlinksInPath() : resolved
        guard checked.path.hasPrefix(base + "/") else {
            throw WorkspaceError("\(path) is outside the workspace files directory.")
        }
        return checked
    }

    private func makeFolder(_ url: URL) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    private func write(_ content: String, to url: URL) throws {
        try Data(content.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }
}

/// A workspace path or file a client asked for that cannot be used.
package struct WorkspaceError: Error, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
