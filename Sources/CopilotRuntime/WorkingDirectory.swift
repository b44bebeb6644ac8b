import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A session's working directory, and the one rule for every file a tool or an attachment touches:
/// a path is resolved against the directory once, component by component, following every symlink
/// — dangling ones too, whose target a write would create — so the path a permission request names
/// is the file that is really read or written, and "inside" means inside. Files are read only when
/// they are regular files, with their size known before a byte is read.
package struct WorkingDirectory: Sendable {
    /// The directory, with symlinks resolved.
    package let root: String

    package init(_ path: String) {
        let standard = URL(fileURLWithPath: path).standardizedFileURL.path
        root = Self.physical(standard) ?? standard
    }

    /// A path resolved against the working directory, and whether it stays inside it.
    package struct ResolvedPath: Sendable {
        package var path: String
        package var isInside: Bool
    }

    /// Whether `raw` has a NUL byte: file APIs end the path there, so it would name another file
    /// than it says.
    package static func hasNULByte(_ raw: String) -> Bool { raw.utf8.contains(0) }

    /// A path no file can have.
    package struct InvalidPath: Error, CustomStringConvertible {
        package var description: String
    }

    /// - Throws: ``InvalidPath`` for a path with a NUL byte (the kernel would read only the part
    ///   before it: another file than the one named).
    package func resolve(_ raw: String) throws(InvalidPath) -> ResolvedPath {
        guard !Self.hasNULByte(raw) else {
            throw InvalidPath(description: "The path \(raw.replacingOccurrences(of: "\0", with: "\\0").prefix(200)) contains a NUL byte, which no file name can.")
        }
        let joined = raw.hasPrefix("/") ? raw : root + "/" + raw
        // A path with more links than the kernel follows names no file (opening it fails with
        // ELOOP); where it would lead cannot be known, so it is never inside.
        guard let path = Self.physical(joined) else { return ResolvedPath(path: joined, isInside: false) }
        return ResolvedPath(path: path, isInside: path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/"))
    }

    /// How to show `resolved` to a person or a model: relative inside, absolute outside.
    func display(_ resolved: ResolvedPath) -> String {
        guard resolved.isInside, resolved.path != root else { return resolved.path }
        return String(resolved.path.dropFirst(root.count + 1))
    }

    /// The most symlinks one resolution follows (as the kernel's `MAXSYMLINKS`); a path that needs
    /// more cannot be opened (ELOOP).
    static let symlinkLimit = 40

    /// The absolute path `path` names on disk: `.` and `..` folded and every symlink followed,
    /// including a last component that points nowhere yet. Components that do not exist are kept.
    /// Nil when resolving needs more than ``symlinkLimit`` links.
    static func physical(_ path: String) -> String? {
        var pending = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var resolved: [String] = []
        var followed = 0
        while !pending.isEmpty {
            let part = pending.removeFirst()
            if part == "." { continue }
            if part == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let candidate = "/" + (resolved + [part]).joined(separator: "/")
            if let target = linkTarget(candidate) {
                followed += 1
                guard followed <= symlinkLimit else { return nil }
                if target.hasPrefix("/") { resolved = [] }
                pending = target.split(separator: "/", omittingEmptySubsequences: true).map(String.init) + pending
            } else {
                resolved.append(part)
            }
        }
        return "/" + resolved.joined(separator: "/")
    }

    /// What the symlink at `path` points to, or nil when `path` is not a symlink.
    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// What is at a resolved path.
    enum Kind { case missing, regularFile, directory, other }

    static func kind(of path: String) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Why a file cannot be read.
    enum ReadFailure: Error {
        case unreadable
        /// A FIFO, a device, a socket: reading could block for ever or never end.
        case notRegularFile
    }

    /// At most `limit` bytes of the regular file at `path`, and its whole size. The file is opened
    /// without blocking and checked to be a regular file before anything is read, so a FIFO or a
    /// device put in its place is refused rather than waited on.
    static func readRegularFile(_ path: String, limit: Int) throws(ReadFailure) -> (data: Data, size: Int) {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .unreadable }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notRegularFile }
        let size = Int(info.st_size)
        var data = Data(count: min(size, limit))
        var filled = 0
        while filled < data.count {
            let count = data.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(descriptor, base + filled, buffer.count - filled)
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
        }
        data.count = filled
        return (data, size)
    }
}
