import Foundation
import Testing
@testable import VaultEngine

/// The audit line is written by hand; it must be the JSON document JSONDecoder reads back, whatever a
/// caller-controlled string (an object name that failed validation, an executable path) contains.
@Suite struct AuditJSONTests {
    @Test(arguments: ["plain", "quote \" backslash \\ slash /", "line\nbreak\r\ttab", "\u{01}\u{1f}\u{7f}", "ünïcödé ✓ 🔑", ""])
    func roundTrips(_ text: String) throws {
        let record = AuditRecord(
            seq: 42, time: "2026-11-29T02:21:09.098Z", operationName: "SecretGet", resultType: "Failure",
            resultSignature: "BadParameter", resultDescription: text, vault: "v1", collection: "secrets", object: text,
            version: nil, algorithm: nil,
            caller: AuditCaller(Caller(uid: 1001, gid: 1002, pid: 77, executable: "/usr/bin/" + text)),
            principal: text, appliedAssignmentId: nil, role: nil, prev: String(repeating: "0", count: 64))
        let body = record.jsonBody
        let decoded = try JSONDecoder().decode(AuditRecord.self, from: Data(body.utf8))
        #expect(decoded == record)
        #expect(!body.contains("\n"), "one line per record")
    }
}

/// A request written on a control file another process opened: the line names the opener as the caller and
/// the writer inside it, and reads back as written.
@Suite struct AuditWriterTests {
    @Test func theWriterIsRecordedWithTheOpener() throws {
        var opener = Caller(uid: 1001, gid: 1002, pid: 77, executable: "/usr/bin/opener")
        #expect(opener.written(by: opener).writer == nil, "the opener writing itself names no writer")
        opener = opener.written(by: Caller(uid: 2001, gid: 2001, pid: 88, executable: "/usr/bin/writer"))
        let record = AuditRecord(
            seq: 1, time: "2026-12-02T00:00:00.000Z", operationName: "KeySign", resultType: "Success",
            resultSignature: nil, resultDescription: nil, vault: "v1", collection: "keys", object: "k",
            version: nil, algorithm: "ES256", caller: AuditCaller(opener), principal: "p", appliedAssignmentId: nil,
            role: nil, prev: String(repeating: "0", count: 64))
        let body = record.jsonBody
        #expect(body.contains(#""caller":{"executable":"/usr/bin/opener","gid":1002,"pid":77,"uid":1001,"writer":{"executable":"/usr/bin/writer","gid":2001,"pid":88,"uid":2001}}"#))
        #expect(try JSONDecoder().decode(AuditRecord.self, from: Data(body.utf8)) == record)
    }
}
