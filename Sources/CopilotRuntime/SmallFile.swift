import Foundation

/// The small text files the runtime reads from folders a user or client names — skills, agent
/// files, plugin manifests, MCP config files, instruction files: regular files only (a FIFO would
/// block the read, a device might never end), never more than a limit.
enum SmallFile {
    /// Up to `limit` bytes of the regular file at `path` (through symlinks), and whether that was
    /// all of it; `nil` when it is not a regular file or cannot be read.
    static func read(_ path: String, limit: Int) -> (data: Data, complete: Bool)? {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let type = try? FileManager.default.attributesOfItem(atPath: resolved)[.type] as? FileAttributeType, type == .typeRegular,
            let handle = FileHandle(forReadingAtPath: resolved)
        else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: limit + 1) else { return nil }
        return data.count > limit ? (data.prefix(limit), false) : (data, true)
    }

    /// The whole regular file at `path` when it is at most `limit` bytes, else `nil`.
    static func contents(_ path: String, limit: Int) -> Data? {
        guard let (data, complete) = read(path, limit: limit), complete else { return nil }
        return data
    }
}
