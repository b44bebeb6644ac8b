import Foundation

/// The lines typed in earlier chats, one JSON string per line (so a line may hold new lines).
enum ChatHistory {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static func load(_ path: String?) -> [String] {
        guard let path, let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            (try? JSONDecoder().decode(String.self, from: Data(line.utf8)))
        }
    }

    static func save(_ history: [String], to path: String?) {
        guard let path else { return }
        let lines = history.compactMap { entry in (try? Self.encoder.encode(entry)).map { String(decoding: $0, as: UTF8.self) } }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        _ = FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8), attributes: [.posixPermissions: 0o600])
    }
}
