import CopilotCore
import CopilotProviders
import Foundation

extension BuiltInTool {
    /// Read a file (optionally a line range), an image, or list a directory.
    public static let view = BuiltInTool(named: "view")
}

/// `view`: a file with numbered lines, an image for the model to see, or a directory's entries.
struct ViewTool: BuiltInToolKind {
    let tool = BuiltInTool.view
    let summary =
        "View a file with numbered lines (optionally the lines in `view_range` [start, end], end -1 meaning the last), an image, or the entries of a directory."
    var parameters: JSONValue {
        Self.object(
            [
                "path": ["type": "string", "description": "Absolute path, or relative to the working directory."],
                "view_range": ["type": "array", "items": ["type": "integer"], "description": "[start, end] line numbers, 1-based; end -1 means the last line."],
            ], required: ["path"])
    }

    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput {
        let raw = try arguments.string("path")
        let resolved = try context.resolve(raw)
        let name = context.shown(raw, resolved)
        if let refusal = await context.permit(context.readRequest(resolved, intention: "Read \(name)")) { return refusal }
        switch WorkingDirectory.kind(of: resolved.path) {
        case .missing: throw BuiltInToolError("Path \(name) does not exist. Please provide a valid path.")
        case .directory: return .success(try listing(resolved.path))
        case .regularFile, .other: break
        }
        if let mimeType = AttachmentLoader.imageTypes[(resolved.path as NSString).pathExtension.lowercased()] {
            let limit = BuiltInToolContext.imageLimit
            let (data, size) = try BuiltInToolContext.read(resolved.path, name: name, limit: limit)
            guard size <= limit else { throw BuiltInToolError("\(name) is larger than \(limit / 1_048_576) MB.") }
            return ToolRunOutput(
                .success("Viewed image file successfully."),
                images: [MediaContent(mimeType: mimeType, base64Data: data.base64EncodedString())], imagePath: name)
        }
        let (data, size) = try BuiltInToolContext.read(resolved.path, name: name, limit: BuiltInToolContext.readLimit)
        guard let text = String(data: data, encoding: .utf8) ?? (size > data.count ? String(decoding: data, as: UTF8.self) : nil) else {
            throw BuiltInToolError("\(name) is not a UTF-8 text file.")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var start = 1
        var end = lines.count
        if let range = arguments.json["view_range"]?.arrayValue?.compactMap(\.intValue), range.count == 2 {
            start = max(1, range[0])
            end = range[1] == -1 ? lines.count : min(lines.count, range[1])
            guard start <= lines.count, start <= end else {
                throw BuiltInToolError("Invalid view_range [\(range[0]), \(range[1])]: the file has \(lines.count) lines.")
            }
        }
        var result = (start...max(start, end)).filter { $0 <= lines.count }.map { "\($0). \(lines[$0 - 1])" }.joined(separator: "\n")
        if size > data.count { result += "\n[file truncated at \(BuiltInToolContext.readLimit) bytes]" }
        return .success(result)
    }

    /// A directory's entries, directories marked with a trailing `/`, hidden ones left out.
    private func listing(_ path: String) throws -> String {
        let entries = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
        let marked = entries.map { entry -> String in
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: path + "/" + entry, isDirectory: &isDirectory)
            return isDirectory.boolValue ? entry + "/" : entry
        }
        return marked.isEmpty ? "(empty directory)" : marked.joined(separator: "\n")
    }
}
