/// The data of one event type: its official type string, whether it is ephemeral, and the
/// ``SessionEvent/Payload`` case that carries it. Defining an event type is conforming to this
/// protocol and adding the type to ``SessionEvent/Payload/registry``; nothing else names its string.
public protocol SessionEventData: Sendable, Hashable, Codable {
    /// The official type string, e.g. `assistant.message`.
    static var eventType: String { get }
    /// Whether the official runtime marks events of this type ephemeral (streamed, never persisted).
    static var isEphemeral: Bool { get }
    /// This data as a payload.
    var payload: SessionEvent.Payload { get }
}

extension SessionEventData {
    public static var isEphemeral: Bool { false }

    /// The data when `payload` is of this type.
    public static func extract(from payload: SessionEvent.Payload) -> Self? {
        payload.accept(Extracting<Self>()) ?? nil
    }
}

/// Something done with a payload's typed data, generically (see ``SessionEvent/Payload/accept(_:)``).
package protocol SessionEventDataVisitor {
    associatedtype Result
    func visit<Data: SessionEventData>(_ data: Data) -> Result
}

struct Boxing: SessionEventDataVisitor {
    func visit<Data: SessionEventData>(_ data: Data) -> any SessionEventData { data }
}

struct TypeName: SessionEventDataVisitor {
    func visit<Data: SessionEventData>(_: Data) -> String { Data.eventType }
}

struct Ephemeral: SessionEventDataVisitor {
    func visit<Data: SessionEventData>(_: Data) -> Bool { Data.isEphemeral }
}

struct Extracting<Target: SessionEventData>: SessionEventDataVisitor {
    func visit<Data: SessionEventData>(_ data: Data) -> Target? { data as? Target }
}
