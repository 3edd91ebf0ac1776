import Foundation
import Testing
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// az's verbs that kvfs lacked (issue 14, part 2), through the built binary on a store seeded in-process.
@Suite struct CLIAzVerbs {
    func kvfs(_ store: CLIExitCodes.Store, _ arguments: [String], input: Data? = nil) throws -> VaultProcess.Outcome {
        try VaultProcess.run([VaultMountFixture.kvfsPath] + arguments + ["--store", store.path], input: input)
    }

    func mode(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1 }

    @Test func secretDownloadEncodings() throws {
        let store = try CLIExitCodes.Store()
        let binary = Data((0..<256).map { UInt8($0) })
        let source = store.directory + "/source.bin"
        FileManager.default.createFile(atPath: source, contents: binary)
        for encoding in ["base64", "hex"] {
            let name = "bin-\(encoding)"
            #expect(try kvfs(store, ["secret", "set", "--vault", "app", "--name", name, "--file", source, "--encoding", encoding, "-o", "none"]).status == 0)
            // The stored value is the text az stores for a binary file.
            let stored = try kvfs(store, ["secret", "show", "--vault", "app", "--name", name]).stdout
            #expect(stored == (encoding == "base64" ? binary.base64EncodedString() : binary.map { String(format: "%02x", $0) }.joined()))
            let target = store.directory + "/\(name).out"
            let out = try kvfs(store, ["secret", "download", "--vault", "app", "--name", name, "--file", target, "--encoding", encoding])
            #expect(out.status == 0 && out.stdout.isEmpty, "\(out)")
            #expect(FileManager.default.contents(atPath: target) == binary)
            #expect(mode(target) == 0o600)
        }
        // utf-8 (the default) and ascii write the value as it is.
        for encoding in ["utf-8", "ascii"] {
            let target = store.directory + "/s-\(encoding)"
            #expect(try kvfs(store, ["secret", "download", "--vault", "app", "--name", "s", "--file", target, "--encoding", encoding]).status == 0)
            #expect(FileManager.default.contents(atPath: target) == Data("value".utf8))
        }
    }

    @Test func secretDownloadRefusals() throws {
        let store = try CLIExitCodes.Store()
        let existing = store.directory + "/exists"
        FileManager.default.createFile(atPath: existing, contents: Data("keep".utf8))
        let taken = try kvfs(store, ["secret", "download", "--vault", "app", "--name", "s", "--file", existing])
        #expect(taken.status == 4 && taken.stderr.hasPrefix("kvfs: "), "\(taken)")
        #expect(FileManager.default.contents(atPath: existing) == Data("keep".utf8))
        // A value that is not in the asked encoding: refused without showing the value.
        let notHex = try kvfs(store, ["secret", "download", "--vault", "app", "--name", "s", "--file", store.directory + "/x", "--encoding", "hex"])
        #expect(notHex.status == 5 && !notHex.stderr.contains("value"), "\(notHex)")
        #expect(!FileManager.default.fileExists(atPath: store.directory + "/x"))
        #expect(try kvfs(store, ["secret", "download", "--vault", "app", "--name", "s", "--file", store.directory + "/y", "--encoding", "utf-16"]).status == 64)
        #expect(try kvfs(store, ["secret", "download", "--vault", "app", "--name", "off", "--file", store.directory + "/z"]).status == 7)
    }

    @Test func keyDownloadPEMAndDER() throws {
        let store = try CLIExitCodes.Store()
        #expect(try kvfs(store, ["key", "create", "--vault", "app", "--name", "signer", "--kty", "EC", "-o", "none"]).status == 0)
        let pem = store.directory + "/signer.pem", der = store.directory + "/signer.der"
        #expect(try kvfs(store, ["key", "download", "--vault", "app", "--name", "signer", "--file", pem]).status == 0)
        #expect(try kvfs(store, ["key", "download", "--vault", "app", "--name", "signer", "--file", der, "--encoding", "DER"]).status == 0)
        let shown = try kvfs(store, ["key", "show", "--vault", "app", "--name", "signer", "--pem"]).stdout
        #expect(String(decoding: FileManager.default.contents(atPath: pem) ?? Data(), as: UTF8.self) == shown)
        let fromDER = try VaultProcess.run(["/usr/bin/openssl", "pkey", "-pubin", "-inform", "DER", "-in", der])
        #expect(fromDER.status == 0 && fromDER.stdout == shown, "\(fromDER)")
        #expect(mode(pem) == 0o644)
        #expect(try kvfs(store, ["key", "download", "--vault", "app", "--name", "signer", "--file", pem]).status == 4)
        #expect(try kvfs(store, ["key", "download", "--vault", "app", "--name", "signer", "--file", pem + "2", "--encoding", "JWK"]).status == 5)
    }

    @Test func deletedObjectsOfEveryKind() throws {
        let store = try CLIExitCodes.Store()
        let policy = try VaultProcess.run([VaultMountFixture.kvfsPath, "certificate", "get-default-policy"]).stdout
        let created = try kvfs(store, ["certificate", "create", "--vault", "app", "--name", "web", "--policy", "-", "-o", "none"],
                               input: Data(policy.utf8))
        #expect(created.status == 0, "\(created)")
        #expect(try kvfs(store, ["certificate", "delete", "--vault", "app", "--name", "web", "-o", "none"]).status == 0)
        let listed = try kvfs(store, ["certificate", "list-deleted", "--vault", "app"])
        let items = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]], "\(listed)")
        #expect(items.map { $0["name"] as? String } == ["web"])
        #expect((items.first?["recoveryId"] as? String)?.hasSuffix("/deletedcertificates/web") == true)
        let shown = try kvfs(store, ["certificate", "show-deleted", "--vault", "app", "--name", "web"])
        let item = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any], "\(shown)")
        #expect(Set(item.keys) == Set(items[0].keys))
        #expect(try kvfs(store, ["certificate", "show-deleted", "--vault", "app", "--name", "nope"]).status == 2)
        // Vaults: list-deleted and show-deleted.
        #expect(try kvfs(store, ["vault", "create", "--name", "gone", "-o", "none"]).status == 0)
        #expect(try kvfs(store, ["vault", "delete", "--name", "gone", "-o", "none"]).status == 0)
        let vaults = try kvfs(store, ["vault", "list-deleted", "-o", "tsv"])
        #expect(vaults.stdout.contains("gone"), "\(vaults)")
        #expect(try kvfs(store, ["vault", "show-deleted", "--name", "gone"]).status == 0)
        #expect(try kvfs(store, ["vault", "show-deleted", "--name", "app"]).status == 2)
    }

    @Test func roleAssignmentDeleteByAssigneeRoleAndScope() throws {
        let store = try CLIExitCodes.Store()
        #expect(try kvfs(store, ["principal", "create", "--name", "web", "--uid", "33", "-o", "none"]).status == 0)
        for (role, scope) in [("Key Vault Secrets User", "/vaults/app"), ("Key Vault Reader", "/vaults/app"),
                              ("Key Vault Secrets User", "/vaults/app/secrets/s")] {
            #expect(try kvfs(store, ["role", "assignment", "create", "--assignee", "web", "--role", role, "--scope", scope, "-o", "none"]).status == 0)
        }
        func count(_ extra: [String]) throws -> Int {
            let out = try kvfs(store, ["role", "assignment", "list", "--assignee", "web"] + extra)
            return (try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [Any])?.count ?? -1
        }
        #expect(try count(["--scope", "/vaults/app/secrets/s"]) == 1)
        #expect(try count(["--scope", "/vaults/app/secrets/s", "--include-inherited"]) == 3)
        #expect(try count(["--role", "Key Vault Reader"]) == 1)
        #expect(try kvfs(store, ["role", "assignment", "list", "--include-inherited"]).status == 64)
        // By role and scope: one goes.
        let one = try kvfs(store, ["role", "assignment", "delete", "--assignee", "web", "--role", "Key Vault Secrets User", "--scope", "/vaults/app"])
        #expect(one.status == 0 && one.stdout.isEmpty, "\(one)")
        #expect(try count([]) == 2)
        #expect(try kvfs(store, ["role", "assignment", "delete", "--assignee", "web", "--role", "Key Vault Secrets User", "--scope", "/vaults/app"]).status == 2)
        // Nothing to filter by: a usage error, nothing removed.
        #expect(try kvfs(store, ["role", "assignment", "delete"]).status == 64)
        // By assignee: the rest go; the owner's own assignments stay.
        #expect(try kvfs(store, ["role", "assignment", "delete", "--assignee", "web"]).status == 0)
        #expect(try count([]) == 0)
        let mine = try kvfs(store, ["role", "assignment", "list", "--assignee", "me"])
        #expect((try JSONSerialization.jsonObject(with: Data(mine.stdout.utf8)) as? [Any])?.count == 2)
    }
}
