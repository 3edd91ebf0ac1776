import Foundation
import Testing
import VaultEngine

/// A row changed behind the engine's back is `.corrupted` for the calls that read it, never a crash, and the
/// rest of the store keeps working.
@Suite("Damaged rows", .enabled(if: SQLiteCLI.isInstalled))
struct DamagedRowTests {
    @Test("a damaged version column is corrupted, not a crash", arguments: [
        "created = 1e300", "created = 'garbage'", "updated = -1e20", "expires = 'x'", "value_length = -5",
        "value_length = 99999999999", "tags = 'not json'", "enabled = 'maybe'",
    ])
    func damagedVersion(edit: String) throws {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("damaged", "v1")
        try store.seed("intact", "v2")
        try store.sql("UPDATE versions SET \(edit) WHERE object_id = (SELECT id FROM objects WHERE name_key = 'damaged')")
        #expect(code { _ = try store.read("damaged") } == .corrupted)
        #expect(try store.read("intact") == "v2")
    }

    @Test("a principal whose uid does not fit a uid is corrupted, not bound to another uid")
    func damagedPrincipal() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("s", "v")
        try store.sql("UPDATE principals SET unix_id = 4294967296 + 5000")
        let fresh = try store.openAnotherEngine()
        #expect(code { _ = try fresh.secrets.get(vault: "vault1", name: "s", as: TestStore.seeder) } == .corrupted)
    }

    @Test("a vault row with an impossible date is corrupted for the calls that read it")
    func damagedVault() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.sql("UPDATE vaults SET updated = 'later'")
        #expect(code { _ = try store.engine.vaults.show(named: "vault1", as: TestStore.owner) } == .corrupted)
    }
}

/// Dates enter kvfs only within years 0001–9999: anything else is refused at the door and nothing is stored.
@Suite("Dates at the door")
struct DateRangeTests {
    static let outOfRange: [Double] = [1e300, -1e300, .infinity, -.infinity, .nan, 253_402_300_800, -62_135_596_801]

    @Test("set, update and key requests refuse dates a conversion could not hold", arguments: outOfRange)
    func refused(seconds: Double) throws {
        let store = try TestStore()
        try store.makeVault()
        let admin = TestStore.seeder
        let date = Date(timeIntervalSince1970: seconds)
        #expect(code { try store.engine.secrets.set(vault: "vault1", name: "s", value: [1],
                                                     attributes: NewVersionAttributes(notBefore: date), as: admin) } == .invalidArgument)
        try store.seed("s", "v")
        #expect(code { try store.engine.objects(.secret).update(vault: "vault1", name: "s", AttributeUpdate(expires: .some(date)),
                                                                 as: admin) } == .invalidArgument)
        try store.engine.keys.create(vault: "vault1", name: "k", KeyCreateOptions(.ec(.p256)), as: admin)
        #expect(code { try store.engine.keys.update(vault: "vault1", name: "k", KeyUpdate(attributes: AttributeUpdate(notBefore: .some(date))),
                                                     as: admin) } == .invalidArgument)
        // The key still signs: nothing out of range was stored.
        _ = try store.engine.keys.sign(vault: "vault1", name: "k", algorithm: .es256, digest: [UInt8](repeating: 1, count: 32), as: admin)
        #expect(try store.engine.objects(.secret).properties(vault: "vault1", name: "s", as: admin).expires == nil)
    }

    @Test("the ends of the range are accepted")
    func ends() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.engine.secrets.set(vault: "vault1", name: "s", value: [1],
                                     attributes: NewVersionAttributes(notBefore: Date(timeIntervalSince1970: -62_135_596_800),
                                                                      expires: Date(timeIntervalSince1970: 253_402_300_799)),
                                     as: TestStore.seeder)
        #expect(try store.read("s") == "\u{1}")
    }
}
