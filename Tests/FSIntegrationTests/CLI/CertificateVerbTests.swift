import Foundation
import Testing
import VaultEngine

/// Certificate verbs of issue 14: policies in both spellings, pending operations, contacts and issuers,
/// through the built binary on a store seeded in-process.
@Suite struct CLICertificateVerbs {
    func kvfs(_ store: CLIExitCodes.Store, _ arguments: [String], input: Data? = nil) throws -> VaultProcess.Outcome {
        try VaultProcess.run([VaultMountFixture.kvfsPath] + arguments + ["--store", store.path], input: input)
    }

    func object(_ out: VaultProcess.Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out)")
    }

    @Test func policyInBothSpellings() throws {
        let store = try CLIExitCodes.Store()
        let rest = try VaultProcess.run([VaultMountFixture.kvfsPath, "certificate", "get-default-policy", "--spelling", "rest"]).stdout
        let created = try kvfs(store, ["certificate", "create", "--vault", "app", "--name", "web", "--policy", "-", "-o", "none"], input: Data(rest.utf8))
        #expect(created.status == 0, "\(created)")
        // The policy reads back in either spelling, the same policy.
        let az = try object(try kvfs(store, ["certificate", "show", "--vault", "app", "--name", "web", "--policy"]))
        #expect((az["keyProperties"] as? [String: Any])?["keySize"] as? Int == 2048)
        let shownRest = try kvfs(store, ["certificate", "show", "--vault", "app", "--name", "web", "--policy", "--spelling", "rest"])
        #expect(shownRest.stdout == rest, "\(shownRest)")
        // An update in az's spelling, from a file.
        let file = store.directory + "/policy.json"
        let azPolicy = try VaultProcess.run([VaultMountFixture.kvfsPath, "certificate", "get-default-policy"]).stdout
        FileManager.default.createFile(atPath: file, contents: Data(azPolicy.replacingOccurrences(of: "CN=CLIGetDefaultPolicy", with: "CN=web").utf8))
        #expect(try kvfs(store, ["certificate", "update", "--vault", "app", "--name", "web", "--policy", file, "-o", "none"]).status == 0)
        let updated = try object(try kvfs(store, ["certificate", "show", "--vault", "app", "--name", "web", "--policy", "--spelling", "rest"]))
        #expect((updated["x509_props"] as? [String: Any])?["subject"] as? String == "CN=web")
        // Mixed or unknown fields: exit 5, one line naming the field, nothing created.
        let mixed = rest.replacingOccurrences(of: "\"key_props\"", with: "\"keyProperties\"")
        let refused = try kvfs(store, ["certificate", "create", "--vault", "app", "--name", "mixed", "--policy", "-"], input: Data(mixed.utf8))
        #expect(refused.status == 5, "\(refused)")
        #expect(refused.stderr == "kvfs: stdin: A policy mixes az's spelling ('keyProperties') with the REST API's ('issuer'): write every field in one of them.\n",
                "\(refused)")
        FileManager.default.createFile(atPath: file, contents: Data(rest.replacingOccurrences(of: "validity_months", with: "validityInMonths").utf8))
        let wrong = try kvfs(store, ["certificate", "create", "--vault", "app", "--name", "wrong", "--policy", file])
        #expect(wrong.status == 5 && wrong.stderr == "kvfs: \(file): Policy field 'x509_props.validityInMonths' is az's spelling, but this policy uses the REST API's spelling: write 'validity_months'.\n",
                "\(wrong)")
        #expect(try kvfs(store, ["certificate", "show", "--vault", "app", "--name", "mixed"]).status == 2)
        #expect(try kvfs(store, ["certificate", "get-default-policy", "--spelling", "snake"]).status == 64)
    }

    @Test func pendingShowAndDelete() throws {
        let store = try CLIExitCodes.Store()
        let selfSigned = try VaultProcess.run([VaultMountFixture.kvfsPath, "certificate", "get-default-policy"]).stdout
        let unknown = selfSigned.replacingOccurrences(of: "\"Self\"", with: "\"Unknown\"")
        #expect(try kvfs(store, ["certificate", "create", "--vault", "app", "--name", "web", "--policy", "-", "-o", "none"], input: Data(selfSigned.utf8)).status == 0)
        let first = try object(try kvfs(store, ["certificate", "show", "--vault", "app", "--name", "web"]))
        // A renewal by a CA: pending with a CSR, then abandoned; the self-signed version stays current.
        let created = try object(try kvfs(store, ["certificate", "create", "--vault", "app", "--name", "web", "--policy", "-"], input: Data(unknown.utf8)))
        #expect(created["status"] as? String == "inProgress")
        let shown = try object(try kvfs(store, ["certificate", "pending", "show", "--vault", "app", "--name", "web"]))
        #expect(shown["csr"] as? String == created["csr"] as? String && shown["csr"] != nil)
        let deleted = try object(try kvfs(store, ["certificate", "pending", "delete", "--vault", "app", "--name", "web"]))
        #expect(deleted["requestId"] as? String == created["requestId"] as? String)
        let again = try kvfs(store, ["certificate", "pending", "show", "--vault", "app", "--name", "web"])
        #expect(again.status == 2 && again.stderr.hasPrefix("kvfs: "), "\(again)")
        #expect(try object(try kvfs(store, ["certificate", "show", "--vault", "app", "--name", "web"]))["id"] as? String == first["id"] as? String)
        // A first creation abandoned: the certificate is gone, the name free.
        #expect(try kvfs(store, ["certificate", "create", "--vault", "app", "--name", "csr", "--policy", "-", "-o", "none"], input: Data(unknown.utf8)).status == 0)
        #expect(try kvfs(store, ["certificate", "pending", "delete", "--vault", "app", "--name", "csr", "-o", "none"]).status == 0)
        #expect(try kvfs(store, ["certificate", "show", "--vault", "app", "--name", "csr"]).status == 2)
        #expect(try kvfs(store, ["certificate", "pending", "delete", "--vault", "app", "--name", "csr"]).status == 2)
        #expect(try kvfs(store, ["certificate", "pending", "delete", "--vault", "app"]).status == 64)
    }

    func array(_ out: VaultProcess.Outcome) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]], "\(out)")
    }

    @Test func contactsAddListDelete() throws {
        let store = try CLIExitCodes.Store()
        #expect(try array(try kvfs(store, ["certificate", "contact", "list", "--vault", "app"])).isEmpty)
        let added = try array(try kvfs(store, ["certificate", "contact", "add", "--vault", "app", "--email", "ops@example.com", "--name", "Ops"]))
        #expect(added.map { $0["email"] as? String } == ["ops@example.com"])
        #expect(try kvfs(store, ["certificate", "contact", "add", "--vault", "app", "--email", "sec@example.com", "--phone", "+1 555", "-o", "none"]).status == 0)
        let listed = try array(try kvfs(store, ["certificate", "contact", "list", "--vault", "app"]))
        #expect(listed.count == 2 && listed.last?["phone"] as? String == "+1 555")
        #expect(Set(listed[0].keys) == ["email", "name", "phone"])
        let left = try array(try kvfs(store, ["certificate", "contact", "delete", "--vault", "app", "--email", "OPS@example.com"]))
        #expect(left.map { $0["email"] as? String } == ["sec@example.com"])
        let missing = try kvfs(store, ["certificate", "contact", "delete", "--vault", "app", "--email", "ops@example.com"])
        #expect(missing.status == 2 && missing.stderr == "kvfs: Vault 'app' has no certificate contact 'ops@example.com'.\n", "\(missing)")
        let bad = try kvfs(store, ["certificate", "contact", "add", "--vault", "app", "--email", "nobody"])
        #expect(bad.status == 5 && bad.stderr == "kvfs: 'nobody' is not an e-mail address.\n", "\(bad)")
        #expect(try kvfs(store, ["certificate", "contact", "add", "--vault", "app"]).status == 64)
    }

    @Test func issuersCreateListShowDelete() throws {
        let store = try CLIExitCodes.Store()
        let created = try object(try kvfs(store, ["certificate", "issuer", "create", "--vault", "app", "--issuer-name", "corp-ca",
                                                  "--provider-name", "unknown", "--organization-id", "corp"]))
        #expect(created["provider"] as? String == "Unknown" && created["name"] as? String == "corp-ca")
        #expect((created["id"] as? String)?.hasSuffix("/certificates/issuers/corp-ca") == true)
        #expect(try kvfs(store, ["certificate", "issuer", "create", "--vault", "app", "--name", "self", "--provider-name", "Self", "--disabled", "-o", "none"]).status == 0)
        let listed = try array(try kvfs(store, ["certificate", "issuer", "list", "--vault", "app"]))
        #expect(listed.map { $0["name"] as? String } == ["corp-ca", "self"])
        let shown = try object(try kvfs(store, ["certificate", "issuer", "show", "--vault", "app", "--issuer-name", "self"]))
        #expect((shown["attributes"] as? [String: Any])?["enabled"] as? Bool == false)
        // Partner CAs and credentials: refused, exit 5, no password in the message; nothing stored.
        let partner = try kvfs(store, ["certificate", "issuer", "create", "--vault", "app", "--issuer-name", "dc", "--provider-name", "DigiCert"])
        #expect(partner.status == 5 && partner.stderr.hasPrefix("kvfs: Issuer provider 'DigiCert' is not supported"), "\(partner)")
        let credentials = try kvfs(store, ["certificate", "issuer", "create", "--vault", "app", "--issuer-name", "dc", "--provider-name", "Unknown",
                                           "--account-id", "acct", "--password", "hunter2"])
        #expect(credentials.status == 5 && !credentials.stderr.contains("hunter2"), "\(credentials)")
        #expect(try kvfs(store, ["certificate", "issuer", "show", "--vault", "app", "--issuer-name", "dc"]).status == 2)
        #expect(try kvfs(store, ["certificate", "issuer", "delete", "--vault", "app", "--issuer-name", "corp-ca", "-o", "none"]).status == 0)
        #expect(try kvfs(store, ["certificate", "issuer", "delete", "--vault", "app", "--issuer-name", "corp-ca"]).status == 2)
        #expect(try kvfs(store, ["certificate", "issuer", "create", "--vault", "app", "--issuer-name", "x_y", "--provider-name", "Self"]).status == 5)
        let audit = try kvfs(store, ["audit", "list", "--vault", "app"]).stdout
        #expect(audit.contains("CertificateIssuerSet") && audit.contains("CertificateIssuersList") && !audit.contains("hunter2"))
    }
}
