import Foundation
import Testing

extension VaultMountTests.VaultCertificates {
    /// Role × certificate operation through the mount, each cell the exact outcome of the call.
    @Suite(.serialized) struct RoleTable {
        enum Column: String, CaseIterable, CustomStringConvertible {
            case list, certPEM, secret, sign, create, delete, recover, purge
            var description: String { rawValue }
        }

        struct Row: CustomStringConvertible {
            var name: String
            var caller: VaultProcess.Identity
            var expected: [Column: String]
            var description: String { name }
        }

        /// `OK`: done. `EACCES`: the call itself failed (lookup or open: nothing answered).
        /// `EACCES:ForbiddenByRbac`: the control file opened, the write failed with EACCES, and the answer read back
        /// on the same descriptor is `{"error":{"code":"ForbiddenByRbac",…}}` (docs/keys.md "The ops protocol").
        static let ok = "OK", no = "EACCES", rbac = "EACCES:ForbiddenByRbac"

        static func row(_ name: String, _ caller: VaultProcess.Identity, _ answers: [String]) -> Row {
            precondition(answers.count == Column.allCases.count)
            return Row(name: name, caller: caller, expected: Dictionary(uniqueKeysWithValues: zip(Column.allCases, answers)))
        }

        /// From docs/certificates.md "Roles" and docs/keys.md "Who may do what", with docs/filesystem.md's rules:
        /// - a caller with no role in the vault cannot see it: every call is EACCES;
        /// - `ls certificates/` and `cat cert.pem` need certificates/read (Reader, Certificates Officer,
        ///   Certificate User, Administrator); Secrets User has none;
        /// - the managed secret's value needs secrets/getSecret (Certificate User, Secrets User, Administrator);
        ///   the Reader and the Certificates Officer do not read the private part;
        /// - sign on the managed key's `ops` needs keys/sign (Administrator only here); keys/read (Reader,
        ///   Certificate User) opens `ops` and the sign request is refused in the answer; no key right at all
        ///   (Certificates Officer, Secrets User) cannot use the key's files;
        /// - create through `certificates/.ops` needs certificates/create (Officer, Administrator); any other
        ///   caller who sees the vault opens `.ops` and the write fails with the ForbiddenByRbac answer;
        /// - delete (rmdir), recover (mv out of .deleted) and purge (rmdir in .deleted) need certificates/delete,
        ///   /recover, /purge: Certificates Officer and Administrator.
        static let table: [Row] = [
            //                                                  ls  cert.pem secret sign  create delete recover purge
            row("none", CertCaller.nobody,                     [no, no,      no,    no,   no,    no,    no,     no]),
            row("reader", CertCaller.reader,                   [ok, ok,      no,    rbac, rbac,  no,    no,     no]),
            row("officer", CertCaller.officer,                 [ok, ok,      no,    no,   ok,    ok,    ok,     ok]),
            row("certuser", CertCaller.certificateUser,        [ok, ok,      ok,    rbac, rbac,  no,    no,     no]),
            row("secuser", CertCaller.secretsUser,             [no, no,      ok,    no,   rbac,  no,    no,     no]),
            row("admin", CertCaller.administrator,             [ok, ok,      ok,    ok,   ok,    ok,    ok,     ok]),
        ]

        static let vault = "croles"

        /// What a step came to, in the table's notation.
        static func cell(_ r: KeyStepResult) -> String {
            guard r.ok else { return r.result }
            var text = r.write ?? "OK"
            if let code = r.errorCode { text += ":" + code }
            return text
        }

        @Test func certificateRoleTable() throws {
            let v = RoleTable.vault
            let admin = CertCaller.administrator
            try VaultMountFixture.with(CertCaller.setup(v)) { mount in
                // `shared` (RSA, PEM) for the read and sign columns; per row `d-` to delete, `g-` (deleted) to
                // recover, `p-` (deleted) to purge; all made by the Administrator through certificates/.ops.
                try mount.createCertificate(admin, vault: v, name: "shared",
                                            policy: CertPolicy.make(subject: "CN=shared.test", dnsNames: ["shared.test"]))
                var setupSteps: [KeyStep] = []
                for row in RoleTable.table {
                    for prefix in ["d", "g", "p"] {
                        setupSteps.append(.ops("\(v)/certificates/.ops",
                                               KeyJSON.text(["op": "create", "name": "\(prefix)-\(row.name)",
                                                             "policy": CertPolicy.quick("\(prefix)-\(row.name)")])))
                    }
                    setupSteps += [.rmdir("\(v)/certificates/g-\(row.name)"), .rmdir("\(v)/certificates/p-\(row.name)")]
                }
                for (step, result) in zip(setupSteps, try mount.keyProbe(admin, setupSteps)) {
                    if case .ops = step {
                        #expect(result.answered && result.errorCode == nil, "setup \(step): \(result)")
                    } else {
                        #expect(result.ok, "setup \(step): \(result)")
                    }
                }
                let digest = KeyJSON.random(32)
                let secretBytes = try mount.keyProbe(admin, .read("\(v)/secrets/shared"))
                #expect(secretBytes.ok && (secretBytes.text ?? "").contains("PRIVATE KEY"), "\(secretBytes)")

                for row in RoleTable.table {
                    let n = row.name
                    let steps: [(Column, KeyStep)] = [
                        (.list, .list("\(v)/certificates")),
                        (.certPEM, .read("\(v)/certificates/shared/cert.pem")),
                        (.secret, .read("\(v)/secrets/shared")),
                        (.sign, .ops("\(v)/keys/shared/ops", KeyJSON.request("sign", "RS256", value: digest))),
                        (.create, .ops("\(v)/certificates/.ops",
                                       KeyJSON.text(["op": "create", "name": "c-\(n)", "policy": CertPolicy.quick("c-\(n)")]))),
                        (.delete, .rmdir("\(v)/certificates/d-\(n)")),
                        (.recover, .rename("\(v)/.deleted/certificates/g-\(n)", "\(v)/certificates/g-\(n)")),
                        (.purge, .rmdir("\(v)/.deleted/certificates/p-\(n)")),
                    ]
                    let results = try mount.keyProbe(row.caller, steps.map(\.1))
                    for ((column, _), result) in zip(steps, results) {
                        let got = RoleTable.cell(result)
                        #expect(got == row.expected[column], "\(row) \(column): expected \(row.expected[column] ?? "-"), got \(got) (\(result))")
                        guard result.ok else { continue }
                        switch column {
                        case .list:
                            #expect(result.names.contains("shared") && result.names.contains("d-\(n)"), "\(row) ls: \(result.names)")
                        case .certPEM:
                            #expect((result.text ?? "").hasPrefix("-----BEGIN CERTIFICATE-----"), "\(row) cert.pem: \(result)")
                        case .secret:
                            #expect(result.text == secretBytes.text, "\(row) secret: \(result)")
                        case .sign:
                            if got == RoleTable.ok {
                                #expect(result.valueText.flatMap(KeyJSON.fromB64url)?.count == 256, "\(row) signature: \(result)")
                            }
                        case .create:
                            if got == RoleTable.ok { #expect(result.object["status"] as? String == "completed", "\(row) create: \(result)") }
                        default:
                            break
                        }
                    }
                }

                // The effects, seen by the Administrator: what was allowed happened with the managed key and
                // secret, what was refused left everything as it was.
                let live = try mount.keyProbe(admin, [.list("\(v)/certificates"), .list("\(v)/keys"), .list("\(v)/secrets")])
                let gone = try mount.keyProbe(admin, [.list("\(v)/.deleted/certificates"), .list("\(v)/.deleted/keys"),
                                                      .list("\(v)/.deleted/secrets")])
                #expect((live + gone).allSatisfy { $0.ok }, "\(live) \(gone)")
                for row in RoleTable.table {
                    let n = row.name
                    let created = row.expected[.create] == RoleTable.ok
                    let deleted = row.expected[.delete] == RoleTable.ok
                    let recovered = row.expected[.recover] == RoleTable.ok
                    let purged = row.expected[.purge] == RoleTable.ok
                    for (index, folder) in ["certificates", "keys", "secrets"].enumerated() {
                        let here = live[index].names, there = gone[index].names
                        #expect(here.contains("c-\(n)") == created, "\(row): c-\(n) in \(folder): \(here)")
                        #expect(here.contains("d-\(n)") == !deleted && there.contains("d-\(n)") == deleted,
                                "\(row): d-\(n) in \(folder) \(here) / .deleted \(there)")
                        #expect(here.contains("g-\(n)") == recovered && there.contains("g-\(n)") == !recovered,
                                "\(row): g-\(n) in \(folder) \(here) / .deleted \(there)")
                        #expect(!here.contains("p-\(n)") && there.contains("p-\(n)") == !purged,
                                "\(row): p-\(n) in \(folder) \(here) / .deleted \(there)")
                    }
                }
            }
        }
    }
}
