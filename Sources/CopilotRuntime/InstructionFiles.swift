package import Foundation

/// Instruction files in the folders a session names: `.github/copilot-instructions.md`,
/// `.github/instructions/**/*.instructions.md` and `AGENTS.md`, in that order. They are the
/// application's configuration, read once when the system prompt is first needed.
package enum InstructionFiles {
    /// One file read.
    package struct Source: Sendable, Hashable {
        package var path: String
        package var content: String
    }

    /// The largest instruction file read.
    static let sizeLimit = 64 * 1024

    package static func read(in directories: [String]) -> [Source] {
        directories.flatMap { directory -> [Source] in
            let base = URL(fileURLWithPath: directory)
            var paths = [base.appendingPathComponent(".github/copilot-instructions.md").path]
            let folder = base.appendingPathComponent(".github/instructions").path
            if let enumerator = FileManager.default.enumerator(atPath: folder) {
                var found: [String] = []
                while found.count < 100, let relative = enumerator.nextObject() as? String {
                    if relative.hasSuffix(".instructions.md") { found.append(folder + "/" + relative) }
                }
                paths += found.sorted()
            }
            paths.append(base.appendingPathComponent("AGENTS.md").path)
            return paths.compactMap { path in
                // A file past the limit is cut there, as before: instructions are worth having in part.
                guard let data = SmallFile.read(path, limit: sizeLimit)?.data, !data.isEmpty else { return nil }
                let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                return text.isEmpty ? nil : Source(path: path, content: text)
            }
        }
    }
}
