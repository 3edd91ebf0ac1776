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
