import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// The management control files at the mount's root: `.audit` for a Key Vault Audit Reader and `.access` for
    /// a Key Vault Data Access Administrator, neither of whom owns the store — through the files themselves
    /// (exact errnos) and through `kvfs … --mount` run as their uids (exact exit codes).
    @Suite struct ManagementControl {
        static let storeAuditor = VaultProcess.Identity(uid: 2301, gid: 2301)
        static let vaultAuditor = VaultProcess.Identity(uid: 2302, gid: 2302)
        static let officer = VaultProcess.Identity(uid: 2303, gid: 2303)
        static let nobody = VaultProcess.Identity(uid: 2304, gid: 2304)
        static let delegator = VaultProcess.Identity(uid: 2311, gid: 2311)
        static let dataAdmin = VaultProcess.Identity(uid: 2312, gid: 2312)
        static let app = VaultProcess.Identity(uid: 2319, gid: 2319)

        static var setup: VaultMountFixture.Setup {
            VaultMountFixture.Setup(
                vaults: [.init(name: "alpha"), .init(name: "beta")],
                users: [("store-auditor", 2301), ("beta-auditor", 2302), ("officer", 2303), ("nobody", 2304),
                        ("delegator", 2311), ("data-admin", 2312), ("app", 2319)],
                assignments: [("store-auditor", "Key Vault Audit Reader", "/"),
                              ("beta-auditor", "Key Vault Audit Reader", "/vaults/beta"),
                              ("officer", "Key Vault Secrets Officer", "/vaults/alpha"),
                              ("delegator", "Key Vault Data Access Administrator", "/vaults/alpha"),
                              ("data-admin", "Key Vault Administrator", "/vaults/alpha")],
                secrets: [("alpha", "a", "alpha-value"), ("beta", "b", "beta-value")])
        }

        /// Opens `file` in the mount read-write as `identity`, writes `request`, reads the answer:
        /// `{"open": errno-or-OK, "write": errno-or-OK, "answer": text}`.
        static func control(_ mount: VaultMountFixture, _ identity: VaultProcess.Identity, _ file: String, _ request: String) throws -> [String: String] {
            let script = """
            import errno, json, os, sys
            try:
                fd = os.open(sys.argv[1], os.O_RDWR)
            except OSError as e:
                print(json.dumps({"open": errno.errorcode[e.errno]})); sys.exit(0)
            try:
                os.write(fd, sys.argv[2].encode()); w = "OK"
            except OSError as e:
                w = errno.errorcode[e.errno]
            data = b""
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except OSError as e:
                    break
                if not chunk: break
                data += chunk
            print(json.dumps({"open": "OK", "write": w, "answer": data.decode()}))
            """
            let out = try mount.python(identity, script, [mount.path(file), request])
            guard out.succeeded, let object = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: String] else {
                throw VaultTestError("control request as \(identity) failed: \(out)")
            }
            return object
        }

        /// `kvfs arguments… --mount <mount>` as `identity`.
        static func kvfs(_ mount: VaultMountFixture, _ identity: VaultProcess.Identity, _ arguments: [String]) throws -> VaultProcess.Outcome {
            try VaultProcess.run(identity.setprivArguments + [VaultMountFixture.kvfsPath] + arguments + ["--mount", mount.mountpoint])
        }

        static func jsonLines(_ text: String) -> [[String: Any]] {
            text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        @Test("kvfs audit list|verify --mount: store-scope reader sees all, vault-scope reader its vault, others exit 3")
        func auditReadersThroughTheCLI() throws {
            try VaultMountFixture.with(Self.setup) { mount in
                let all = try Self.kvfs(mount, Self.storeAuditor, ["audit", "list"])
                #expect(all.status == 0, "\(all)")
                let allLines = Self.jsonLines(all.stdout)
                #expect(Set(allLines.compactMap { $0["vault"] as? String }).isSuperset(of: ["alpha", "beta"]))

                let beta = try Self.kvfs(mount, Self.vaultAuditor, ["audit", "list"])
                #expect(beta.status == 0, "\(beta)")
                let betaLines = Self.jsonLines(beta.stdout)
                #expect(!betaLines.isEmpty && betaLines.allSatisfy { $0["vault"] as? String == "beta" })
                #expect(betaLines.contains { $0["operationName"] as? String == "SecretSet" && $0["object"] as? String == "b" })

                #expect(try Self.kvfs(mount, Self.vaultAuditor, ["audit", "list", "--vault", "alpha"]).status == 3)
                #expect(try Self.kvfs(mount, Self.officer, ["audit", "list"]).status == 3)
                #expect(try Self.kvfs(mount, Self.nobody, ["audit", "list"]).status == 3)

                let sets = try Self.kvfs(mount, Self.storeAuditor, ["audit", "list", "--operation", "SecretSet", "--result", "Success", "--vault", "alpha"])
                let setLines = Self.jsonLines(sets.stdout)
                #expect(sets.status == 0 && setLines.count == 1 && setLines[0]["object"] as? String == "a", "\(sets)")
                let future = try Self.kvfs(mount, Self.storeAuditor, ["audit", "list", "--since", "2999-01-01T00:00:00Z"])
                #expect(future.status == 0 && future.stdout.isEmpty, "\(future)")

                let verified = try Self.kvfs(mount, Self.storeAuditor, ["audit", "verify", "-o", "json"])
                #expect(verified.status == 0, "\(verified)")
                let verifiedBeta = try Self.kvfs(mount, Self.vaultAuditor, ["audit", "verify", "-o", "json"])
                let report = try JSONSerialization.jsonObject(with: Data(verifiedBeta.stdout.utf8)) as? [String: Any]
                #expect(verifiedBeta.status == 0, "\(verifiedBeta)")
                #expect(report?["vaults"] as? [String] == ["beta"])
                #expect(try Self.kvfs(mount, Self.nobody, ["audit", "verify"]).status == 3)
                // The auditors' reads are in the log, as themselves.
                let reads = try mount.auditLines().filter { $0["operationName"] as? String == "AuditLogRead" }
                #expect(reads.contains { (($0["caller"] as? [String: Any])?["uid"] as? NSNumber)?.intValue == 2302 && $0["resultType"] as? String == "Success" })
            }
        }

        @Test(".audit: mode and errnos per caller")
        func auditFileErrnos() throws {
            try VaultMountFixture.with(Self.setup) { mount in
                let modes = try mount.probe(Self.storeAuditor, [.stat(".audit")])
                #expect(modes[0].ok, "\(modes)")
                #expect(try mount.probe(Self.storeAuditor, .stat(".audit")).number("mode") == Double(0o600))
                #expect(try mount.probe(Self.nobody, .stat(".audit")).number("mode") == 0)
                #expect(try Self.control(mount, Self.nobody, ".audit", #"{"op":"list"}"#)["open"] == "EACCES")
                #expect(try Self.control(mount, Self.officer, ".audit", #"{"op":"verify"}"#)["open"] == "EACCES")
                #expect(try Self.control(mount, Self.delegator, ".audit", #"{"op":"list"}"#)["open"] == "EACCES")
                #expect(try Self.control(mount, Self.storeAuditor, ".access", #"{"op":"list"}"#)["open"] == "EACCES")
                let bogus = try Self.control(mount, Self.storeAuditor, ".audit", #"{"op":"drop"}"#)
                #expect(bogus["write"] == "EINVAL", "\(bogus)")
                // A vault-scope reader asking for another vault: EACCES on the write, the reason in the answer.
                let other = try Self.control(mount, Self.vaultAuditor, ".audit", #"{"op":"list","vault":"alpha"}"#)
                #expect(other["write"] == "EACCES" && other["answer"]?.contains("AuthorizationFailed") == true, "\(other)")
                let listed = try Self.control(mount, Self.vaultAuditor, ".audit", #"{"op":"list","operation":"SecretSet"}"#)
                #expect(listed["write"] == "OK" && Self.jsonLines(listed["answer"] ?? "").count == 1, "\(listed)")
                // Nothing of a secret's value reaches the log.
                #expect(listed["answer"]?.contains("beta-value") == false)
            }
        }

        @Test("After kvfs audit prune, verify through the mount reports the pruned range")
        func pruneThenVerifyThroughTheMount() throws {
            try VaultMountFixture.with(Self.setup) { mount in
                let pruned = try mount.kvfs(["audit", "prune", "--before", "2999-01-01T00:00:00Z", "-o", "json"])
                let answer = try JSONSerialization.jsonObject(with: Data(pruned.stdout.utf8)) as? [String: Any]
                let through = (answer?["prunedThrough"] as? NSNumber)?.intValue ?? 0
                #expect(through > 0, "\(pruned)")
                #expect((answer?["checkpoint"] as? String)?.contains("kvfs-audit-checkpoint/1") == true)
                let verified = try Self.kvfs(mount, Self.storeAuditor, ["audit", "verify", "-o", "json"])
                let report = try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any]
                #expect(verified.status == 0, "\(verified)")
                #expect((report?["prunedThrough"] as? NSNumber)?.intValue == through)
                #expect((report?["firstLine"] as? NSNumber)?.intValue == through + 1)
                // A non-owner may not prune: it cannot even open the store.
                let refused = try VaultProcess.run(Self.storeAuditor.setprivArguments + [VaultMountFixture.kvfsPath, "audit", "prune", "--before", "2999-01-01T00:00:00Z", "--store", mount.store])
                #expect(refused.status != 0)
            }
        }

        /// The roles a Data Access Administrator may delegate (Azure's condition), and the exit code for each.
        static let delegable: Set<String> = ["Key Vault Administrator", "Key Vault Certificates Officer", "Key Vault Crypto Officer",
                                             "Key Vault Crypto Service Encryption User", "Key Vault Crypto User", "Key Vault Reader",
                                             "Key Vault Secrets Officer", "Key Vault Secrets User"]
        static let allRoles = ["Key Vault Administrator", "Key Vault Reader", "Key Vault Secrets Officer", "Key Vault Secrets User",
                               "Key Vault Certificates Officer", "Key Vault Certificate User", "Key Vault Crypto Officer",
                               "Key Vault Crypto User", "Key Vault Crypto Service Encryption User", "Key Vault Crypto Service Release User",
                               "Key Vault Data Access Administrator", "Key Vault Audit Reader"]

        @Test("kvfs role assignment create|delete --mount as a Data Access Administrator: each role's exit code, and the grant takes effect")
        func delegationThroughTheCLI() throws {
            try VaultMountFixture.with(Self.setup) { mount in
                // The grant works: app reads alpha's secret only while the delegated assignment exists.
                #expect(try mount.probe(Self.app, .read("alpha/secrets/a")).result == "EACCES")
                let made = try Self.kvfs(mount, Self.delegator, ["role", "assignment", "create", "--assignee", "app",
                                                                 "--role", "Key Vault Secrets User", "--scope", "/vaults/alpha"])
                #expect(made.status == 0, "\(made)")
                let id = try #require((try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])?["id"] as? String)
                let granted = try mount.probe(Self.app, .read("alpha/secrets/a"))
                #expect(granted.text == "alpha-value", "\(granted)")
                let listed = try Self.kvfs(mount, Self.delegator, ["role", "assignment", "list", "--assignee", "app"])
                #expect(listed.status == 0 && listed.stdout.contains(id), "\(listed)")
                let removed = try Self.kvfs(mount, Self.delegator, ["role", "assignment", "delete", "--ids", id])
                #expect(removed.status == 0, "\(removed)")
                #expect(try mount.probe(Self.app, .read("alpha/secrets/a")).result == "EACCES")

                for role in Self.allRoles {
                    let scope = role == "Key Vault Audit Reader" ? "/" : "/vaults/alpha"
                    let outcome = try Self.kvfs(mount, Self.delegator, ["role", "assignment", "create", "--assignee", "app", "--role", role, "--scope", scope])
                    // The store scope is no Data Access Administrator's: 3; a role its condition forbids: 7.
                    let expected: Int32 = Self.delegable.contains(role) ? 0 : (scope == "/" ? 3 : 7)
                    #expect(outcome.status == expected, "\(role): \(outcome)")
                }
                // Removing by filter removes what it may: every delegated one.
                let cleared = try Self.kvfs(mount, Self.delegator, ["role", "assignment", "delete", "--assignee", "app"])
                #expect(cleared.status == 0, "\(cleared)")
                #expect(try Self.kvfs(mount, Self.delegator, ["role", "assignment", "create", "--assignee", "app", "--role", "Key Vault Reader", "--scope", "/vaults/beta"]).status == 3)
                #expect(try Self.kvfs(mount, Self.dataAdmin, ["role", "assignment", "create", "--assignee", "app", "--role", "Key Vault Reader", "--scope", "/vaults/alpha"]).status == 3)
                #expect(try Self.kvfs(mount, Self.nobody, ["role", "assignment", "list"]).status == 3)
                #expect(try Self.kvfs(mount, Self.delegator, ["role", "assignment", "create", "--assignee", "ghost", "--role", "Key Vault Reader", "--scope", "/vaults/alpha"]).status == 2)
                // An assignment of a role it may not delegate, made by the owner, it may not remove either: 7, and it stays.
                let owned = try mount.kvfs(["role", "assignment", "create", "--assignee", "app", "--role", "Key Vault Certificate User", "--scope", "/vaults/alpha"])
                let ownedID = try #require((try JSONSerialization.jsonObject(with: Data(owned.stdout.utf8)) as? [String: Any])?["id"] as? String)
                #expect(try Self.kvfs(mount, Self.delegator, ["role", "assignment", "delete", "--ids", ownedID]).status == 7)
                #expect(try mount.kvfs(["role", "assignment", "list", "--assignee", "app"]).stdout.contains(ownedID))
                // Each right stays with its own file: the delegator reads no audit, an auditor changes no assignment.
                #expect(try Self.kvfs(mount, Self.delegator, ["audit", "list"]).status == 3)
                #expect(try Self.kvfs(mount, Self.storeAuditor, ["role", "assignment", "create", "--assignee", "app", "--role", "Key Vault Reader", "--scope", "/vaults/alpha"]).status == 3)
            }
        }

        @Test(".access: errnos per caller and request")
        func accessFileErrnos() throws {
            try VaultMountFixture.with(Self.setup) { mount in
                #expect(try mount.probe(Self.delegator, .stat(".access")).number("mode") == Double(0o600))
                #expect(try mount.probe(Self.dataAdmin, .stat(".access")).number("mode") == 0)
                #expect(try Self.control(mount, Self.dataAdmin, ".access", #"{"op":"list"}"#)["open"] == "EACCES")
                #expect(try Self.control(mount, Self.nobody, ".access", #"{"op":"list"}"#)["open"] == "EACCES")
                func create(_ role: String, _ scope: String) throws -> [String: String] {
                    try Self.control(mount, Self.delegator, ".access", #"{"op":"create","assignee":"app","role":"\#(role)","scope":"\#(scope)"}"#)
                }
                let ok = try create("Key Vault Crypto User", "/vaults/alpha/keys/k1")
                #expect(ok["write"] == "OK" && ok["answer"]?.contains("\"scope\":\"/vaults/alpha/keys/k1\"") == true, "\(ok)")
                let notDelegable = try create("Key Vault Data Access Administrator", "/vaults/alpha")
                #expect(notDelegable["write"] == "EPERM" && notDelegable["answer"]?.contains("RoleNotDelegable") == true, "\(notDelegable)")
                #expect(try create("Key Vault Secrets User", "/vaults/beta")["write"] == "EACCES")
                let exists = try create("Key Vault Crypto User", "/vaults/alpha/keys/k1")
                #expect(exists["write"] == "OK" && exists["answer"]?.contains("RoleAssignmentExists") == true, "\(exists)")
                #expect(try create("No Such Role", "/vaults/alpha")["answer"]?.contains("BadParameter") == true)
                #expect(try Self.control(mount, Self.delegator, ".access", #"{"op":"create","assignee":"app"}"#)["write"] == "EINVAL")
                #expect(try Self.control(mount, Self.delegator, ".access", "[1]")["write"] == "EINVAL")
                // Refusals changed nothing: app holds exactly the one assignment made above.
                let list = try mount.kvfs(["role", "assignment", "list", "--assignee", "app"])
                let assignments = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
                #expect(assignments.map { $0["roleDefinitionName"] as? String } == ["Key Vault Crypto User"])
            }
        }
    }
}
