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
