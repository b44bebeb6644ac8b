/// The one rule for session ids, which name folders and rows in the stores and travel in every
/// protocol call: 1 to 128 ASCII letters, digits, `.`, `_` and `-`, not starting with a dot (so an
/// id is never `.`, `..` or a hidden folder). The UUIDs the SDKs generate always qualify.
package enum SessionIdentifier {
    package static let maxLength = 128

    /// Why `id` is not a valid session id, or `nil` when it is.
    package static func problem(with id: String) -> String? {
        let bytes = id.utf8
        guard !bytes.isEmpty else { return "a session id cannot be empty" }
        guard bytes.count <= maxLength else { return "a session id has at most \(maxLength) characters" }
        guard bytes.first != UInt8(ascii: ".") else { return "a session id cannot start with a dot" }
        let allowed = bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
        return allowed ? nil : "a session id may only hold letters, digits, '.', '_' and '-'"
    }
}
