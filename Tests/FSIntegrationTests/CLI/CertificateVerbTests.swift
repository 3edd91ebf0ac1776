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
}
