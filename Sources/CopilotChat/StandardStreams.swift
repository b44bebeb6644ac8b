import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard output and standard error, written with `write(2)`. A write that fails (a closed pipe,
/// a full disk) is an error the command turns into an exit status, never a trap as with
/// `FileHandle.write`, and never lost in silence as with `print`.
package enum StandardStreams {
    /// Standard output could not take what the command printed.
    package struct WriteError: Error, CustomStringConvertible {
        package var code: Int32
        package var description: String { "could not write to standard output: \(String(cString: strerror(code)))" }
    }

    /// The exit status of a command whose output could not be written (BSD's EX_IOERR).
    package static let outputFailedStatus: Int32 = 74

    /// Writes `text` to standard output.
    package static func out(_ text: String) throws(WriteError) {
        if let code = write(text, to: STDOUT_FILENO) { throw WriteError(code: code) }
    }

    /// Writes `text` to standard error, as far as it goes: when standard error itself fails there is
    /// nowhere left to say so.
    package static func err(_ text: String) {
        _ = write(text, to: STDERR_FILENO)
    }

    /// A closed pipe is an `EPIPE` error for the writer to report, not a signal that ends the process.
    package static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Writes all of `text` to `descriptor` (retrying interrupted and partial writes); the `errno` of
    /// a failed write, or nil. The one write loop of the CLI and the chat.
    package static func write(_ text: String, to descriptor: Int32) -> Int32? {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { buffer in
                #if canImport(Glibc)
                Glibc.write(descriptor, buffer.baseAddress, buffer.count)
                #else
                Darwin.write(descriptor, buffer.baseAddress, buffer.count)
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            bytes = bytes.dropFirst(written)
        }
        return nil
    }
}
