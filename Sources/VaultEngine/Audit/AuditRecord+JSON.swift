/// The audit line's JSON, written by hand: keys sorted, no whitespace, strings escaped per RFC 8259.
/// JSONEncoder cost more than the rest of an audited read; the output is the same document.
extension AuditRecord {
    var jsonBody: String {
        var out = JSONWriter()
        out.begin()
        out.field("algorithm", algorithm)
        out.field("appliedAssignmentId", appliedAssignmentId)
        out.key("caller")
        out.begin()
        out.field("executable", caller.executable)
        out.field("gid", Int64(caller.gid))
        out.field("pid", Int64(caller.pid))
        out.field("uid", Int64(caller.uid))
        out.end()
        out.field("collection", collection)
        out.field("object", object)
        out.field("operationName", operationName)
        out.field("prev", prev)
        out.field("principal", principal)
        out.field("resultDescription", resultDescription)
        out.field("resultSignature", resultSignature)
        out.field("resultType", resultType)
        out.field("role", role)
        out.field("seq", seq)
        out.field("time", time)
        out.field("vault", vault)
        out.field("version", version)
        out.end()
        return out.text
    }
}

/// A minimal streaming JSON object writer.
struct JSONWriter {
    private(set) var text = ""
    private var needsComma = false

    mutating func begin() {
        if needsComma { text += "," }
        text += "{"
        needsComma = false
    }

    mutating func end() {
        text += "}"
        needsComma = true
    }

    mutating func key(_ name: String) {
        if needsComma { text += "," }
        text += "\"\(name)\":"
        needsComma = false
    }

    mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        JSONWriter.appendString(value, to: &text)
        needsComma = true
    }

    mutating func field(_ name: String, _ value: Int64) {
        key(name)
        text += String(value)
        needsComma = true
    }

    static func appendString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
