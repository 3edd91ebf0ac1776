import Foundation
import Testing
@testable import VaultEngine

/// Signed audit checkpoints: each attack the sealed head alone misses (docs/security-model.md) is reproduced on
/// the SQLite file, shown to pass a plain `verify`, and shown to be caught against a checkpoint kept outside.
@Suite("Audit checkpoints")
struct AuditCheckpointTests {
    static let owner = TestStore.owner
    static let stranger = Caller(uid: 1002, gid: 1002, pid: 4444)

    /// A store with a few dozen lines, one of them a denial.
    static func fixture() throws -> TestStore {
        let store = try TestStore()
        try store.makeVault()
        for i in 0..<4 { try store.seed("s\(i)", "v\(i)") }
        _ = code { _ = try store.engine.secrets.get(vault: "vault1", name: "s0", as: stranger) }
        return store
    }

    static func grow(_ store: TestStore, by count: Int, from start: Int = 10) throws {
        for i in start..<(start + count) { try store.seed("g\(i)", "value-\(i)") }
        try store.engine.flushAudit()
    }

    static func pinned(_ store: TestStore) throws -> Ed25519PublicKey {
        try Ed25519PublicKey(pem: try store.engine.audit.checkpointKey(as: owner).pem())
    }

    static func verify(_ store: TestStore, _ checkpoints: [AuditCheckpoint], full: Bool = false) throws -> AuditVerification {
        try store.engine.audit.verify(against: checkpoints, publicKey: try pinned(store), full: full, as: owner)
    }

    @Test("A checkpoint is this store's head, signed by the pinned key, and holds nothing secret")
    func shape() throws {
        let store = try Self.fixture()
        let checkpoint = try store.engine.audit.checkpoint(as: Self.owner)
        let last = try #require(try store.engine.audit.records(as: Self.owner).last)
        let record = try decodeAudit(last)
        #expect(checkpoint.seq == record.seq)
        #expect(last.hasSuffix("\"mac\":\"\(checkpoint.mac)\"}"))
        #expect(checkpoint.realm == store.engine.realm)
        #expect(checkpoint.time == "2025-06-15T15:06:40.000Z")
        #expect(checkpoint.isSigned(by: try Self.pinned(store)))
        #expect(try AuditCheckpoint.parse("Jun 15 kvfs[12]: audit checkpoint " + checkpoint.line + "\n\nnoise\n") == [checkpoint])
        let master = try String(contentsOfFile: store.location.defaultMasterKeyPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!checkpoint.line.contains(master))
        // Only these fields, none of them a value (a short secret value could appear by chance inside the
        // signature's base64url or a MAC's hex, so the fields are checked, not substrings).
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(checkpoint.line.utf8)) as? [String: Any])
        #expect(Set(fields.keys) == ["format", "key", "mac", "realm", "seq", "signature", "time"])
        // A changed field breaks the signature.
        var moved = checkpoint
        moved.seq -= 1
        #expect(!moved.isSigned(by: try Self.pinned(store)))
        #expect(try Self.verify(store, [checkpoint]).isIntact)
    }

    @Test("A store rolled back to an older copy is detected", .enabled(if: SQLiteCLI.isInstalled))
    func rolledBackStore() throws {
        let store = try Self.fixture()
        let copy = store.root.path + "/old-copy.db"
        try store.engine.flushAudit()
        try store.sql(".backup '\(copy)'")
        try Self.grow(store, by: 5)
        let checkpoint = try store.engine.audit.checkpoint(as: Self.owner)
        try store.sql(".restore '\(copy)'")
        // The sealed head alone cannot tell: the old copy is a consistent store.
        #expect(try store.engine.audit.verify(as: Self.owner).isIntact)
        let result = try Self.verify(store, [checkpoint])
        #expect(!result.isIntact)
        #expect(result.problem?.contains("rolled back") == true, "\(result)")

        // The rolled-back store keeps running past the checkpoint's line: the line there is another one.
        try Self.grow(store, by: 8, from: 100)
        #expect(try store.engine.audit.verify(as: Self.owner).isIntact)
        let later = try Self.verify(store, [checkpoint])
        #expect(!later.isIntact)
        #expect(later.problem?.contains("not the line the checkpoint") == true, "\(later)")
    }

    @Test("A log truncated with an older sealed head put back is detected", .enabled(if: SQLiteCLI.isInstalled))
    func truncatedWithOlderHead() throws {
        let store = try Self.fixture()
        try store.engine.flushAudit()
        let oldHead = try store.sql("SELECT value FROM meta WHERE key = 'audit_head'")
        let oldEnd = try store.sql("SELECT max(seq) FROM audit")
        try Self.grow(store, by: 5)
        let checkpoint = try store.engine.audit.checkpoint(as: Self.owner)
        try store.sql("DELETE FROM audit WHERE seq > \(oldEnd); UPDATE meta SET value = '\(oldHead)' WHERE key = 'audit_head';")
        #expect(try store.engine.audit.verify(as: Self.owner).isIntact, "the attack should pass the plain check")
        let result = try Self.verify(store, [checkpoint])
        #expect(!result.isIntact)
        #expect(result.problem?.contains("ends at line \(oldEnd)") == true, "\(result)")
    }

    @Test("An emptied log (every line and the head deleted) is detected", .enabled(if: SQLiteCLI.isInstalled))
    func emptied() throws {
        let store = try Self.fixture()
        let checkpoint = try store.engine.audit.checkpoint(as: Self.owner)
        try store.sql("DELETE FROM audit; DELETE FROM meta WHERE key = 'audit_head';")
        let plain = try store.engine.audit.verify(as: Self.owner)
        #expect(plain.isIntact && plain.lines == 0, "the attack should pass the plain check")
        let result = try Self.verify(store, [checkpoint])
        #expect(!result.isIntact)
        #expect(result.problem?.contains("ends at line 0") == true, "\(result)")
    }

    /// Rewrites line `from` with `edit` and recomputes every later MAC and the sealed head with the audit key, as
    /// the owner holding the master key can.
    static func recompute(_ store: TestStore, from: Int64, edit: (String) -> String) throws {
        try store.engine.flushAudit()
        let key = store.engine.context.auditKey
        let rows = try store.engine.context.backend.read { tx in try tx.auditRows(afterSeq: 0, limit: 100_000) }
        var previous = rows.first { $0.seq == from - 1 }?.mac ?? AuditChain.genesis
        var statements = ["BEGIN;"]
        for row in rows where row.seq >= from {
            var (body, oldMAC) = try #require(AuditChain.split(row.line))
            let record = try decodeAudit(body)
            body = body.replacingOccurrences(of: "\"prev\":\"\(record.prev)\"", with: "\"prev\":\"\(previous)\"")
            if row.seq == from { body = edit(body) }
            let mac = try key.mac(Array((previous + "\n" + body).utf8)).hexString
            #expect(mac != oldMAC)
            let line = String(body.dropLast()) + ",\"mac\":\"\(mac)\"}"
            statements.append("UPDATE audit SET line = '\(line.replacingOccurrences(of: "'", with: "''"))', mac = '\(mac)' WHERE seq = \(row.seq);")
            previous = mac
        }
        let end = try #require(rows.last).seq
        statements.append("UPDATE meta SET value = '\(try AuditChain.head(seq: end, mac: previous, key: key))' WHERE key = 'audit_head';")
        statements.append("COMMIT;")
        try store.sql(statements.joined(separator: "\n"))
    }

    @Test("A chain recomputed with the master key is detected", .enabled(if: SQLiteCLI.isInstalled))
    func recomputedWithMasterKey() throws {
        let store = try Self.fixture()
        try Self.grow(store, by: 3)
        let checkpoint = try store.engine.audit.checkpoint(as: Self.owner)
        let denial = try #require(try store.auditLog().first { $0.resultType == "Failure" })
        try Self.recompute(store, from: denial.seq) {
            $0.replacingOccurrences(of: "\"resultType\":\"Failure\"", with: "\"resultType\":\"Success\"")
        }
        #expect(try store.auditLog().allSatisfy { $0.resultType == "Success" })
        #expect(try store.engine.audit.verify(as: Self.owner).isIntact, "the attack should pass the plain check")
        let result = try Self.verify(store, [checkpoint])
        #expect(!result.isIntact)
        #expect(result.problem?.contains("recomputed") == true, "\(result)")
        #expect(try !Self.verify(store, [checkpoint], full: true).isIntact)
    }

    @Test("Lines after the newest checkpoint are walked incrementally; an edit there is still caught, and --full walks all",
          .enabled(if: SQLiteCLI.isInstalled))
    func incremental() throws {
        let store = try Self.fixture()
        let first = try store.engine.audit.checkpoint(as: Self.owner)
        try Self.grow(store, by: 4)
        let second = try store.engine.audit.checkpoint(as: Self.owner)
        try Self.grow(store, by: 2, from: 50)
        let end = Int64(try store.auditCount())
        let result = try Self.verify(store, [first, second])
        #expect(result.isIntact, "\(result)")
        #expect(result.lines == end && result.firstLine == second.seq + 1 && result.checkpoints == 2)
        let full = try Self.verify(store, [second, first], full: true)
        #expect(full.isIntact && full.firstLine == 1)

        try store.sql("UPDATE audit SET line = replace(line, 'Success', 'Failure') WHERE seq = \(end - 1)")
        #expect(try !Self.verify(store, [first, second]).isIntact)
    }

    @Test("Checkpoints not signed by the pinned key, of another store, or forked are refused")
    func foreignAndForged() throws {
        let store = try Self.fixture()
        let other = try Self.fixture()
        let checkpoint = try store.engine.audit.checkpoint(as: Self.owner)
        let foreign = try other.engine.audit.checkpoint(as: Self.owner)
        let foreignResult = try Self.verify(store, [foreign])
        #expect(foreignResult.problem?.contains("realm") == true, "\(foreignResult)")

        // Signed by another key (same realm claimed): not the pinned key.
        var forged = foreign
        forged.realm = checkpoint.realm
        #expect(try Self.verify(store, [forged]).problem?.contains("not signed") == true)

        // The other store pinned but this store checked: the store was replaced.
        let replaced = try store.engine.audit.verify(against: [checkpoint], publicKey: try Self.pinned(other), as: Self.owner)
        #expect(!replaced.isIntact)

        // Two genuine-looking checkpoints of one line with different MACs: a fork.
        let signer = try store.engine.context.checkpointSigner()
        let fork = try AuditCheckpoint.make(realm: checkpoint.realm, seq: checkpoint.seq, mac: String(repeating: "a", count: 64),
                                            time: store.clock.now(), signer: signer)
        #expect(try Self.verify(store, [checkpoint, fork]).problem?.contains("forked") == true)
        // Without a pinned key, the store's own key is used.
        #expect(try store.engine.audit.verify(against: [checkpoint], as: Self.owner).isIntact)
        #expect(code { _ = try store.engine.audit.checkpoint(as: Self.stranger) } == .accessDenied)
    }

    @Test("The emitter writes a checkpoint at start, after every N lines, and at close; each verifies")
    func emitter() throws {
        let store = try Self.fixture()
        let file = store.root.path + "/checkpoints"
        let emitter = try AuditCheckpointEmitter(engine: store.engine, sink: .file(file), everyLines: 5, interval: 3600,
                                                 logger: .init(label: "test"))
        try Self.grow(store, by: 4)
        let deadline = Date().addingTimeInterval(5)
        while try AuditCheckpoint.parse(String(contentsOfFile: file, encoding: .utf8)).count < 2 && Date() < deadline { usleep(50_000) }
        try store.seed("last", "x")
        emitter.close()
        var info = stat()
        #expect(stat(file, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let checkpoints = try AuditCheckpoint.parse(String(contentsOfFile: file, encoding: .utf8))
        #expect(checkpoints.count >= 3, "\(checkpoints)")
        #expect(checkpoints.map(\.seq) == checkpoints.map(\.seq).sorted())
        #expect(checkpoints.last?.seq == Int64(try store.auditCount()))
        #expect(try Self.verify(store, checkpoints).isIntact)
        #expect(try !String(contentsOfFile: file, encoding: .utf8).contains("value-"))
    }

    @Test("A command sink reads checkpoints on its standard input; one that exits does not take the process down")
    func commandSink() throws {
        let store = try Self.fixture()
        let file = store.root.path + "/piped"
        let emitter = try AuditCheckpointEmitter(engine: store.engine, sink: AuditCheckpointEmitter.Sink(parsing: "| cat >> '\(file)'"),
                                                 everyLines: 1, interval: 3600, logger: .init(label: "test"))
        try store.seed("piped", "x")
        emitter.close()
        let checkpoints = try AuditCheckpoint.parse(String(contentsOfFile: file, encoding: .utf8))
        let lines = Int64(try store.auditCount())
        #expect(checkpoints.count >= 2 && checkpoints.last?.seq == lines)

        // The command reads the first checkpoint and exits: later ones fail with EPIPE (logged), never SIGPIPE.
        let gone = try AuditCheckpointEmitter(engine: store.engine, sink: .command("head -n 1 > /dev/null"), everyLines: 1, interval: 3600,
                                              logger: .init(label: "test"))
        usleep(200_000)
        try store.seed("after", "y")
        usleep(1_500_000)
        gone.close()
        #expect(try store.engine.audit.verify(as: Self.owner).isIntact)
    }

    @Test("OpenSSL's command line verifies a checkpoint's signature with the printed PEM")
    func interop() throws {
        let store = try Self.fixture()
        let checkpoint = try store.engine.audit.checkpoint(as: Self.owner)
        let dir = store.root.path
        try Data(try store.engine.audit.checkpointKey(as: Self.owner).pem().utf8).write(to: URL(fileURLWithPath: dir + "/key.pem"))
        try Data(checkpoint.signedMessage).write(to: URL(fileURLWithPath: dir + "/message"))
        try Data(try Base64URL.decode(checkpoint.signature)).write(to: URL(fileURLWithPath: dir + "/sig"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["pkeyutl", "-verify", "-pubin", "-inkey", dir + "/key.pem", "-rawin", "-in", dir + "/message", "-sigfile", dir + "/sig"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
