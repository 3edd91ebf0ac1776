import Foundation
import Testing
import VaultEngine

@Suite("Date rules")
struct DateRulesTests {
    @Test("ISO 8601 times with a zone are read exactly", arguments: [
        ("2027-06-30T12:00:00Z", 1_814_356_800.0),
        ("2027-06-30T12:00Z", 1_814_356_800.0),
        ("2027-06-30t12:00:00z", 1_814_356_800.0),
        ("2027-06-30T14:00:00+02:00", 1_814_356_800.0),
        ("2027-06-30T07:30:00-04:30", 1_814_356_800.0),
        ("2027-06-30T12:00:00.250Z", 1_814_356_800.25),
        ("1970-01-01T00:00:00Z", 0.0),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
        ("0001-01-01T00:00:00Z", -62_135_596_800.0),
        ("9999-12-31T23:59:59Z", 253_402_300_799.0),
    ])
    func accepted(text: String, seconds: Double) throws {
        #expect(try DateRules.parse(text, field: "--expires").timeIntervalSince1970 == seconds)
    }

    @Test("A date without a zone, with anything after it, or with no such day is refused with a clear message", arguments: [
        ("2027-06-30T12:00", "has no time zone"),
        ("2027-06-30T12:00:00", "has no time zone"),
        ("2027-06-30", "has no time and no zone"),
        ("2027-06-30T12:00:00Zgarbage", "has 'garbage' after its time zone"),
        ("2027-06-30T12:00:00+02:00 ", "after its time zone"),
        ("2027-06-30T12:00:00+0200", "is not an ISO 8601 time with a zone"),
        ("2027-13-01T00:00:00Z", "has no such month"),
        ("2027-02-29T00:00:00Z", "has no such day"),
        ("2027-06-30T24:00:00Z", "has no such time of day"),
        ("2027-06-30T12:00:00+24:00", "has no such time zone offset"),
        ("someday", "is not an ISO 8601 time with a zone"),
        ("", "is not an ISO 8601 time with a zone"),
        ("1893456000", "is not an ISO 8601 time with a zone"),
    ])
    func refused(text: String, message: String) throws {
        let error = try #require(throws: VaultError.self) { try DateRules.parse(text, field: "--expires") }
        #expect(error.reason == .invalidArgument)
        #expect(error.message.hasPrefix("--expires '"), "\(error.message)")
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test("The mount's spelling adds Unix seconds, and only digits")
    func unixSeconds() throws {
        #expect(try DateRules.parse("1893456000", field: "user.kv.exp", accepting: .iso8601OrUnixSeconds).timeIntervalSince1970 == 1_893_456_000)
        #expect(try DateRules.parse("-86400.5", field: "user.kv.exp", accepting: .iso8601OrUnixSeconds).timeIntervalSince1970 == -86_400.5)
        #expect(try DateRules.parse("2027-06-30T12:00:00Z", field: "user.kv.exp", accepting: .iso8601OrUnixSeconds).timeIntervalSince1970 == 1_814_356_800)
        for text in ["inf", "nan", "1e9", "2027-06-30", "99999999999999", "1.", "+5"] {
            let error = try #require(throws: VaultError.self, "\(text)") {
                try DateRules.parse(text, field: "user.kv.exp", accepting: .iso8601OrUnixSeconds)
            }
            #expect(error.reason == .invalidArgument)
        }
    }

    @Test("Audit windows use the same dates; an end before the start is refused")
    func auditWindow() throws {
        let store = try TestStore()
        let owner = TestStore.owner
        try store.engine.vaults.create(named: "dated", as: owner)
        try store.engine.flushAudit()
        let start = try DateRules.parse("2000-01-01T00:00:00Z", field: "--since")
        let end = try DateRules.parse("2000-01-02T00:00:00Z", field: "--until")
        #expect(try store.engine.audit.records(since: start, as: owner).count >= 1)
        #expect(try store.engine.audit.records(since: start, until: end, as: owner).isEmpty)
        #expect(try store.engine.audit.records(until: Date().addingTimeInterval(3600), as: owner).count >= 1)
        let error = try #require(throws: VaultError.self) { try store.engine.audit.records(since: end, until: start, as: owner) }
        #expect(error.reason == .invalidArgument)
    }
}
