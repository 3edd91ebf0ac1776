import Foundation
import Testing
import VaultEngine

/// Errors that help (issue 14, part 4): the Owner learns that a vault does not exist; nobody else does.
@Suite("Errors that help")
struct HelpfulErrorTests {
    static let owner = TestStore.owner

    /// Data operations of each shape of target on a vault that does not exist.
    static let onMissingVault: [(String, @Sendable (VaultEngine, Caller) throws -> Void)] = [
        ("secret get", { e, c in _ = try e.secrets.get(vault: "nosuch", name: "s", as: c) }),
        ("secret set", { e, c in _ = try e.secrets.set(vault: "nosuch", name: "s", value: Array("v".utf8), as: c) }),
        ("secret list", { e, c in _ = try e.objects(.secret).list(vault: "nosuch", as: c) }),
        ("key get", { e, c in _ = try e.keys.get(vault: "nosuch", name: "k", as: c) }),
        ("certificate list-deleted", { e, c in _ = try e.objects(.certificate).listDeleted(vault: "nosuch", as: c) }),
        ("secret show-deleted", { e, c in _ = try e.objects(.secret).deleted(vault: "nosuch", name: "s", as: c) }),
        ("key backup", { e, c in _ = try e.backups.backup(.key, vault: "nosuch", name: "k", as: c) }),
    ]

    @Test("The Owner is told a data command's vault does not exist", arguments: 0..<onMissingVault.count)
    func ownerLearnsVaultIsMissing(_ index: Int) throws {
        let store = try TestStore()
        try store.makeVault("app")
        let (what, call) = Self.onMissingVault[index]
        let error = vaultError { try call(store.engine, Self.owner) }
        #expect(error?.reason == .vaultNotFound, "\(what): \(String(describing: error))")
        #expect(error?.message.contains("nosuch") == true)
    }

    @Test("A data caller who is not the Owner is refused the same way whether or not the vault exists",
          arguments: 0..<onMissingVault.count)
    func noExistenceOracleForOthers(_ index: Int) throws {
        let store = try TestStore()
        try store.makeVault("app")
        try store.grant(.administrator, toUser: 1001, at: "/vaults/app")
        let (what, call) = Self.onMissingVault[index]
        // Administrator of another vault: holds roles, just not there.
        #expect(code { try call(store.engine, TestStore.user(1001)) } == .accessDenied, "\(what)")
        #expect(code { try call(store.engine, TestStore.user(1002)) } == .accessDenied, "\(what)")
    }

    @Test("The Owner without a role on an existing vault is still refused access (managing is not reading)")
    func ownerStillNeedsARole() throws {
        let store = try TestStore()
        try store.makeVault("app")
        try store.seed("s", "v", in: "app")
        #expect(code { _ = try store.engine.secrets.get(vault: "app", name: "s", as: Self.owner) } == .accessDenied)
        // A soft-deleted vault is not found for the Owner either.
        try store.makeVault("gone")
        try store.engine.vaults.delete(named: "gone", as: Self.owner)
        #expect(vaultError { _ = try store.engine.secrets.get(vault: "gone", name: "s", as: Self.owner) }?.reason == .vaultNotFound)
    }

    @Test("The refusal is audited with its reason")
    func missingVaultIsAudited() throws {
        let store = try TestStore()
        try store.makeVault("app")
        _ = vaultError { _ = try store.engine.secrets.get(vault: "nosuch", name: "s", as: Self.owner) }
        try store.engine.flushAudit()
        let lines = try store.engine.audit.records(vault: "nosuch", as: Self.owner).map(decodeAudit)
        #expect(lines.last?.operationName == "SecretGet")
        #expect(lines.last?.resultType == "Failure")
        #expect(lines.last?.resultSignature == "VaultNotFound")
    }

    // MARK: master key files given to `initialize`

    @Test("A missing master key file is created 0600 (with its directory) and opens the store")
    func missingKeyFileIsCreated() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-keyfile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let keyFile = root + "/etc/kvfs/master.key"
        let location = StoreLocation(directory: root + "/store", masterKeyFile: keyFile)
        let engine = try VaultEngine.initialize(at: location)
        try engine.vaults.create(named: "app", as: Self.owner)
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((try FileManager.default.attributesOfItem(atPath: root + "/etc/kvfs")[.posixPermissions] as? Int) == 0o700)
        #expect(!FileManager.default.fileExists(atPath: location.defaultMasterKeyPath))
        #expect(try VaultEngine(opening: location).vaults.list(as: Self.owner).map(\.name) == ["app"])
    }

    @Test("An existing master key file that its group or others may read is refused; nothing is created",
          arguments: [0o644, 0o640, 0o604, 0o660, 0o602])
    func sharedKeyFileIsRefused(_ mode: Int) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-keyfile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let keyFile = root + "/master.key"
        FileManager.default.createFile(atPath: keyFile, contents: Data(String(repeating: "ab", count: 32).utf8),
                                       attributes: [.posixPermissions: mode])
        let location = StoreLocation(directory: root + "/store", masterKeyFile: keyFile)
        let error = vaultError { try VaultEngine.initialize(at: location) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("chmod 600") == true)
        #expect(!FileManager.default.fileExists(atPath: location.databasePath))
        #expect(FileManager.default.fileExists(atPath: keyFile), "the refused file is left alone")
    }

    @Test("An existing private master key file is used as it is")
    func privateKeyFileIsUsed() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-keyfile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let keyFile = root + "/master.key"
        let text = String(repeating: "ab", count: 32) + "\n"
        FileManager.default.createFile(atPath: keyFile, contents: Data(text.utf8), attributes: [.posixPermissions: 0o400])
        let location = StoreLocation(directory: root + "/store", masterKeyFile: keyFile)
        try VaultEngine.initialize(at: location)
        #expect(try String(contentsOfFile: keyFile, encoding: .utf8) == text)
    }

    @Test("A key file created for a store that could not be made is removed again")
    func createdKeyFileIsRemovedOnFailure() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-keyfile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let keyFile = root + "/master.key"
        // A directory where initialize writes its temporary database: the database step fails after the key
        // file was made.
        let location = StoreLocation(directory: root + "/store", masterKeyFile: keyFile)
        try FileManager.default.createDirectory(atPath: location.databasePath + ".tmp-\(getpid())/x", withIntermediateDirectories: true)
        #expect(vaultError { try VaultEngine.initialize(at: location) } != nil)
        #expect(!FileManager.default.fileExists(atPath: keyFile))
    }
}
