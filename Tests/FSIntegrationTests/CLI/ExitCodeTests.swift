import Foundation
import Testing
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// The `kvfs` binary's exit codes against the table in docs/cli.md: one case per documented code that a
/// command can provoke, and a check that every code of the table has one.
@Suite struct CLIExitCodes {
    /// A store in a temporary directory, seeded through the engine: vaults `app` and `locked` (purge
    /// protection) where the owner (root, principal `me`) is Administrator, vault `other` where it holds no
    /// role; secrets `app/s`, `app/off` (disabled) and `locked/gone` (soft-deleted); exportable key `app/cmk`
    /// with a release policy.
    final class Store {
        let directory: String
        var path: String { directory + "/store" }

        init() throws {
            var template = Array("/tmp/kvfs-cli-test-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw VaultTestError("mkdtemp failed: errno \(errno)") }
            directory = String(cString: made)
            let engine = try VaultEngine.initialize(at: StoreLocation.resolve(directory: directory + "/store", masterKeyFile: nil))
            let owner = Caller.currentProcess()
            try engine.vaults.create(named: "app", as: owner)
            try engine.vaults.create(named: "locked", options: VaultCreateOptions(purgeProtection: true), as: owner)
            try engine.vaults.create(named: "other", as: owner)
            try engine.access.createPrincipal(named: "me", kind: .user, unixID: 0, as: owner)
            for vault in ["app", "locked"] {
                try engine.access.assign(principal: "me", role: .administrator, scope: try Scope(parsing: "/vaults/\(vault)"),
                                                as: owner)
            }
            try engine.secrets.set(vault: "app", name: "s", value: Array("value".utf8), as: owner)
            try engine.secrets.set(vault: "app", name: "off", value: Array("value".utf8),
                                 attributes: NewVersionAttributes(enabled: false), as: owner)
            try engine.secrets.set(vault: "locked", name: "gone", value: Array("value".utf8), as: owner)
            try engine.objects(.secret).delete(vault: "locked", name: "gone", as: owner)
            let release = #"{"version":"1.0.0","anyOf":[{"authority":"https://attest.example/","allOf":[{"claim":"tee","equals":"sgx"}]}]}"#
            try engine.keys.create(vault: "app", name: "cmk", KeyCreateOptions(.ec(.p256), exportable: true,
                                                                               releasePolicy: KeyReleasePolicy(data: Array(release.utf8))), as: owner)
            try engine.flushAudit()
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        /// Runs `sqlite3 <database> sql` (to damage the store on purpose).
        func sql(_ statement: String) throws {
            let out = try VaultProcess.run(["/usr/bin/sqlite3", "-cmd", ".timeout 5000", path + "/" + StoreLocation.databaseName,
                                            statement])
            guard out.succeeded else { throw VaultTestError("sqlite3 failed: \(out)") }
        }
    }

    struct Case: CustomStringConvertible, Sendable {
        var code: Int32
        var what: String
        /// Arguments after `kvfs`; `@store` and `@dir` stand for the store and its temporary directory.
        var arguments: [String]
        var input: String? = nil
        /// SQL run on the store's database before the command.
        var damage: String? = nil
        /// Who runs the command (default: root, the test's own user).
        var identity: VaultProcess.Identity? = nil
        var description: String { "\(code): \(what)" }
    }

    static let cases: [Case] = [
        Case(code: 0, what: "success", arguments: ["vault", "show", "--name", "app", "--store", "@store"]),
        Case(code: 1, what: "any other failure (mountpoint missing)",
             arguments: ["mount", "@dir/absent", "--foreground", "--store", "@store"]),
        Case(code: 2, what: "vault not found", arguments: ["vault", "show", "--name", "nope", "--store", "@store"]),
        Case(code: 2, what: "secret not found", arguments: ["secret", "show", "--vault", "app", "--name", "nope", "--store", "@store"]),
        Case(code: 2, what: "principal not found",
             arguments: ["role", "assignment", "create", "--assignee", "nobody", "--role", "Key Vault Reader",
                         "--scope", "/vaults/app", "--store", "@store"]),
        Case(code: 2, what: "nothing mounted", arguments: ["unmount", "@dir"]),
        Case(code: 2, what: "a data command's vault not found (the Owner is told)",
             arguments: ["secret", "show", "--vault", "nosuch", "--name", "s", "--store", "@store"]),
        Case(code: 2, what: "mount --vault names no vault",
             arguments: ["mount", "@dir", "--vault", "app", "--vault", "nosuch", "--foreground", "--store", "@store"]),
        Case(code: 5, what: "init with a master key file others can read",
             arguments: ["init", "--store", "@dir/new", "--master-key-file", "@dir/shared.key"]),
        Case(code: 3, what: "no role grants the action",
             arguments: ["secret", "show", "--vault", "other", "--name", "s", "--store", "@store"]),
        Case(code: 4, what: "vault name taken (case-insensitive)", arguments: ["vault", "create", "--name", "APP", "--store", "@store"]),
        Case(code: 4, what: "soft-deleted name", arguments: ["secret", "set", "--vault", "locked", "--name", "gone", "--store", "@store"],
             input: "new"),
        Case(code: 4, what: "store already exists", arguments: ["init", "--store", "@store"]),
        Case(code: 4, what: "role already assigned",
             arguments: ["role", "assignment", "create", "--assignee", "me", "--role", "Key Vault Administrator",
                         "--scope", "/vaults/app", "--store", "@store"]),
        Case(code: 5, what: "bad name", arguments: ["vault", "create", "--name", "bad_name", "--store", "@store"]),
        Case(code: 5, what: "value too large", arguments: ["secret", "set", "--vault", "app", "--name", "big", "--store", "@store"],
             input: String(repeating: "x", count: 25_601)),
        Case(code: 5, what: "bad date",
             arguments: ["secret", "set", "--vault", "app", "--name", "dated", "--expires", "someday", "--value", "v", "--store", "@store"]),
        Case(code: 5, what: "disabling purge protection",
             arguments: ["vault", "update", "--name", "locked", "--enable-purge-protection", "false", "--store", "@store"]),
        Case(code: 5, what: "unknown role",
             arguments: ["role", "assignment", "create", "--assignee", "me", "--role", "Bogus", "--scope", "/vaults/app",
                         "--store", "@store"]),
        Case(code: 6, what: "no store", arguments: ["vault", "list", "--store", "@dir/missing"]),
        Case(code: 6, what: "wrong master key", arguments: ["vault", "list", "--store", "@store", "--master-key-file", "@dir/other.key"]),
        Case(code: 6, what: "damaged record", arguments: ["secret", "show", "--vault", "app", "--name", "s", "--store", "@store"],
             damage: "update versions set sealed_value = randomblob(length(sealed_value)) where sealed_value is not null"),
        Case(code: 6, what: "audit chain broken", arguments: ["audit", "verify", "--store", "@store"],
             damage: #"update audit set line = replace(line, '"uid":0', '"uid":7') where seq = 2"#),
        Case(code: 7, what: "disabled secret", arguments: ["secret", "show", "--vault", "app", "--name", "off", "--store", "@store"]),
        Case(code: 7, what: "purge protection", arguments: ["secret", "purge", "--vault", "locked", "--name", "gone", "--store", "@store"]),
        Case(code: 8, what: "not supported (a key release: kvfs trusts no attestation service)",
             arguments: ["key", "release", "--vault", "app", "--name", "cmk", "--target", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "--store", "@store"]),
        // uid 3301 has no user name, /dev/fuse may be closed to it and /etc/fuse.conf may lack user_allow_other:
        // each refuses its mount (VaultNonRootMountTests checks every one on its own).
        Case(code: 9, what: "the system refuses the mount (a user other than root, through fusermount3)",
             arguments: ["mount", "@dir", "--store", "@store"], identity: VaultProcess.Identity(uid: 3301, gid: 3301)),
        Case(code: 64, what: "unknown option", arguments: ["vault", "list", "--bogus"]),
        Case(code: 64, what: "missing argument", arguments: ["vault", "create", "--store", "@store"]),
    ]

    @Test(arguments: CLIExitCodes.cases)
    func exitCode(_ c: Case) throws {
        let store = try Store()
        if let damage = c.damage { try store.sql(damage) }
        let key = store.directory + "/other.key"
        FileManager.default.createFile(atPath: key, contents: Data((0..<32).map { _ in UInt8.random(in: 0...255) }),
                                       attributes: [.posixPermissions: 0o600])
        FileManager.default.createFile(atPath: store.directory + "/shared.key", contents: Data(String(repeating: "ab", count: 32).utf8),
                                       attributes: [.posixPermissions: 0o644])
        let arguments = c.arguments.map {
            $0.replacingOccurrences(of: "@store", with: store.path).replacingOccurrences(of: "@dir", with: store.directory)
        }
        let out = try VaultProcess.run((c.identity?.setprivArguments ?? []) + [VaultMountFixture.kvfsPath] + arguments,
                                       input: c.input.map { Data($0.utf8) })
        #expect(out.status == c.code, "kvfs \(arguments.joined(separator: " ")): \(out)")
        if c.code != 0 && c.code != 64 {
            // One clear error line on stderr, starting with `kvfs: ` (docs/cli.md). Log lines (warnings) may
            // come before it: a damaged record is also logged as an integrity warning.
            let lines = out.stderr.split(separator: "\n")
            #expect(lines.filter { $0.hasPrefix("kvfs: ") }.count == 1 && lines.last?.hasPrefix("kvfs: ") == true,
                    "stderr: \(out.stderr)")
        }
    }

    /// The codes of docs/cli.md's exit-code table.
    static func documentedCodes() throws -> Set<Int32> {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("docs/cli.md").path) {
            dir.deleteLastPathComponent()
        }
        let text = try String(contentsOf: dir.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        guard let section = text.components(separatedBy: "## Exit codes").dropFirst().first else {
            throw VaultTestError("docs/cli.md has no '## Exit codes' section")
        }
        let codes = section.split(separator: "\n").prefix { !$0.hasPrefix("## ") }.compactMap { line -> Int32? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return cells.first.flatMap { Int32($0) }
        }
        return Set(codes)
    }

    @Test func everyDocumentedCodeHasACase() throws {
        let documented = try CLIExitCodes.documentedCodes()
        #expect(documented.count >= 9, "parsed \(documented.sorted()) from docs/cli.md")
        #expect(documented == Set(CLIExitCodes.cases.map(\.code)),
                "documented \(documented.sorted()), tested \(Set(CLIExitCodes.cases.map(\.code)).sorted())")
    }
}
