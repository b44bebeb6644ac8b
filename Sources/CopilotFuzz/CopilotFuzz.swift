#if FUZZING
import CFuzzerDriver
#endif
import Foundation

/// `CopilotFuzz TARGET [OPTIONS] [CORPUS…]`: the fuzz targets of the parsers that read what peers send.
///
/// Built with `-sanitize=fuzzer` and `-DFUZZING` (see `scripts/fuzz.sh`), it hands everything after
/// the target's name to libFuzzer. Built normally, it runs every file in the given files and folders
/// through the target once, so the seed corpus is a regression test of the ordinary build.
@main
enum CopilotFuzz {
    static func main() {
        var arguments = CommandLine.arguments
        // The target is the first argument, or COPILOT_FUZZ_TARGET: libFuzzer's -fork and -jobs
        // start workers with the options alone, and the variable reaches them.
        let named = arguments.count >= 2 ? FuzzTarget(rawValue: arguments[1]) : nil
        if named != nil { arguments.remove(at: 1) }
        guard let target = named ?? ProcessInfo.processInfo.environment["COPILOT_FUZZ_TARGET"].flatMap(FuzzTarget.init(rawValue:)) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("usage: CopilotFuzz TARGET [libFuzzer options] [corpus…]\ntargets: \(names)\n".utf8))
            exit(2)
        }
        #if FUZZING
        setenv("COPILOT_FUZZ_TARGET", target.rawValue, 1)
        exit(fuzz(target, arguments: arguments))
        #else
        exit(replay(target, paths: Array(arguments.dropFirst())))
        #endif
    }

    /// Runs each file under `paths` through `target` once; a failed check stops the process.
    static func replay(_ target: FuzzTarget, paths: [String]) -> Int32 {
        var files: [URL] = []
        for path in paths {
            let url = URL(fileURLWithPath: path)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("no such file or folder: \(path)\n".utf8))
                return 2
            }
            if isFolder.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.sorted().map { url.appendingPathComponent($0) }
            } else {
                files.append(url)
            }
        }
        for file in files {
            guard let data = try? Data(contentsOf: file) else { continue }
            data.withUnsafeBytes { target.run($0.bindMemory(to: UInt8.self)) }
        }
        print("\(target.rawValue): \(files.count) inputs replayed, all checks held")
        return 0
    }

    #if FUZZING
    /// The target libFuzzer's C callback runs; set once before the driver starts.
    nonisolated(unsafe) private static var selected = FuzzTarget.json

    private static func fuzz(_ target: FuzzTarget, arguments: [String]) -> Int32 {
        selected = target
        var argc = Int32(arguments.count)
        var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        return pointers.withUnsafeMutableBufferPointer { buffer in
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
            return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
                CopilotFuzz.selected.run(UnsafeBufferPointer(start: data, count: size))
                return 0
            }
        }
    }
    #endif
}
