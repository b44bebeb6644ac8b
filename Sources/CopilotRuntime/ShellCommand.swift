import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a shell command in its own process group, with a timeout and capped output, and kills the
/// whole group when the timeout passes or the calling task is cancelled.
package enum ShellCommand {
    /// What a finished (or stopped) command left behind.
    package struct Result: Sendable, Hashable {
        /// The exit status; `nil` when the command was killed.
        package var exitCode: Int32?
        package var standardOutput: String
        package var standardError: String
        /// Whether the timeout stopped it.
        package var timedOut: Bool
        /// Whether output beyond the limit was dropped.
        package var truncated: Bool
    }

    /// Runs `/bin/sh -c command` in `workingDirectory`, writing `input` to its standard input;
    /// `timeout` is measured on `clock`.
    ///
    /// - Throws: `CancellationError` when the task is cancelled (the process group is killed first),
    ///   or a `CopilotError` when the process cannot be started.
    package static func run(
        _ command: String, workingDirectory: String, input: String = "", environment: [String: String] = [:],
        timeout: Duration = .seconds(60), clock: any Clock<Duration> = ContinuousClock(), outputLimit: Int = 64 * 1024
    ) async throws -> Result {
        let process = try SpawnedProcess(command: command, workingDirectory: workingDirectory, environment: environment)
        process.writeInput(input)

        async let output = process.read(process.stdoutFD, limit: outputLimit)
        async let errors = process.read(process.stderrFD, limit: outputLimit)
        let status: Int32? = await withTaskCancellationHandler {
            await withTaskGroup(of: Int32?.self) { group in
                group.addTask { await process.waitForExit() }
                group.addTask {
                    try? await clock.sleep(for: timeout)
                    return nil
                }
                let first = await group.next() ?? nil
                if first == nil { process.killGroup() }
                group.cancelAll()
                return first
            }
        } onCancel: {
            process.killGroup()
        }
        let (out, outTruncated) = await output
        let (err, errTruncated) = await errors
        try Task.checkCancellation()
        return Result(
            exitCode: status, standardOutput: out, standardError: err, timedOut: status == nil,
            truncated: outTruncated || errTruncated)
    }
}

/// A child process started with `posix_spawn` in a new process group, with pipes for its standard
/// input, output and error (or one pipe for output and error together, in the order written).
final class SpawnedProcess: Sendable {
    let pid: pid_t
    /// Set once the child is reaped, so a late kill cannot hit a reused process id.
    private let reaped = Mutex(false)
    private let inputOpen = Mutex(true)
    let stdinFD: Int32
    let stdoutFD: Int32
    /// `-1` when standard error goes to ``stdoutFD``.
    let stderrFD: Int32

    init(command: String, workingDirectory: String, environment: [String: String], mergeOutput: Bool = false) throws {
        // Standard input is a socket pair, not a pipe, so writing to a child that has gone away
        // fails with EPIPE instead of raising SIGPIPE in this process.
        var input: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        var errors: [Int32] = [-1, -1]
        #if canImport(Glibc)
        let streamType = Int32(SOCK_STREAM.rawValue)
        #else
        let streamType = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, streamType, 0, &input) == 0 else {
            throw CopilotError(code: .invalidConfiguration, message: "Could not create pipes for a shell command.")
        }
        guard pipe(&output) == 0 else {
            input.forEach { close($0) }
            throw CopilotError(code: .invalidConfiguration, message: "Could not create pipes for a shell command.")
        }
        if !mergeOutput, pipe(&errors) != 0 {
            (input + output).forEach { close($0) }
            throw CopilotError(code: .invalidConfiguration, message: "Could not create pipes for a shell command.")
        }
        let pipes = input + output + (mergeOutput ? [] : errors)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, mergeOutput ? output[1] : errors[1], 2)
        for fd in pipes { posix_spawn_file_actions_addclose(&actions, fd) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        // A child starts with no signal blocked and the usual dispositions, whatever this process
        // (NIO, the runtime) blocks or ignores, so TERM and PIPE end it as they end any program.
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // `cd` inside the shell keeps working-directory handling portable across platforms.
        let script = "cd \(Self.quoted(workingDirectory)) && exec /bin/sh -c \(Self.quoted(command))"
        let arguments = ["/bin/sh", "-c", script]
        var merged = Self.inheritedEnvironment(ProcessInfo.processInfo.environment)
        for (key, value) in environment { merged[key] = value }
        let env = merged.map { "\($0.key)=\($0.value)" }

        var child: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(env) { envp in
                posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, envp)
            }
        }
        close(input[0])
        close(output[1])
        if !mergeOutput { close(errors[1]) }
        guard status == 0 else {
            for fd in [input[1], output[0], errors[0]] where fd >= 0 { close(fd) }
            throw CopilotError(code: .invalidConfiguration, message: "Could not start /bin/sh (error \(status)).")
        }
        #if canImport(Darwin)
        var on: Int32 = 1
        setsockopt(input[1], SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        pid = child
        stdinFD = input[1]
        stdoutFD = output[0]
        stderrFD = errors[0]
    }

    /// What a child may see of this process's environment: where things are and how to speak
    /// (paths, user, locale, terminal, temporary folder, time zone, the usual toolchain homes), never
    /// the keys, tokens, connection strings and passwords a runtime is given.
    package static func inheritedEnvironment(_ environment: [String: String]) -> [String: String] {
        environment.filter { name, _ in
            inheritedNames.contains(name) || name.hasPrefix("LC_") || name.hasPrefix("XDG_")
        }
    }

    private static let inheritedNames: Set<String> = [
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "COLORTERM", "TMPDIR", "TZ", "PWD",
        "EDITOR", "VISUAL", "GOPATH", "GOROOT", "JAVA_HOME", "CARGO_HOME", "RUSTUP_HOME", "VIRTUAL_ENV", "PYENV_ROOT",
        "NVM_DIR", "SSL_CERT_FILE", "SSL_CERT_DIR",
    ]

    private static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Writes `text` to the child's standard input and closes it.
    func writeInput(_ text: String) {
        _ = write(text)
        closeInput()
    }

    /// Writes `text` to the child's standard input; `false` when the child no longer reads it.
    func write(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                systemWrite(stdinFD, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    /// Closes the child's standard input (once; later calls do nothing).
    func closeInput() {
        let open = inputOpen.withLock { open in
            defer { open = false }
            return open
        }
        if open { close(stdinFD) }
    }

    /// Reads a pipe to its end on a background thread; keeps at most `limit` bytes.
    func read(_ fd: Int32, limit: Int) async -> (String, Bool) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var kept: [UInt8] = []
                var truncated = false
                var buffer = [UInt8](repeating: 0, count: 16 * 1024)
                while true {
                    let count = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, $0.count) }
                    if count <= 0 { break }
                    let room = max(0, limit - kept.count)
                    kept.append(contentsOf: buffer[0..<min(count, room)])
                    if count > room { truncated = true }
                }
                close(fd)
                continuation.resume(returning: (String(decoding: kept, as: UTF8.self), truncated))
            }
        }
    }

    /// Waits for the child on a background thread; returns its exit status (128+signal when killed).
    func waitForExit() async -> Int32? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [self] in
                continuation.resume(returning: waitForExitBlocking())
            }
        }
    }

    /// Blocks the calling thread until the child exits; returns its exit status (128+signal when killed).
    func waitForExitBlocking() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        reaped.withLock { $0 = true }
        let exited = (status & 0x7f) == 0
        return exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    func killGroup() {
        reaped.withLock { reaped in
            if !reaped { kill(-pid, SIGKILL) }
        }
    }
}

private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    send(fd, buffer, count, Int32(MSG_NOSIGNAL))
    #else
    send(fd, buffer, count, 0)
    #endif
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
