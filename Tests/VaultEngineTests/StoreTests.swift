import Foundation
import Testing
import VaultEngine

@Suite("Store")
struct StoreTests {
    static let owner = TestStore.owner
    static let seeder = TestStore.seeder

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// A temporary directory removed when the returned value goes away.
    final class TempDir: @unchecked Sendable {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-store-tests-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    static func writeKey(_ path: String, byte: UInt8 = 0xab) throws {
        let hex = String(repeating: String(format: "%02x", byte), count: 32) + "\n"
        try hex.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o600)
    }

    @Test("init creates the directory 0700, the database 0600 and master.key 0600 with 64 hex characters")
    func modes() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("db", "x")
        #expect(Self.mode(store.location.directory) == 0o700)
        #expect(Self.mode(store.databasePath) == 0o600)
        #expect(Self.mode(store.location.defaultMasterKeyPath) == 0o600)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: store.databasePath + suffix) {
            #expect(Self.mode(store.databasePath + suffix) == 0o600, "\(suffix)")
        }
        let key = try String(contentsOfFile: store.location.defaultMasterKeyPath, encoding: .utf8)
        #expect(key.count == 65)
        #expect(key.hasSuffix("\n"))
        #expect(key.dropLast().allSatisfy { $0.isHexDigit })
        // No temporary files are left behind.
        let entries = try FileManager.default.contentsOfDirectory(atPath: store.location.directory)
        #expect(entries.filter { $0.contains(".tmp-") }.isEmpty, "\(entries)")
    }

    @Test("init tightens an existing directory to 0700")
    func existingDirectory() throws {
        let dir = try TempDir()
        let location = StoreLocation(directory: dir.path + "/store/")
        try FileManager.default.createDirectory(atPath: location.directory, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        try VaultEngine.initialize(at: location)
        #expect(Self.mode(location.directory) == 0o700)
        #expect(location.directory == dir.path + "/store")
    }

    @Test("init twice is storeExists, and the first store is untouched")
    func initTwice() throws {
        let store = try TestStore()
        try store.makeVault()
        let key = try Data(contentsOf: URL(fileURLWithPath: store.location.defaultMasterKeyPath))
        #expect(code { _ = try VaultEngine.initialize(at: store.location, clock: store.clock) } == .storeExists)
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.location.defaultMasterKeyPath)) == key)
        #expect(try store.openAnotherEngine().vaults.list(as: Self.owner).map(\.name) == ["vault1"])
    }

    @Test("Opening a missing store is storeMissing")
    func missing() throws {
        let dir = try TempDir()
        #expect(code { _ = try VaultEngine(opening: StoreLocation(directory: dir.path + "/nothing")) } == .storeMissing)
        // A directory without a database is no store either.
        #expect(code { _ = try VaultEngine(opening: StoreLocation(directory: dir.path)) } == .storeMissing)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/" + StoreLocation.databaseName), "opening must never create a database")
    }

    @Test("Another store's master key is wrongMasterKey")
    func wrongKey() throws {
        let a = try TestStore()
        let b = try TestStore()
        let location = StoreLocation(directory: a.location.directory, masterKeyFile: b.location.defaultMasterKeyPath)
        let error = vaultError { _ = try VaultEngine(opening: location) }
        #expect(error?.code == .wrongMasterKey)
        // A file that is no key at all.
        let dir = try TempDir()
        let junk = dir.path + "/junk.key"
        try "not a key\n".write(toFile: junk, atomically: false, encoding: .utf8)
        #expect(code { _ = try VaultEngine(opening: StoreLocation(directory: a.location.directory, masterKeyFile: junk)) } == .wrongMasterKey)
    }

    @Test("An explicit key file is used for init and open, raw or hex, and no master.key is written")
    func explicitKey() throws {
        let dir = try TempDir()
        let keyFile = dir.path + "/key.hex"
        try Self.writeKey(keyFile, byte: 0x5c)
        let location = StoreLocation(directory: dir.path + "/store", masterKeyFile: keyFile)
        let clock = ManualClock(TestStore.start)
        let engine = try VaultEngine.initialize(at: location, clock: clock)
        try engine.vaults.create(named: "vault1", as: Self.owner)
        #expect(!FileManager.default.fileExists(atPath: location.defaultMasterKeyPath))
        // The same key as 32 raw bytes opens it too.
        let raw = dir.path + "/key.raw"
        try Data(repeating: 0x5c, count: 32).write(to: URL(fileURLWithPath: raw))
        let reopened = try VaultEngine(opening: StoreLocation(directory: location.directory, masterKeyFile: raw), clock: clock)
        #expect(try reopened.vaults.list(as: Self.owner).map(\.name) == ["vault1"])
        // Without the key the store cannot be opened.
        #expect(code { _ = try VaultEngine(opening: StoreLocation(directory: location.directory)) } == .storeFailure)
        try Self.writeKey(dir.path + "/other.hex", byte: 0x5d)
        #expect(code { _ = try VaultEngine(opening: StoreLocation(directory: location.directory, masterKeyFile: dir.path + "/other.hex")) } == .wrongMasterKey)
    }

    @Test("resolve: directory and key sources in the documented order")
    func resolve() throws {
        let dir = try TempDir()
        let credentials = dir.path + "/creds"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        let credentialKey = credentials + "/" + StoreLocation.credentialName
        try Self.writeKey(credentialKey)

        var l = StoreLocation.resolve(directory: "/explicit/", masterKeyFile: nil, environment: ["KVFS_STORE": "/env"])
        #expect(l == StoreLocation(directory: "/explicit", masterKeyFile: nil))
        l = StoreLocation.resolve(directory: nil, masterKeyFile: nil, environment: ["KVFS_STORE": "/env"])
        #expect(l.directory == "/env")
        l = StoreLocation.resolve(directory: "", masterKeyFile: nil, environment: ["KVFS_STORE": "", "XDG_DATA_HOME": "/xdg"])
        #expect(l.directory == (getuid() == 0 ? "/var/lib/kvfs" : "/xdg/kvfs"))
        l = StoreLocation.resolve(directory: "/s", masterKeyFile: nil, environment: ["CREDENTIALS_DIRECTORY": credentials])
        #expect(l.masterKeyFile == credentialKey)
        l = StoreLocation.resolve(directory: "/s", masterKeyFile: "/k", environment: ["CREDENTIALS_DIRECTORY": credentials])
        #expect(l.masterKeyFile == "/k", "an explicit key file wins")
        l = StoreLocation.resolve(directory: "/s", masterKeyFile: nil, environment: ["CREDENTIALS_DIRECTORY": dir.path + "/empty"])
        #expect(l.masterKeyFile == nil, "a credentials directory without the key is ignored")
        l = StoreLocation.resolve(directory: "/s", masterKeyFile: nil, environment: [:])
        #expect(l.masterKeyFile == nil)
        #expect(l.defaultMasterKeyPath == "/s/master.key")
        #expect(l.databasePath == "/s/kvfs.db")
    }

    @Test("A store keyed through $CREDENTIALS_DIRECTORY opens only with that credential")
    func credentialsDirectory() throws {
        let dir = try TempDir()
        let credentials = dir.path + "/creds"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try Self.writeKey(credentials + "/" + StoreLocation.credentialName, byte: 0x11)
        let env = ["CREDENTIALS_DIRECTORY": credentials]
        let location = StoreLocation.resolve(directory: dir.path + "/store", masterKeyFile: nil, environment: env)
        let engine = try VaultEngine.initialize(at: location)
        try engine.vaults.create(named: "vault1", as: Self.owner)
        #expect(!FileManager.default.fileExists(atPath: location.defaultMasterKeyPath))
        let again = try VaultEngine(opening: StoreLocation.resolve(directory: dir.path + "/store", masterKeyFile: nil, environment: env))
        #expect(try again.vaults.list(as: Self.owner).map(\.name) == ["vault1"])
    }

    @Test("A flipped byte in a sealed value is corrupted, never garbage", .enabled(if: SQLiteCLI.isInstalled))
    func flippedByte() throws {
        let store = try TestStore()
        try store.makeVault()
        let p = try store.seed("db", "the value")
        try store.seed("other", "fine")
        let hex = try store.sql("SELECT hex(sealed_value) FROM versions WHERE version = '\(p.version)'")
        #expect(hex.count > 2 * 9)
        for position in [0, hex.count / 2, hex.count - 2] {
            var bytes = Array(hex.utf8)
            bytes[position] = bytes[position] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            try store.sql("UPDATE versions SET sealed_value = X'\(String(decoding: bytes, as: UTF8.self))' WHERE version = '\(p.version)'")
            let error = vaultError { _ = try store.read("db") }
            #expect(error?.code == .corrupted, "byte at hex position \(position)")
            #expect(error?.message.contains("the value") == false)
        }
        // Truncated and missing values too.
        try store.sql("UPDATE versions SET sealed_value = X'00' WHERE version = '\(p.version)'")
        #expect(code { _ = try store.read("db") } == .corrupted)
        try store.sql("UPDATE versions SET sealed_value = NULL WHERE version = '\(p.version)'")
        #expect(code { _ = try store.read("db") } == .corrupted)
        // Restored, it reads again; others were never affected.
        try store.sql("UPDATE versions SET sealed_value = X'\(hex)' WHERE version = '\(p.version)'")
        #expect(try store.read("db") == "the value")
        #expect(try store.read("other") == "fine")
        let line = try #require(try store.auditLog().last { $0.resultType == "Failure" })
        #expect(line.operationName == "SecretGet")
    }

    @Test("Sealed values swapped between secrets, versions or vaults are corrupted", .enabled(if: SQLiteCLI.isInstalled))
    func swapped() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.makeVault("vault2")
        let a = try store.seed("alpha", "value-a")
        let b = try store.seed("bravo", "value-b")
        let a2 = try store.seed("alpha", "value-a2")
        let c = try store.seed("alpha", "value-c", in: "vault2")
        func swap(_ x: String, _ y: String) throws {
            let hx = try store.sql("SELECT hex(sealed_value) FROM versions WHERE version = '\(x)'")
            let hy = try store.sql("SELECT hex(sealed_value) FROM versions WHERE version = '\(y)'")
            #expect(hx != hy && !hx.isEmpty && !hy.isEmpty)
            try store.sql("""
                BEGIN;
                UPDATE versions SET sealed_value = X'\(hy)' WHERE version = '\(x)';
                UPDATE versions SET sealed_value = X'\(hx)' WHERE version = '\(y)';
                COMMIT;
                """)
        }
        // Two secrets of one vault.
        try swap(a2.version, b.version)
        #expect(code { _ = try store.read("alpha") } == .corrupted)
        #expect(code { _ = try store.read("bravo") } == .corrupted)
        try swap(a2.version, b.version)
        #expect(try store.read("alpha") == "value-a2")
        // Two versions of one secret.
        try swap(a.version, a2.version)
        #expect(code { _ = try store.read("alpha") } == .corrupted)
        #expect(code { _ = try store.read("alpha", version: a.version) } == .corrupted)
        try swap(a.version, a2.version)
        // The same name in two vaults.
        try swap(a2.version, c.version)
        #expect(code { _ = try store.read("alpha") } == .corrupted)
        #expect(code { _ = try store.read("alpha", in: "vault2") } == .corrupted)
        try swap(a2.version, c.version)
        #expect(try store.read("alpha", in: "vault2") == "value-c")
    }

    @Test("No secret value reaches the database, its WAL or shared memory in plaintext")
    func noPlaintextOnDisk() throws {
        let store = try TestStore()
        try store.makeVault()
        let values = ["correct-horse-battery-staple-7731", "postgres://admin:Sup3rS3cret@db:5432",
                      "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0B", String(repeating: "Q7", count: 2000)]
        for (i, value) in values.enumerated() {
            try store.seed("s\(i)", value)
            try store.seed("s\(i)", value + "-v2")
        }
        // Delete one, update another: values must stay sealed through every path.
        try store.engine.objects(.secret).delete(vault: "vault1", name: "s0", as: Self.seeder)
        try store.engine.objects(.secret).update(vault: "vault1", name: "s1", AttributeUpdate(enabled: false), as: Self.seeder)
        _ = try store.read("s2")
        let key = try String(contentsOfFile: store.location.defaultMasterKeyPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var checked = 0
        for suffix in ["", "-wal", "-shm"] {
            let path = store.databasePath + suffix
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            checked += 1
            let raw = [UInt8](bytes)
            for value in values {
                #expect(!contains(raw, Array(value.prefix(24).utf8)), "\(suffix): \(value.prefix(24))")
            }
            #expect(!contains(raw, Array(key.utf8)), "\(suffix): the master key in hex")
        }
        #expect(checked >= 2, "expected the database and its WAL")
        for line in try store.engine.audit.records(as: Self.owner) {
            for value in values { #expect(!line.contains(value.prefix(24))) }
        }
    }

    @Test("Two engines on one store see each other's writes", .timeLimit(.minutes(1)))
    func twoEngines() throws {
        let store = try TestStore()
        try store.makeVault()
        let mount = store.engine
        let cli = try store.openAnotherEngine()
        try mount.secrets.set(vault: "vault1", name: "db", value: Array("from-mount".utf8), as: Self.seeder)
        #expect(try cli.secrets.get(vault: "vault1", name: "db", as: Self.seeder).value.bytes == Array("from-mount".utf8))
        try cli.secrets.set(vault: "vault1", name: "db", value: Array("from-cli".utf8), as: Self.seeder)
        #expect(try mount.secrets.get(vault: "vault1", name: "db", as: Self.seeder).value.bytes == Array("from-cli".utf8))
        // Management changes made by one apply to the other's decisions at once.
        try cli.access.createPrincipal(named: "app", kind: .user, unixID: 1001, as: Self.owner)
        let a = try cli.access.assign(principal: "app", role: .secretsUser, scope: Scope(vault: "vault1"), as: Self.owner)
        #expect(try mount.secrets.get(vault: "vault1", name: "db", as: TestStore.user(1001)).value.bytes == Array("from-cli".utf8))
        try cli.access.removeAssignment(id: a.id, as: Self.owner)
        #expect(code { _ = try mount.secrets.get(vault: "vault1", name: "db", as: TestStore.user(1001)) } == .accessDenied)
        // A vault created by one is usable by the other (its data key is unwrapped there).
        try cli.vaults.create(named: "vault2", as: Self.owner)
        try cli.access.assign(principal: "seeder", role: .administrator, scope: Scope(vault: "vault2"), as: Self.owner)
        try mount.secrets.set(vault: "vault2", name: "x", value: [7], as: Self.seeder)
        #expect(try cli.secrets.get(vault: "vault2", name: "x", as: Self.seeder).value.bytes == [7])
        // Soft delete by one is seen by the other.
        try mount.objects(.secret).delete(vault: "vault1", name: "db", as: Self.seeder)
        #expect(code { _ = try cli.secrets.get(vault: "vault1", name: "db", as: Self.seeder) } == .notFound)
        #expect(try cli.audit.verify(as: Self.owner).isIntact)
        #expect(try mount.audit.records(as: Self.owner) == cli.audit.records(as: Self.owner))
    }

    @Test("Two engines writing at once from many threads lose nothing and keep one audit chain", .timeLimit(.minutes(1)))
    func concurrentWriters() throws {
        let store = try TestStore()
        try store.makeVault()
        let engines = [store.engine, try store.openAnotherEngine()]
        let perThread = 10
        let threads = 8
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let engine = engines[t % 2]
            for i in 0..<perThread {
                do {
                    try engine.secrets.set(vault: "vault1", name: "s\(t % 3)", value: Array("t\(t)-\(i)".utf8), as: Self.seeder)
                    _ = try engine.secrets.get(vault: "vault1", name: "s\(t % 3)", as: Self.seeder)
                } catch {
                    failures.add("\(error)")
                }
            }
        }
        #expect(failures.all.isEmpty)
        var total = 0
        for s in 0..<3 {
            total += try store.engine.objects(.secret).versions(vault: "vault1", name: "s\(s)", as: Self.seeder).count
        }
        #expect(total == threads * perThread)
        let verification = try engines[1].audit.verify(as: Self.owner)
        #expect(verification.isIntact, "\(verification.problem ?? "")")
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
    }

    @Test("An unknown format version is refused as corrupted", .enabled(if: SQLiteCLI.isInstalled))
    func unknownFormat() throws {
        let store = try TestStore()
        try store.sql("UPDATE meta SET value = '99' WHERE key = 'format'")
        #expect(code { _ = try store.openAnotherEngine() } == .corrupted)
    }

    @Test("A file that is not a database is corrupted")
    func notADatabase() throws {
        let dir = try TempDir()
        let location = StoreLocation(directory: dir.path + "/store")
        try VaultEngine.initialize(at: location)
        for suffix in ["-wal", "-shm"] { unlink(location.databasePath + suffix) }
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: location.databasePath))
        #expect(code { _ = try VaultEngine(opening: location) } == .corrupted)
    }
}
