/// How long provider HTTP calls may wait.
///
/// There is deliberately no total limit: a long answer may stream for minutes, so the useful
/// bounds are the time to connect and the gap between two received bytes.
public struct HTTPTimeouts: Sendable, Hashable {
    /// Time allowed to open the TCP (and TLS) connection.
    public var connect: Duration
    /// Longest silence allowed between two bytes of a response, including the wait for its head.
    public var idle: Duration

    public init(connect: Duration = .seconds(10), idle: Duration = .seconds(120)) {
        self.connect = connect
        self.idle = idle
    }

    /// Ten seconds to connect, two minutes of silence.
    public static let `default` = HTTPTimeouts()
}
