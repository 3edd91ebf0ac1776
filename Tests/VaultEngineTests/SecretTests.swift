import Foundation
import Testing
import VaultEngine

@Suite("Secrets")
struct SecretTests {
    static let seeder = TestStore.seeder

    static func makeVault(_ options: VaultCreateOptions = VaultCreateOptions()) throws -> TestStore {
        let store = try TestStore()
        try store.makeVault(options: options)
        return store
    }

    @Test("Each set makes a new 32-hex version that becomes current; versions list oldest first")
    func versions() throws {
        let store = try Self.makeVault()
        var written: [String] = []
        for (i, value) in ["one", "two", "three"].enumerated() {
            store.clock.advance(by: 10)
            let p = try store.seed("db", value)
            #expect(isHexVersion(p.version), "\(p.version)")
            #expect(p.created == TestStore.start.addingTimeInterval(TimeInterval(10 * (i + 1))))
            #expect(p.valueLength == value.utf8.count)
            written.append(p.version)
        }
        #expect(Set(written).count == 3)
        let listed = try store.engine.objects(.secret).versions(vault: "vault1", name: "db", as: Self.seeder)
        #expect(listed.map(\.version) == written)
        #expect(try store.read("db") == "three")
        #expect(try store.read("db", version: written[0]) == "one")
        #expect(try store.read("db", version: written[1].uppercased()) == "two")
        let current = try store.engine.objects(.secret).properties(vault: "vault1", name: "db", as: Self.seeder)
        #expect(current.version == written[2])
        let old = try store.engine.objects(.secret).properties(vault: "vault1", name: "db", version: written[0], as: Self.seeder)
        #expect(old.valueLength == 3)
        #expect(try store.engine.objects(.secret).list(vault: "vault1", as: Self.seeder).map(\.version) == [written[2]])
    }

    @Test("Names are case-insensitive and keep the spelling first written")
    func caseInsensitive() throws {
        let store = try Self.makeVault()
        try store.seed("MySecret", "a")
        try store.seed("MYSECRET", "b")
        #expect(try store.read("mysecret") == "b")
        let list = try store.engine.objects(.secret).list(vault: "vault1", as: Self.seeder)
        #expect(list.map(\.name) == ["MySecret"])
        #expect(try store.engine.objects(.secret).versions(vault: "vault1", name: "mYsEcReT", as: Self.seeder).count == 2)
        #expect(try store.read("MySecret", in: "VAULT1") == "b")
    }

    @Test("Invalid names are refused before anything is stored", arguments: [
        "", "a_b", "a.b", "a b", "a/b", "../x", "é", "a\u{0}b", String(repeating: "x", count: 128),
    ])
    func invalidNames(name: String) throws {
        let store = try Self.makeVault()
        let error = vaultError { _ = try store.engine.secrets.set(vault: "vault1", name: name, value: [1], as: Self.seeder) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.azureCode == "BadParameter")
        #expect(try store.engine.objects(.secret).list(vault: "vault1", as: Self.seeder).isEmpty)
    }

    @Test("Valid edge names", arguments: ["a", "0", "-", "a-B-9", String(repeating: "x", count: 127)])
    func validNames(name: String) throws {
        let store = try Self.makeVault()
        try store.seed(name, "v")
        #expect(try store.read(name) == "v")
    }

    @Test("A value may be 25 KiB and no more", arguments: [(0, nil), (1, nil), (25_600, nil), (25_601, VaultError.Code.tooLarge), (1_000_000, .tooLarge)])
    func sizeLimit(size: Int, expected: VaultError.Code?) throws {
        let store = try Self.makeVault()
        let value = [UInt8].filled(size, 0x5a)
        #expect(code { _ = try store.engine.secrets.set(vault: "vault1", name: "big", value: value, as: Self.seeder) } == expected)
        if expected == nil {
            let secret = try store.engine.secrets.get(vault: "vault1", name: "big", as: Self.seeder)
            #expect(secret.value.bytes == value)
            #expect(secret.properties.valueLength == size)
        } else {
            #expect(try store.engine.objects(.secret).list(vault: "vault1", as: Self.seeder).isEmpty)
        }
    }

    enum BadAttributes: String, CaseIterable, Sendable {
        case contentType256, tags16, tagName257, tagValue257, emptyTagName, expiresBeforeNotBefore
        var attributes: NewVersionAttributes {
            switch self {
            case .contentType256: NewVersionAttributes(contentType: String(repeating: "c", count: 256))
            case .tags16: NewVersionAttributes(tags: Dictionary(uniqueKeysWithValues: (0..<16).map { ("t\($0)", "v") }))
            case .tagName257: NewVersionAttributes(tags: [String(repeating: "n", count: 257): "v"])
            case .tagValue257: NewVersionAttributes(tags: ["n": String(repeating: "v", count: 257)])
            case .emptyTagName: NewVersionAttributes(tags: ["": "v"])
            case .expiresBeforeNotBefore:
                NewVersionAttributes(notBefore: TestStore.start.addingTimeInterval(100), expires: TestStore.start)
            }
        }
        var update: AttributeUpdate {
            switch self {
            case .contentType256: AttributeUpdate(contentType: .some(String(repeating: "c", count: 256)))
            case .tags16: AttributeUpdate(tags: Dictionary(uniqueKeysWithValues: (0..<16).map { ("t\($0)", "v") }))
            case .tagName257: AttributeUpdate(tags: [String(repeating: "n", count: 257): "v"])
            case .tagValue257: AttributeUpdate(tags: ["n": String(repeating: "v", count: 257)])
            case .emptyTagName: AttributeUpdate(tags: ["": "v"])
            case .expiresBeforeNotBefore:
                AttributeUpdate(notBefore: .some(TestStore.start.addingTimeInterval(100)), expires: .some(TestStore.start))
            }
        }
    }

    @Test("Metadata limits hold at their edges")
    func metadataEdges() throws {
        let store = try Self.makeVault()
        let atLimit = NewVersionAttributes(
            contentType: String(repeating: "c", count: 255),
            tags: Dictionary(uniqueKeysWithValues: (0..<14).map { ("t\($0)", String(repeating: "v", count: 256)) })
                .merging([String(repeating: "n", count: 256): "x"]) { a, _ in a })
        let p = try store.seed("db", "x", attributes: atLimit)
        #expect(p.contentType?.count == 255)
        #expect(p.tags.count == 15)
        let props = try store.engine.objects(.secret).properties(vault: "vault1", name: "db", as: Self.seeder)
        #expect(props.tags == atLimit.tags)
        #expect(props.contentType == atLimit.contentType)
    }

    @Test("Bad attributes on set change nothing", arguments: BadAttributes.allCases)
    func badAttributesOnSet(bad: BadAttributes) throws {
        let store = try Self.makeVault()
        let first = try store.seed("db", "original")
        let error = vaultError { _ = try store.engine.secrets.set(vault: "vault1", name: "db", value: Array("new".utf8), attributes: bad.attributes, as: Self.seeder) }
        #expect(error?.code == .invalidArgument)
        #expect(code { _ = try store.engine.secrets.set(vault: "vault1", name: "other", value: [1], attributes: bad.attributes, as: Self.seeder) } == .invalidArgument)
        let versions = try store.engine.objects(.secret).versions(vault: "vault1", name: "db", as: Self.seeder)
        #expect(versions.map(\.version) == [first.version])
        #expect(try store.read("db") == "original")
        #expect(try store.engine.objects(.secret).list(vault: "vault1", as: Self.seeder).map(\.name) == ["db"])
        #expect(try store.engine.audit.verify(as: TestStore.owner).isIntact)
    }

    @Test("Bad attributes on update change nothing", arguments: BadAttributes.allCases)
    func badAttributesOnUpdate(bad: BadAttributes) throws {
        let store = try Self.makeVault()
        try store.seed("db", "original", attributes: NewVersionAttributes(contentType: "text/plain", tags: ["env": "prod"]))
        let before = try store.engine.objects(.secret).properties(vault: "vault1", name: "db", as: Self.seeder)
        store.clock.advance(by: 5)
        #expect(code { _ = try store.engine.objects(.secret).update(vault: "vault1", name: "db", bad.update, as: Self.seeder) } == .invalidArgument)
        #expect(try store.engine.objects(.secret).properties(vault: "vault1", name: "db", as: Self.seeder) == before)
        #expect(try store.engine.audit.verify(as: TestStore.owner).isIntact)
    }

    @Test("Update changes only what it names, never the value, and can target an old version")
    func update() throws {
        let store = try Self.makeVault()
        let v1 = try store.seed("db", "one", attributes: NewVersionAttributes(contentType: "text/plain", tags: ["a": "1"]))
        try store.seed("db", "two", attributes: NewVersionAttributes(contentType: "application/json", tags: ["b": "2"]))
        store.clock.advance(by: 30)
        let exp = TestStore.start.addingTimeInterval(86_400)
        let updated = try store.engine.objects(.secret).update(vault: "vault1", name: "db", version: v1.version,
                                                    AttributeUpdate(expires: .some(exp), tags: ["c": "3"]), as: Self.seeder)
        #expect(updated.version == v1.version)
        #expect(updated.expires == exp)
        #expect(updated.tags == ["c": "3"])
        #expect(updated.contentType == "text/plain")
        #expect(updated.updated == TestStore.start.addingTimeInterval(30))
        #expect(updated.created == TestStore.start)
        let current = try store.engine.objects(.secret).properties(vault: "vault1", name: "db", as: Self.seeder)
        #expect(current.tags == ["b": "2"])
        #expect(current.expires == nil)
        #expect(try store.read("db", version: v1.version) == "one")
        // `.some(nil)` clears.
        let cleared = try store.engine.objects(.secret).update(vault: "vault1", name: "db", AttributeUpdate(contentType: .some(nil)), as: Self.seeder)
        #expect(cleared.contentType == nil)
        #expect(cleared.tags == ["b": "2"])
    }

    @Test("A disabled secret is refused with SecretDisabled; its metadata stays readable")
    func disabled() throws {
        let store = try Self.makeVault()
        let v1 = try store.seed("db", "one")
        try store.seed("db", "two", attributes: NewVersionAttributes(enabled: false))
        let error = vaultError { _ = try store.read("db") }
        #expect(error?.code == .forbidden)
        #expect(error?.azureCode == "SecretDisabled")
        #expect(error?.message.contains("two") == false)
        #expect(try store.engine.objects(.secret).properties(vault: "vault1", name: "db", as: Self.seeder).enabled == false)
        #expect(try store.read("db", version: v1.version) == "one")
        try store.engine.objects(.secret).update(vault: "vault1", name: "db", AttributeUpdate(enabled: true), as: Self.seeder)
        #expect(try store.read("db") == "two")
        try store.engine.objects(.secret).update(vault: "vault1", name: "db", version: v1.version, AttributeUpdate(enabled: false), as: Self.seeder)
        #expect(code { _ = try store.read("db", version: v1.version) } == .forbidden)
        #expect(try store.read("db") == "two")
    }

    @Test("Expired and not-yet-valid secrets are still readable (their dates are informational)")
    func dates() throws {
        let store = try Self.makeVault()
        let past = TestStore.start.addingTimeInterval(-86_400)
        let future = TestStore.start.addingTimeInterval(86_400)
        let expired = try store.seed("expired", "old", attributes: NewVersionAttributes(notBefore: past.addingTimeInterval(-10), expires: past))
        try store.seed("early", "soon", attributes: NewVersionAttributes(notBefore: future))
        #expect(expired.expires == past)
        #expect(try store.read("expired") == "old")
        #expect(try store.read("early") == "soon")
        store.clock.advance(days: 2)
        #expect(try store.read("expired") == "old")
    }

    @Test("A soft-deleted name cannot be reused until it is recovered or purged")
    func deletedNameReuse() throws {
        let store = try Self.makeVault()
        try store.seed("db", "one")
        try store.seed("db", "two")
        store.clock.advance(by: 100)
        let deleted = try store.engine.objects(.secret).delete(vault: "vault1", name: "db", as: Self.seeder)
        #expect(deleted.deletedDate == TestStore.start.addingTimeInterval(100))
        #expect(deleted.scheduledPurgeDate == TestStore.start.addingTimeInterval(100 + 90 * 86_400))
        #expect(deleted.recoveryID == "https://vault1.kvfs.localhost/deletedsecrets/db")
        for name in ["db", "DB"] {
            let error = vaultError { _ = try store.engine.secrets.set(vault: "vault1", name: name, value: [1], as: Self.seeder) }
            #expect(error?.code == .deletedButRecoverable)
            #expect(error?.azureCode == "ObjectIsDeletedButRecoverable")
        }
        // Its content and metadata cannot be read while deleted; it is listed among deleted secrets.
        #expect(code { _ = try store.read("db") } == .notFound)
        #expect(code { _ = try store.engine.objects(.secret).properties(vault: "vault1", name: "db", as: Self.seeder) } == .notFound)
        #expect(code { _ = try store.engine.objects(.secret).versions(vault: "vault1", name: "db", as: Self.seeder) } == .notFound)
        #expect(code { _ = try store.engine.objects(.secret).update(vault: "vault1", name: "db", AttributeUpdate(enabled: false), as: Self.seeder) } == .notFound)
        #expect(code { _ = try store.engine.objects(.secret).delete(vault: "vault1", name: "db", as: Self.seeder) } == .notFound)
        #expect(try store.engine.objects(.secret).list(vault: "vault1", as: Self.seeder).isEmpty)
        #expect(try store.engine.objects(.secret).listDeleted(vault: "vault1", as: Self.seeder).map(\.properties.name) == ["db"])
        #expect(try store.engine.objects(.secret).deleted(vault: "vault1", name: "DB", as: Self.seeder).deletedDate == deleted.deletedDate)

        // Recover brings back every version.
        let recovered = try store.engine.objects(.secret).recover(vault: "vault1", name: "Db", as: Self.seeder)
        #expect(recovered.name == "db")
        #expect(try store.read("db") == "two")
        #expect(try store.engine.objects(.secret).versions(vault: "vault1", name: "db", as: Self.seeder).count == 2)
        #expect(try store.engine.objects(.secret).listDeleted(vault: "vault1", as: Self.seeder).isEmpty)
        #expect(code { _ = try store.engine.objects(.secret).recover(vault: "vault1", name: "db", as: Self.seeder) } == .notFound)

        // Purge frees the name for good.
        try store.engine.objects(.secret).delete(vault: "vault1", name: "db", as: Self.seeder)
        try store.engine.objects(.secret).purge(vault: "vault1", name: "db", as: Self.seeder)
        #expect(code { try store.engine.objects(.secret).purge(vault: "vault1", name: "db", as: Self.seeder) } == .notFound)
        #expect(code { _ = try store.engine.objects(.secret).deleted(vault: "vault1", name: "db", as: Self.seeder) } == .notFound)
        try store.seed("db", "fresh")
        #expect(try store.engine.objects(.secret).versions(vault: "vault1", name: "db", as: Self.seeder).count == 1)
        #expect(try store.read("db") == "fresh")
    }

    @Test("Purge protection refuses object purge but allows recovery; the object is purged at its date")
    func objectPurgeProtection() throws {
        let store = try Self.makeVault(VaultCreateOptions(retentionDays: 7, purgeProtection: true))
        try store.seed("db", "x")
        try store.seed("keep", "y")
        try store.engine.objects(.secret).delete(vault: "vault1", name: "db", as: Self.seeder)
        try store.engine.objects(.secret).delete(vault: "vault1", name: "keep", as: Self.seeder)
        let error = vaultError { try store.engine.objects(.secret).purge(vault: "vault1", name: "db", as: Self.seeder) }
        #expect(error?.code == .purgeProtected)
        try store.engine.objects(.secret).recover(vault: "vault1", name: "keep", as: Self.seeder)
        store.clock.advance(by: 7 * 86_400 - 1)
        #expect(code { try store.engine.objects(.secret).purge(vault: "vault1", name: "db", as: Self.seeder) } == .purgeProtected)
        store.clock.advance(by: 1)
        #expect(try store.engine.objects(.secret).listDeleted(vault: "vault1", as: Self.seeder).isEmpty)
        #expect(code { _ = try store.engine.objects(.secret).recover(vault: "vault1", name: "db", as: Self.seeder) } == .notFound)
        try store.seed("db", "again")
        #expect(try store.read("db") == "again")
        #expect(try store.read("keep") == "y")
    }

    @Test("Soft-deleted secrets are purged automatically after the retention period")
    func automaticPurge() throws {
        let store = try Self.makeVault(VaultCreateOptions(retentionDays: 30))
        try store.seed("db", "x")
        try store.engine.objects(.secret).delete(vault: "vault1", name: "db", as: Self.seeder)
        store.clock.advance(days: 29)
        try store.engine.housekeeping.run()
        #expect(try store.engine.objects(.secret).listDeleted(vault: "vault1", as: Self.seeder).count == 1)
        #expect(try store.sql("SELECT count(*) FROM objects") == "1")
        store.clock.advance(days: 1)
        try store.engine.housekeeping.run()
        #expect(try store.sql("SELECT count(*) FROM objects") == "0")
        #expect(try store.sql("SELECT count(*) FROM versions") == "0")
        let line = try #require(try store.auditLog().last)
        #expect(line.operationName == "SecretPurge")
        #expect(line.object == "db")
        #expect(line.caller.uid == UInt32.max)
        #expect(line.resultDescription?.contains("automatic purge") == true)
        #expect(try store.engine.audit.verify(as: TestStore.owner).isIntact)
    }

    @Test("A live vault's objects are never purged automatically, however old")
    func livesForever() throws {
        let store = try Self.makeVault(VaultCreateOptions(retentionDays: 7))
        try store.seed("db", "x")
        store.clock.advance(days: 3650)
        try store.engine.housekeeping.run()
        #expect(try store.read("db") == "x")
    }

    @Test("A run of bad requests leaves the secret, its versions and the audit chain intact")
    func badInputChangesNothing() throws {
        let store = try Self.makeVault()
        try store.seed("db", "good-1")
        let good = try store.seed("db", "good-2")
        let e = store.engine
        let attempts: [() throws -> Void] = [
            { _ = try e.secrets.set(vault: "vault1", name: "db", value: .filled(25_601), as: Self.seeder) },
            { _ = try e.secrets.set(vault: "vault1", name: "d b", value: [1], as: Self.seeder) },
            { _ = try e.secrets.set(vault: "vault1", name: "db", value: [1], attributes: NewVersionAttributes(contentType: String(repeating: "x", count: 300)), as: Self.seeder) },
            { _ = try e.secrets.set(vault: "vault1", name: "db", value: [1], as: TestStore.user(1999)) },
            { _ = try e.secrets.set(vault: "novault", name: "db", value: [1], as: Self.seeder) },
            { _ = try e.objects(.secret).update(vault: "vault1", name: "db", version: "nope", AttributeUpdate(enabled: false), as: Self.seeder) },
            { try e.objects(.secret).purge(vault: "vault1", name: "db", as: Self.seeder) },
            { _ = try e.objects(.secret).recover(vault: "vault1", name: "db", as: Self.seeder) },
        ]
        let expected: [VaultError.Code] = [.tooLarge, .invalidArgument, .invalidArgument, .accessDenied, .accessDenied, .notFound, .notFound, .notFound]
        for (attempt, expectedCode) in zip(attempts, expected) {
            #expect(code(of: attempt) == expectedCode)
        }
        let versions = try e.objects(.secret).versions(vault: "vault1", name: "db", as: Self.seeder)
        #expect(versions.count == 2)
        #expect(versions.last?.version == good.version)
        #expect(versions.allSatisfy { $0.enabled })
        #expect(try store.read("db") == "good-2")
        #expect(try store.sql("SELECT count(*) FROM versions") == "2")
        let verification = try e.audit.verify(as: TestStore.owner)
        #expect(verification.isIntact)
        #expect(try store.auditLog().filter { $0.resultType == "Failure" }.count == expected.count)
    }

    @Test("Values are binary-safe")
    func binary() throws {
        let store = try Self.makeVault()
        let value = (0..<512).map { UInt8($0 % 256) }
        try store.engine.secrets.set(vault: "vault1", name: "bin", value: value, as: Self.seeder)
        #expect(try store.engine.secrets.get(vault: "vault1", name: "bin", as: Self.seeder).value.bytes == value)
    }
}
