import Foundation
import Testing
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// The built `kvfs` binary's output, compared with golden files in `CLI/Golden/` (`<command>.<format>`).
///
/// The store is seeded with fixed names, a fixed EC key and a fixed certificate (`Golden/*.pem`), so keys,
/// thumbprints and certificate bytes are the same in every run. `signing-key.pem` is a published test key made
/// for these goldens only: it protects nothing and must never be used for anything else. What still changes from run to run is
/// normalised in both the output and the comparison, with same-length placeholders so that table columns keep
/// their widths: ISO 8601 times become `YYYY-MM-DDThh:mm:ssZ` (creation, update, deletion times; the fixed
/// certificate's own dates too) and 32-hex-digit identifiers (versions, assignment and request ids) become
/// 32 `x`. Nothing else is touched.
///
/// To regenerate after a deliberate change of shape: `KVFS_UPDATE_GOLDEN=1 swift test --skip-build --filter
/// CLIGoldenOutput`, then review the diff of `Tests/FSIntegrationTests/CLI/Golden`.
@Suite struct CLIGoldenOutput {
    struct Case: CustomStringConvertible, Sendable {
        var golden: String
        var arguments: [String]
        var description: String { golden }
    }

    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// A store with vault `app` (the owner, root, is Administrator there through principal `me`), vault `locked`
    /// (purge protection, 7 days); secret `app/db` (two versions, tags, a content type), soft-deleted secret
    /// `app/old`; imported key `app/signer`, soft-deleted key `app/retired`, imported exportable key `app/cmk`
    /// with an immutable release policy; imported certificate `app/web`;
    /// two certificate contacts and issuer `corp-ca` in `app`.
    final class GoldenStore: @unchecked Sendable {
        let directory: String
        var path: String { directory + "/store" }

        init() throws {
            var template = Array("/tmp/kvfs-golden-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw VaultTestError("mkdtemp failed: errno \(errno)") }
            directory = String(cString: made)
            let engine = try VaultEngine.initialize(at: StoreLocation.resolve(directory: directory + "/store", masterKeyFile: nil))
            let me = Caller.currentProcess()
            try engine.vaults.create(named: "app", as: me)
            try engine.vaults.create(named: "locked", options: VaultCreateOptions(retentionDays: 7, purgeProtection: true), as: me)
            try engine.access.createPrincipal(named: "me", kind: .user, unixID: 0, as: me)
            try engine.access.createPrincipal(named: "ops", kind: .group, unixID: 1500, as: me)
            try engine.access.assign(principal: "me", role: .administrator, scope: try Scope(parsing: "/vaults/app"), as: me)
            try engine.access.assign(principal: "ops", role: .reader, scope: try Scope(parsing: "/vaults/app/secrets/db"), as: me)
            try engine.secrets.set(vault: "app", name: "db", value: Array("first".utf8), as: me)
            try engine.secrets.set(vault: "app", name: "db", value: Array("s3cret".utf8),
                                   attributes: NewVersionAttributes(contentType: "text/plain", tags: ["env": "prod", "owner": "ops"]), as: me)
            try engine.secrets.set(vault: "app", name: "old", value: Array("bye".utf8), as: me)
            try engine.objects(.secret).delete(vault: "app", name: "old", as: me)
            let keyPEM = try String(contentsOf: CLIGoldenOutput.goldenDirectory.appendingPathComponent("signing-key.pem"), encoding: .utf8)
            try engine.keys.import(vault: "app", name: "signer", .pkcs8PEM(keyPEM), keyOps: [.sign, .verify], as: me)
            try engine.keys.import(vault: "app", name: "retired", .pkcs8PEM(keyPEM), as: me)
            try engine.objects(.key).delete(vault: "app", name: "retired", as: me)
            let release = #"{"version":"1.0.0","anyOf":[{"authority":"https://attest.example/","allOf":[{"claim":"tee","equals":"sevsnpvm"}]}]}"#
            try engine.keys.import(vault: "app", name: "cmk", .pkcs8PEM(keyPEM), keyOps: [.sign, .verify],
                                   release: KeyReleaseOptions(exportable: true, releasePolicy: KeyReleasePolicy(data: Array(release.utf8), immutable: true)),
                                   as: me)
            let certificate = try Data(contentsOf: CLIGoldenOutput.goldenDirectory.appendingPathComponent("certificate.pem"))
            try engine.certificates.import(vault: "app", name: "web", CertificateImport(value: SecureBytes([UInt8](certificate)),
                                                                                      tags: ["team": "web"]), as: me)
            try engine.certificates.setContacts(vault: "app", [CertificateContact(email: "ops@example.com", name: "Ops", phone: "+1 555 0100"),
                                                               CertificateContact(email: "sec@example.com")], as: me)
            try engine.certificates.setIssuer(vault: "app", name: "corp-ca", CertificateIssuerRequest(provider: "Unknown", organizationID: "corp"), as: me)
            try engine.flushAudit()
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }
    }

    static let commands: [(String, [String])] = [
        ("vault-show", ["vault", "show", "--name", "app"]),
        ("vault-list", ["vault", "list"]),
        ("secret-show", ["secret", "show", "--vault", "app", "--name", "db"]),
        ("secret-show-metadata", ["secret", "show", "--vault", "app", "--name", "db", "--metadata"]),
        ("secret-list", ["secret", "list", "--vault", "app"]),
        ("secret-list-versions", ["secret", "list-versions", "--vault", "app", "--name", "db"]),
        ("secret-show-deleted", ["secret", "show-deleted", "--vault", "app", "--name", "old"]),
        ("secret-list-deleted", ["secret", "list-deleted", "--vault", "app"]),
        ("key-show", ["key", "show", "--vault", "app", "--name", "signer"]),
        ("key-show-release-policy", ["key", "show", "--vault", "app", "--name", "cmk"]),
        ("key-list", ["key", "list", "--vault", "app"]),
        ("key-list-deleted", ["key", "list-deleted", "--vault", "app"]),
        ("certificate-show", ["certificate", "show", "--vault", "app", "--name", "web"]),
        ("certificate-list", ["certificate", "list", "--vault", "app"]),
        ("certificate-contact-list", ["certificate", "contact", "list", "--vault", "app"]),
        ("certificate-issuer-show", ["certificate", "issuer", "show", "--vault", "app", "--issuer-name", "corp-ca"]),
        ("certificate-issuer-list", ["certificate", "issuer", "list", "--vault", "app"]),
        ("principal-list", ["principal", "list"]),
        ("role-assignment-list", ["role", "assignment", "list"]),
    ]

    static let cases: [Case] = commands.flatMap { name, arguments in
        ["json", "table"].map { Case(golden: "\(name).\($0)", arguments: arguments + ["-o", $0]) }
    } + [
        Case(golden: "secret-show.yaml", arguments: ["secret", "show", "--vault", "app", "--name", "db", "-o", "yaml"]),
        Case(golden: "secret-list.tsv", arguments: ["secret", "list", "--vault", "app", "-o", "tsv"]),
        Case(golden: "key-show.yaml", arguments: ["key", "show", "--vault", "app", "--name", "signer", "-o", "yaml"]),
        Case(golden: "role-list.table", arguments: ["role", "list", "-o", "table"]),
        Case(golden: "certificate-get-default-policy.json", arguments: ["certificate", "get-default-policy"]),
        Case(golden: "key-get-policy-template.json", arguments: ["key", "get-policy-template"]),
        Case(golden: "certificate-get-default-policy-rest.json", arguments: ["certificate", "get-default-policy", "--spelling", "rest"]),
    ]

    /// Same-length placeholders for what changes from run to run (see the suite's comment).
    static func normalise(_ text: String) -> String {
        text.replacingOccurrences(of: #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"#, with: "YYYY-MM-DDThh:mm:ssZ", options: .regularExpression)
            .replacingOccurrences(of: #"(?<![0-9a-fA-F])[0-9a-f]{32}(?![0-9a-fA-F])"#, with: String(repeating: "x", count: 32),
                                  options: .regularExpression)
    }

    static let store: GoldenStore? = try? GoldenStore()

    @Test(arguments: CLIGoldenOutput.cases)
    func output(_ c: Case) throws {
        let store = try #require(CLIGoldenOutput.store, "the golden store could not be seeded")
        let storeless = c.arguments.starts(with: ["role", "list"]) || c.arguments.starts(with: ["certificate", "get-default-policy"])
            || c.arguments.starts(with: ["key", "get-policy-template"])
        let out = try VaultProcess.run([VaultMountFixture.kvfsPath] + c.arguments + (storeless ? [] : ["--store", store.path]))
        #expect(out.status == 0, "\(out)")
        let actual = CLIGoldenOutput.normalise(out.stdout)
        let file = CLIGoldenOutput.goldenDirectory.appendingPathComponent(c.golden)
        if ProcessInfo.processInfo.environment["KVFS_UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: file)
            return
        }
        let expected = try #require(try? String(contentsOf: file, encoding: .utf8), "no golden file \(c.golden)")
        #expect(actual == expected, "kvfs \(c.arguments.joined(separator: " ")) differs from Golden/\(c.golden):\n\(actual)")
    }

    @Test func jsonIsTheDefault() throws {
        let store = try #require(CLIGoldenOutput.store)
        let plain = try VaultProcess.run([VaultMountFixture.kvfsPath, "secret", "list", "--vault", "app", "--store", store.path])
        let json = try VaultProcess.run([VaultMountFixture.kvfsPath, "secret", "list", "--vault", "app", "-o", "json", "--store", store.path])
        #expect(plain.status == 0 && plain.stdout == json.stdout)
        let none = try VaultProcess.run([VaultMountFixture.kvfsPath, "secret", "list", "--vault", "app", "--output", "none", "--store", store.path])
        #expect(none.status == 0 && none.stdout.isEmpty)
    }

    @Test func secretShowWithoutFormatWritesTheExactBytes() throws {
        let store = try #require(CLIGoldenOutput.store)
        let out = try VaultProcess.run([VaultMountFixture.kvfsPath, "secret", "show", "--vault", "app", "--name", "db", "--store", store.path])
        #expect(out.status == 0 && out.stdout == "s3cret")
    }

    @Test func showAndListAgree() throws {
        // One shape per kind: show's attributes are list's attributes, dates as ISO 8601 (not Unix seconds).
        let store = try #require(CLIGoldenOutput.store)
        func json(_ arguments: [String]) throws -> Any {
            let out = try VaultProcess.run([VaultMountFixture.kvfsPath] + arguments + ["--store", store.path])
            return try JSONSerialization.jsonObject(with: Data(out.stdout.utf8))
        }
        let shown = try #require(try json(["certificate", "show", "--vault", "app", "--name", "web"]) as? [String: Any])
        let listed = try #require((try json(["certificate", "list", "--vault", "app"]) as? [[String: Any]])?.first)
        let shownAttributes = try #require(shown["attributes"] as? [String: Any])
        #expect(Set(shownAttributes.keys) == ["created", "enabled", "expires", "notBefore", "recoverableDays", "recoveryLevel", "updated"])
        #expect(Set(shownAttributes.keys) == Set((listed["attributes"] as? [String: Any] ?? [:]).keys))
        #expect(shownAttributes["expires"] as? String == (listed["attributes"] as? [String: Any])?["expires"] as? String)
        let deleted = try #require((try json(["secret", "list-deleted", "--vault", "app"]) as? [[String: Any]])?.first)
        #expect(deleted["name"] as? String == "old")
        #expect(deleted["properties"] == nil)
    }

    @Test func badFormatIsAUsageError() throws {
        let out = try VaultProcess.run([VaultMountFixture.kvfsPath, "vault", "list", "-o", "xml"])
        #expect(out.status == 64, "\(out)")
    }
}
