/// `text` on one line (its line breaks become spaces), cut to `limit` characters with `…`: for
/// errors, tool arguments and summaries shown in a terminal.
public func oneLine(_ text: String, limit: Int) -> String {
    let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    return flat.count > limit ? String(flat.prefix(max(1, limit - 1))) + "…" : flat
}
