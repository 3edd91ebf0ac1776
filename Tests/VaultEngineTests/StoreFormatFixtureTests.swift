import Foundation
import Testing
@testable import VaultEngine

/// The golden store of format version 1 (made by scripts/make-store-fixture.sh) must keep opening and
/// reading exactly as written, whatever later versions of the engine change.
@Suite struct StoreFormatFixtureTests {
    let directory: String
    let location: StoreLocation
    let clock: ManualClock

    init() throws {
        let fixture = try #require(Bundle.module.url(forResource: "Fixtures/store-v1", withExtension: nil))
        directory = NSTemporaryDirectory() + "kvfs-fixture-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try FileManager.default.copyItem(atPath: fixture.path + "/kvfs.db", toPath: directory + "/kvfs.db")
        chmod(directory + "/kvfs.db", 0o600)
        location = StoreLocation(directory: directory, masterKeyFile: fixture.path + "/fixture-master-key.hex")
        let created = try String(contentsOfFile: fixture.path + "/created-at", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let start = try #require(ISO8601DateFormatter().date(from: created))
        clock = ManualClock(start.addingTimeInterval(86_400))
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }

    @Test func opensAndReadsEveryRecord() throws {
        defer { cleanUp() }
        let engine = try VaultEngine(opening: location, clock: clock)
        let app = Caller(uid: 4242, gid: 4242)
        let ops = Caller(uid: 5000, gid: 5000, groups: [4343])
        let root = Caller(uid: 0, gid: 0)

        let secret = try engine.secrets.get(vault: "fixture", name: "DB-PASSWORD", as: app)
        #expect(secret.value.bytes == Array("second-value".utf8))
        #expect(secret.properties.contentType == "text/plain")
        #expect(secret.properties.tags == ["env": "test"])
        #expect(secret.properties.recoverableDays == 30)
        #expect(secret.properties.recoveryLevel == "CustomizedRecoverable+Purgeable")

        let versions = try engine.objects(.secret).versions(vault: "fixture", name: "db-password", as: ops)
        #expect(versions.count == 2)
        let first = try engine.secrets.get(vault: "fixture", name: "db-password", version: versions[0].version, as: app)
        #expect(first.value.bytes == Array("first-value".utf8))

        let deleted = try engine.objects(.secret).listDeleted(vault: "fixture", as: ops)
        #expect(deleted.map(\.properties.name) == ["old-token"])
        #expect(throws: VaultError(.notFound, "")) { try engine.secrets.get(vault: "fixture", name: "old-token", as: app) }

        #expect(try engine.access.principals(as: root).map(\.name) == ["app", "ops", "root"])
        #expect(try engine.access.assignments(as: root).count == 3)
        #expect(try engine.audit.verify(as: root).isIntact)
    }

    /// Certificate contacts and issuers came after format 1: a store of format 1 without their table reads
    /// as having none, opening it still writes nothing, and the first contact or issuer creates the table.
    @Test func gainsCertificateSettingsOnFirstWrite() throws {
        defer { cleanUp() }
        let root = Caller(uid: 0, gid: 0)
        let engine = try VaultEngine(opening: location, clock: clock)
        #expect(try engine.certificates.contacts(vault: "fixture", as: root).contacts.isEmpty)
        #expect(try engine.certificates.issuers(vault: "fixture", as: root).isEmpty)
        #expect(throws: VaultError(.notFound, "")) { try engine.certificates.deleteIssuer(vault: "fixture", name: "ca", as: root) }
        #expect(try engine.certificates.deleteContacts(vault: "fixture", as: root).contacts.isEmpty)
        try engine.certificates.addContact(vault: "fixture", CertificateContact(email: "ops@example.com"), as: root)
        try engine.certificates.setIssuer(vault: "fixture", name: "ca", CertificateIssuerRequest(provider: "Unknown"), as: root)
        let reopened = try VaultEngine(opening: location, clock: clock)
        #expect(try reopened.certificates.contacts(vault: "fixture", as: root).contacts.map(\.email) == ["ops@example.com"])
        #expect(try reopened.certificates.issuers(vault: "fixture", as: root).map(\.name) == ["ca"])
        #expect(try reopened.audit.verify(as: root).isIntact)
    }

    /// Format 2 added the change feed. A format-1 store opens with an empty feed and stays format 1 while only
    /// read; its first write migrates it (table, triggers, `meta.format` = 2) in that write's transaction, and
    /// that write is the feed's first change.
    @Test func migratesToFormat2OnFirstWrite() throws {
        defer { cleanUp() }
        let root = Caller(uid: 0, gid: 0)
        let engine = try VaultEngine(opening: location, clock: clock)
        _ = try engine.secrets.get(vault: "fixture", name: "db-password", as: Caller(uid: 4242, gid: 4242))
        #expect(try engine.changes.latest() == 0)
        try engine.flushAudit()
        #expect(try SQLiteCLI.run(database: directory + "/kvfs.db", "SELECT value FROM meta WHERE key = 'format'") == "1")
        _ = try engine.secrets.set(vault: "fixture", name: "db-password", value: Array("third-value".utf8), as: root)
        #expect(try SQLiteCLI.run(database: directory + "/kvfs.db", "SELECT value FROM meta WHERE key = 'format'") == "2")
        let page = try engine.changes.changes(after: 0)
        #expect(!page.changes.isEmpty && page.changes.allSatisfy { $0.vault == "fixture" && $0.kind == .secret && $0.name == "db-password" })
        let reopened = try VaultEngine(opening: location, clock: clock)
        #expect(try reopened.secrets.get(vault: "fixture", name: "db-password", as: root).value.bytes == Array("third-value".utf8))
        #expect(try reopened.changes.latest() == page.latest)
        #expect(try reopened.audit.verify(as: root).isIntact)
    }

    /// The golden store of format 2 opens, reads as written, and holds the feed its making wrote.
    @Test func formatTwoFixtureOpensWithItsFeed() throws {
        defer { cleanUp() }
        let fixture = try #require(Bundle.module.url(forResource: "Fixtures/store-v2", withExtension: nil))
        let copy = directory + "/v2"
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try FileManager.default.copyItem(atPath: fixture.path + "/kvfs.db", toPath: copy + "/kvfs.db")
        let engine = try VaultEngine(opening: StoreLocation(directory: copy, masterKeyFile: fixture.path + "/fixture-master-key.hex"), clock: clock)
        let root = Caller(uid: 0, gid: 0)
        #expect(try engine.secrets.get(vault: "fixture", name: "DB-PASSWORD", as: Caller(uid: 4242, gid: 4242)).value.bytes == Array("second-value".utf8))
        let page = try engine.changes.changes(after: 0)
        #expect(ChangeFeedTests.touched(page) == ["fixture/-/-", "fixture/secret/db-password", "fixture/secret/old-token"])
        #expect(try engine.audit.verify(as: root).isIntact)
    }

    @Test func wrongKeyIsRefused() throws {
        defer { cleanUp() }
        let keyFile = directory + "/other.key"
        try (String(repeating: "ab", count: 32) + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        #expect(throws: VaultError(.wrongMasterKey, "")) {
            _ = try VaultEngine(opening: StoreLocation(directory: directory, masterKeyFile: keyFile), clock: clock)
        }
    }
}
