import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A program the runtime started, in a process group of its own, with pipes for its standard input,
/// output and error (or one pipe for output and error together, in the order written).
///
/// Children are started only through ``ProcessOwner/spawn(_:scope:)``, which marks them so that
/// they and whatever they start can always be found and ended.
package final class ChildProcess: Sendable {
    /// What to start.
    package struct Configuration: Sendable {
        /// The program's absolute path.
        package var executable: String
        /// The arguments after the program's name.
        package var arguments: [String]
        /// Where it runs; nil keeps the runtime's own directory.
        package var workingDirectory: String?
        /// Variables on top of the runtime's harmless ones (``ProcessOwner/inheritedEnvironment(_:)``).
        package var environment: [String: String]
        /// Whether the child gets this process's whole environment, not only the harmless part: for
        /// a program the app chose to run as itself (a runtime it spawns), never for tools.
        package var inheritsWholeEnvironment: Bool
        /// Whether standard error shares standard output's pipe.
        package var mergeOutput: Bool

        package init(
            executable: String, arguments: [String] = [], workingDirectory: String? = nil, environment: [String: String] = [:],
            inheritsWholeEnvironment: Bool = false, mergeOutput: Bool = false
        ) {
            self.executable = executable
            self.arguments = arguments
            self.workingDirectory = workingDirectory
            self.environment = environment
            self.inheritsWholeEnvironment = inheritsWholeEnvironment
            self.mergeOutput = mergeOutput
        }

        /// `/bin/sh -c command` in `directory`.
        package static func shell(_ command: String, in directory: String, environment: [String: String] = [:], mergeOutput: Bool = false) -> Self {
            Self(executable: "/bin/sh", arguments: ["-c", command], workingDirectory: directory, environment: environment, mergeOutput: mergeOutput)
        }
    }

    package let pid: Int32
    package let stdinFD: Int32
    package let stdoutFD: Int32
    /// `-1` when standard error goes to ``stdoutFD``.
    package let stderrFD: Int32
    /// Set once the child is reaped, so a late signal cannot hit a reused process id.
    private let reaped = Mutex(false)
    private let inputOpen = Mutex(true)
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts the program with exactly `environment` (name=value pairs).
    init(_ configuration: Configuration, environment: [String]) throws {
        // Standard input is a socket pair, not a pipe, so writing to a child that has gone away
        // fails with EPIPE instead of raising SIGPIPE in this process.
        var input: [Int32] = [-1, -1]
        var output: [Int32] = [-1, -1]
        var errors: [Int32] = [-1, -1]
        #if canImport(Glibc)
        let streamType = Int32(SOCK_STREAM.rawValue)
        #else
        let streamType = SOCK_STREAM
        #endif
        func failure(_ what: String) -> CopilotError {
            for fd in input + output + errors where fd >= 0 { close(fd) }
            return CopilotError(code: .invalidConfiguration, message: "Could not start \(configuration.executable): \(what).")
        }
        guard socketpair(AF_UNIX, streamType, 0, &input) == 0 else { throw failure("no pipes (errno \(errno))") }
        guard pipe(&output) == 0 else { throw failure("no pipes (errno \(errno))") }
        if !configuration.mergeOutput, pipe(&errors) != 0 { throw failure("no pipes (errno \(errno))") }
        // The parent's ends must not leak into other children started meanwhile.
        for fd in [input[1], output[0], errors[0]] where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, configuration.mergeOutput ? output[1] : errors[1], 2)
        for fd in Set([input[0], output[1], errors[1]]) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        if let directory = configuration.workingDirectory {
            guard addChangeDirectory(&actions, directory) else { throw failure("this system cannot start a program in another folder") }
        }

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
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var child: pid_t = 0
        let status = withCStrings([configuration.executable] + configuration.arguments) { argv in
            withCStrings(environment) { envp in
                posix_spawn(&child, configuration.executable, &actions, &attributes, argv, envp)
            }
        }
        for fd in Set([input[0], output[1], errors[1]]) where fd >= 0 { close(fd) }
        guard status == 0 else {
            for fd in [input[1], output[0], errors[0]] where fd >= 0 { close(fd) }
            let reason = status == ENOENT ? "no such program or working directory" : String(cString: strerror(status))
            throw CopilotError(code: .invalidConfiguration, message: "Could not start \(configuration.executable): \(reason).")
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

    /// Whether the child has been reaped.
    package var hasExited: Bool { reaped.withLock { $0 } }

    // MARK: Input

    /// Writes `text` to the child's standard input and closes it.
    package func writeInput(_ text: String) {
        _ = write(text)
        closeInput()
    }

    /// Writes `text` to the child's standard input; `false` when the child no longer reads it.
    package func write(_ text: String) -> Bool {
        write(bytes: Array(text.utf8))
    }

    /// Writes `bytes` to the child's standard input; `false` when the child no longer reads it.
    package func write(bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                systemSend(stdinFD, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0, errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    /// Writes as much of `bytes` as the child's input takes without waiting: the count written (0
    /// when its buffer is full), or `nil` when the child no longer reads it. Messages that fit go
    /// out at once, with no thread to hand them to.
    package func writeWithoutWaiting(bytes: [UInt8]) -> Int? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                systemSend(stdinFD, buffer.baseAddress! + offset, buffer.count - offset, wait: false)
            }
            if written < 0, errno == EINTR { continue }
            if written < 0, errno == EAGAIN || errno == EWOULDBLOCK { break }
            if written <= 0 { return nil }
            offset += written
        }
        return offset
    }

    /// Closes the child's standard input (once; later calls do nothing).
    package func closeInput() {
        let open = inputOpen.withLock { open in
            defer { open = false }
            return open
        }
        if open { close(stdinFD) }
    }

    // MARK: Output

    /// Reads a pipe to its end on a thread of its own; keeps at most `limit` bytes.
    package func read(_ fd: Int32, limit: Int) async -> (String, Bool) {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var kept: [UInt8] = []
                var truncated = false
                var buffer = [UInt8](repeating: 0, count: 16 * 1024)
                while true {
                    let count = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, $0.count) }
                    if count < 0, errno == EINTR { continue }
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

    /// Reads standard error to its end on a thread of its own and passes each line to `line` (a
    /// line longer than 4 KB is cut there, so a peer cannot make it grow without bound).
    package func forwardErrorLines(_ line: @escaping @Sendable (String) -> Void) {
        let fd = stderrFD
        guard fd >= 0 else { return }
        Thread.detachNewThread {
            let limit = 4096
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                for byte in buffer[0..<count] {
                    if byte == UInt8(ascii: "\n") {
                        line(String(decoding: pending, as: UTF8.self))
                        pending.removeAll(keepingCapacity: true)
                    } else if pending.count < limit {
                        pending.append(byte)
                    }
                }
            }
            if !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
            close(fd)
        }
    }

    // MARK: Ending

    /// Waits for the child on a thread of its own; returns its exit status (128+signal when killed).
    package func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                continuation.resume(returning: waitForExitBlocking())
            }
        }
    }

    /// Blocks the calling thread until the child exits; returns its exit status (128+signal when
    /// killed). Only one caller may wait; later calls return the status the first one saw.
    package func waitForExitBlocking() -> Int32 {
        if let known = exitStatus.withLock({ $0 }) { return known }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, 0) } while result == -1 && errno == EINTR
        let code: Int32
        if result == pid {
            let exited = (status & 0x7f) == 0
            code = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        } else {
            code = 128 + SIGKILL
        }
        reaped.withLock { $0 = true }
        exitStatus.withLock { $0 = code }
        return code
    }

    /// Sends `signal` to the child's whole process group while the child has not been reaped (after
    /// that the group's id could name someone else's; ``ProcessOwner`` finds what is left by its mark).
    package func signalGroup(_ signal: Int32) {
        reaped.withLock { reaped in
            if !reaped { kill(-pid, signal) }
        }
    }
}

/// `posix_spawn_file_actions_addchdir_np`: in glibc since 2.29 and macOS since 10.15, but not in
/// the Glibc module Swift imports, so it is looked up by name there.
private func addChangeDirectory(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Bool {
    #if canImport(Darwin)
    return posix_spawn_file_actions_addchdir_np(&actions, directory) == 0
    #else
    typealias AddChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else { return false }
    let function = unsafeBitCast(symbol, to: AddChangeDirectory.self)
    return withUnsafeMutablePointer(to: &actions) { function($0, directory) } == 0
    #endif
}

func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}

private func systemSend(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, wait: Bool = true) -> Int {
    #if canImport(Glibc)
    send(fd, buffer, count, Int32(MSG_NOSIGNAL) | (wait ? 0 : Int32(MSG_DONTWAIT)))
    #else
    send(fd, buffer, count, wait ? 0 : MSG_DONTWAIT)
    #endif
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
