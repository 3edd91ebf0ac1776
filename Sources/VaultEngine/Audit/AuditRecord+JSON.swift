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
        if let workload = caller.workload {
            out.key("workload")
            out.begin()
            out.field("containerID", workload.containerID)
            out.field("executable", workload.executable)
            out.field("executableSHA256", workload.executableSHA256)
            out.field("podNamespace", workload.podNamespace)
            out.field("podServiceAccount", workload.podServiceAccount)
            out.field("podUID", workload.podUID)
            out.field("systemdUnit", workload.systemdUnit)
            out.end()
        }
        if let writer = caller.writer {
            out.key("writer")
            out.begin()
            out.field("executable", writer.executable)
            out.field("gid", Int64(writer.gid))
            out.field("pid", Int64(writer.pid))
            out.field("uid", Int64(writer.uid))
            out.end()
        }
        out.end()
        out.field("collection", collection)
        if let count { out.field("count", count) }
        out.field("lastTime", lastTime)
        out.field("object", object)
        out.field("operationName", operationName)
        if let otherPids { out.field("otherPids", otherPids.map(Int64.init)) }
        if let pidCount { out.field("pidCount", pidCount) }
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

/// A minimal streaming JSON object writer over UTF-8 bytes.
struct JSONWriter {
    private var bytes: [UInt8] = []
    private var needsComma = false

    init() { bytes.reserveCapacity(512) }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func begin() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func end() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func key(_ name: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: "\":".utf8)
        needsComma = false
    }

    mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        JSONWriter.appendString(value, to: &bytes)
        needsComma = true
    }

    mutating func field(_ name: String, _ value: Int64) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    mutating func field(_ name: String, _ values: [Int64]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: String(value).utf8)
        }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A JSON string: quote and backslash escaped, control characters as escapes, everything else as UTF-8.
    static func appendString(_ value: String, to bytes: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
            case 0x0a: bytes.append(contentsOf: "\\n".utf8)
            case 0x0d: bytes.append(contentsOf: "\\r".utf8)
            case 0x09: bytes.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0f)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
