import Foundation
import Testing
import VaultEngine

/// A fresh store in its own temporary directory, removed when the value goes away.
/// The clock is manual and starts at a fixed, whole second so dates compare exactly.
final class TestStore: @unchecked Sendable {
    /// The store's Owner: root owns the temporary store directory when the tests run as root, and root is
    /// always the Owner.
    static let owner = Caller(uid: 0, gid: 0, pid: 4242, executable: "/usr/sbin/kvfs")
    /// Holds Key Vault Administrator on every vault `makeVault` creates: used to seed data.
    static let seeder = Caller(uid: 5000, gid: 5000, pid: 5001)
    static let start = Date(timeIntervalSince1970: 1_750_000_000)

    let root: URL
    let location: StoreLocation
    let clock: ManualClock
    let engine: VaultEngine
    private var seederBound = false

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-engine-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        location = StoreLocation(directory: root.path + "/store")
        clock = ManualClock(TestStore.start)
        engine = try VaultEngine.initialize(at: location, clock: clock)
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    var databasePath: String { location.databasePath }

    /// A second engine on the same store (a mount next to a CLI), sharing the clock.
    func openAnotherEngine() throws -> VaultEngine {
        try VaultEngine(opening: location, clock: clock)
    }

    // MARK: vaults, principals, roles

    /// Creates a vault as the Owner and gives `seeder` Key Vault Administrator on it.
    @discardableResult
    func makeVault(_ name: String = "vault1", options: VaultCreateOptions = VaultCreateOptions()) throws -> VaultProperties {
        let properties = try engine.vaults.create(named: name, options: options, as: TestStore.owner)
        if !seederBound {
            try engine.access.createPrincipal(named: "seeder", kind: .user, unixID: TestStore.seeder.uid, as: TestStore.owner)
            seederBound = true
        }
        try engine.access.assign(principal: "seeder", role: .administrator, scope: Scope(vault: name), as: TestStore.owner)
        return properties
    }

    /// A data-plane caller with uid = gid = `uid`.
    static func user(_ uid: UInt32, groups: [UInt32] = []) -> Caller {
        Caller(uid: uid, gid: uid, groups: groups, pid: Int32(uid) + 20_000, executable: "/usr/bin/app\(uid)")
    }

    /// Binds a user principal named `u<uid>` (once) and assigns `role` at `scope`.
    @discardableResult
    func grant(_ role: BuiltInRole, toUser uid: UInt32, at scope: String) throws -> RoleAssignment {
        let name = "u\(uid)"
        if try !engine.access.principals(as: TestStore.owner).contains(where: { $0.name == name }) {
            try engine.access.createPrincipal(named: name, kind: .user, unixID: uid, as: TestStore.owner)
        }
        return try engine.access.assign(principal: name, role: role, scope: Scope(parsing: scope), as: TestStore.owner)
    }

    /// Binds a group principal named `g<gid>` (once) and assigns `role` at `scope`.
    @discardableResult
    func grant(_ role: BuiltInRole, toGroup gid: UInt32, at scope: String) throws -> RoleAssignment {
        let name = "g\(gid)"
        if try !engine.access.principals(as: TestStore.owner).contains(where: { $0.name == name }) {
            try engine.access.createPrincipal(named: name, kind: .group, unixID: gid, as: TestStore.owner)
        }
        return try engine.access.assign(principal: name, role: role, scope: Scope(parsing: scope), as: TestStore.owner)
    }

    /// Sets a secret as the seeder.
    @discardableResult
    func seed(_ name: String, _ value: String, in vault: String = "vault1",
              attributes: NewVersionAttributes = NewVersionAttributes()) throws -> VersionProperties {
        try engine.secrets.set(vault: vault, name: name, value: Array(value.utf8), attributes: attributes, as: TestStore.seeder)
    }

    /// The value of a secret as the seeder, as text.
    func read(_ name: String, in vault: String = "vault1", version: String? = nil) throws -> String {
        let secret = try engine.secrets.get(vault: vault, name: name, version: version, as: TestStore.seeder)
        return secret.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: audit

    /// Every audit line, decoded.
    func auditLog(vault: String? = nil, since: Date? = nil) throws -> [AuditRecord] {
        try engine.audit.records(vault: vault, since: since, as: TestStore.owner).map(decodeAudit)
    }

    func auditCount() throws -> Int { try engine.audit.records(as: TestStore.owner).count }

    // MARK: raw database access, as an attacker with write access to the files would have

    /// Runs SQL through the sqlite3 command-line tool and returns its standard output: on the store behind
    /// the engine's back. Engines answer hot reads from memory until the store's
    /// change signal moves (every kvfs write moves it); an edit made outside kvfs moves it here the same way,
    /// so the next read goes to disk and sees the edit.
    @discardableResult
    func sql(_ statement: String) throws -> String {
        defer { SQLiteCLI.touchSignal(of: location.directory) }
        return try SQLiteCLI.run(database: databasePath, statement)
    }
}

enum SQLiteCLI {
    static let path = "/usr/bin/sqlite3"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: path) }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes a fresh token into the store's change signal file, as a kvfs writer does.
    /// The file is rewritten in place: engines keep it open.
    static func touchSignal(of directory: String) {
        var token = UInt64.random(in: 1...UInt64.max)
        guard let handle = FileHandle(forWritingAtPath: directory + "/kvfs.signal") else { return }
        defer { try? handle.close() }
        handle.write(withUnsafeBytes(of: &token) { Data($0) })
    }

    static func run(database: String, _ statement: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-batch", "-cmd", ".timeout 10000", database, statement]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "sqlite3 failed (\(process.terminationStatus)): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

func decodeAudit(_ line: String) throws -> AuditRecord {
    try JSONDecoder().decode(AuditRecord.self, from: Data(line.utf8))
}

/// The code of the `VaultError` the body throws, or `nil` when it succeeds. Any other error is an issue.
func code(sourceLocation: SourceLocation = #_sourceLocation, of body: () throws -> Void) -> VaultError.Code? {
    do {
        try body()
        return nil
    } catch let error as VaultError {
        return error.code
    } catch {
        Issue.record("expected a VaultError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The `VaultError` the body throws, or `nil`.
func vaultError(of body: () throws -> Void) -> VaultError? {
    do {
        try body()
        return nil
    } catch let error as VaultError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

extension Array where Element == UInt8 {
    static func filled(_ count: Int, _ byte: UInt8 = 0x61) -> [UInt8] { [UInt8](repeating: byte, count: count) }
}

/// `true` when `needle` occurs in `haystack`.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    let first = needle[0]
    var i = 0
    let last = haystack.count - needle.count
    while i <= last {
        if haystack[i] == first, Array(haystack[i..<(i + needle.count)]) == needle { return true }
        i += 1
    }
    return false
}

/// Whether `text` is 32 lowercase hexadecimal characters, as object versions are.
func isHexVersion(_ text: String) -> Bool {
    text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
}
