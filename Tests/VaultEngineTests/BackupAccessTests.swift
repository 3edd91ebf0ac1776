import Foundation
import Testing
@testable import VaultEngine

/// Who may back up and restore, against akv-semantics.md §1 written out by hand: backup needs the family's
/// backup action (object scope is enough), restore the family's restore action at vault scope.
@Suite("Backup and restore: roles")
struct BackupAccessTests {
    struct Row: Sendable, CustomStringConvertible {
        var role: BuiltInRole
        var secretBackup: Bool
        var secretRestore: Bool
        var keyBackup: Bool
        var keyRestore: Bool
        var description: String { role.name }
    }

    static let table: [Row] = [
        Row(role: .administrator, secretBackup: true, secretRestore: true, keyBackup: true, keyRestore: true),
        Row(role: .reader, secretBackup: false, secretRestore: false, keyBackup: false, keyRestore: false),
        Row(role: .secretsOfficer, secretBackup: true, secretRestore: true, keyBackup: false, keyRestore: false),
        Row(role: .secretsUser, secretBackup: false, secretRestore: false, keyBackup: false, keyRestore: false),
        Row(role: .certificatesOfficer, secretBackup: false, secretRestore: false, keyBackup: false, keyRestore: false),
        Row(role: .certificateUser, secretBackup: false, secretRestore: false, keyBackup: false, keyRestore: false),
        Row(role: .cryptoOfficer, secretBackup: false, secretRestore: false, keyBackup: true, keyRestore: true),
        Row(role: .cryptoUser, secretBackup: false, secretRestore: false, keyBackup: true, keyRestore: false),
        Row(role: .cryptoServiceEncryptionUser, secretBackup: false, secretRestore: false, keyBackup: false, keyRestore: false),
        Row(role: .cryptoServiceReleaseUser, secretBackup: false, secretRestore: false, keyBackup: false, keyRestore: false),
        Row(role: .dataAccessAdministrator, secretBackup: false, secretRestore: false, keyBackup: false, keyRestore: false),
        Row(role: .auditReader, secretBackup: false, secretRestore: false, keyBackup: false, keyRestore: false),
    ]

    @Test func everyRoleIsInTheTable() {
        #expect(Set(BackupAccessTests.table.map(\.role.name)) == Set(BuiltInRole.all.map(\.name)))
    }

    @Test(arguments: table) func vaultScope(_ row: Row) throws {
        let store = try TestStore()
        try store.makeVault("src")
        try store.makeVault("dst")
        let engine = store.engine
        try store.seed("s", "v", in: "src")
        try engine.keys.create(vault: "src", name: "k", KeyCreateOptions(.ec(.p256)), as: TestStore.seeder)
        let secretBlob = try engine.backups.backup(.secret, vault: "src", name: "s", as: TestStore.seeder)
        let keyBlob = try engine.backups.backup(.key, vault: "src", name: "k", as: TestStore.seeder)

        let caller = TestStore.user(7100)
        try store.grant(row.role, toUser: caller.uid, at: "/vaults/src")
        try store.grant(row.role, toUser: caller.uid, at: "/vaults/dst")
        func allowed(_ body: () throws -> Void) -> Bool {
            let result = code(of: body)
            #expect(result == nil || result == .accessDenied, "\(row.role.name): \(String(describing: result))")
            return result == nil
        }
        #expect(allowed { _ = try engine.backups.backup(.secret, vault: "src", name: "s", as: caller) } == row.secretBackup)
        #expect(allowed { _ = try engine.backups.backup(.key, vault: "src", name: "k", as: caller) } == row.keyBackup)
        #expect(allowed { try engine.backups.restore(.secret, vault: "dst", blob: secretBlob, as: caller) } == row.secretRestore)
        #expect(allowed { try engine.backups.restore(.key, vault: "dst", blob: keyBlob, as: caller) } == row.keyRestore)
        let vaultWide = row.role == .administrator
        #expect(allowed { _ = try engine.backups.backupVault(named: "src", as: caller) } == vaultWide)
    }

    @Test func objectScopeAllowsBackupButNotRestore() throws {
        let store = try TestStore()
        try store.makeVault("src")
        try store.makeVault("dst")
        try store.seed("s", "v", in: "src")
        let blob = try store.engine.backups.backup(.secret, vault: "src", name: "s", as: TestStore.seeder)
        let caller = TestStore.user(7200)
        try store.grant(.secretsOfficer, toUser: caller.uid, at: "/vaults/src/secrets/s")
        try store.grant(.secretsOfficer, toUser: caller.uid, at: "/vaults/dst/secrets/s")
        _ = try store.engine.backups.backup(.secret, vault: "src", name: "s", as: caller)
        #expect(code { try store.engine.backups.restore(.secret, vault: "dst", blob: blob, as: caller) } == .accessDenied)
        #expect(try store.engine.objects(.secret).list(vault: "dst", as: TestStore.seeder).isEmpty)
    }

    @Test func theOwnerHasNoDataAccessAndDenialsAreAudited() throws {
        let store = try TestStore()
        try store.makeVault("src")
        try store.seed("s", "v", in: "src")
        #expect(code { _ = try store.engine.backups.backup(.secret, vault: "src", name: "s", as: TestStore.owner) } == .accessDenied)
        #expect(code { _ = try store.engine.backups.backupVault(named: "src", as: TestStore.owner) } == .accessDenied)
        let log = try store.auditLog()
        #expect(log.contains { $0.operationName == "SecretBackup" && $0.resultType == "Failure" && $0.resultSignature == "ForbiddenByRbac" })
        #expect(log.contains { $0.operationName == "VaultBackup" && $0.resultType == "Failure" })
    }
}
