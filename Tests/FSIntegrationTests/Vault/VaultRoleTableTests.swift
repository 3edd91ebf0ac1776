import Foundation
import Testing

/// All vault mount suites hang under this one. Each test mounts its own store with its own daemon, so the
/// suites run in parallel; a suite whose tests share state across tests says `.serialized` itself.
@Suite enum VaultMountTests {}

extension VaultMountTests {
    /// Role × operation through the mount, each answer an exact errno.
    @Suite struct RoleTable {
        /// The operations of the table, in the order each row runs them.
        enum Column: String, CaseIterable, CustomStringConvertible {
            case list, stat, cat, getfattr, setfattr, writeExisting, createNew, rm, recover, purge
            var description: String { rawValue }
        }

        /// A row: who asks, and what each column must answer (`OK` or an errno name).
        struct Row: CustomStringConvertible {
            var name: String
            var caller: VaultProcess.Identity
            var expected: [Column: String]
            var description: String { name }
        }

        static let ok = "OK", denied = "EACCES"

        static func row(_ name: String, _ caller: VaultProcess.Identity, _ answers: [String]) -> Row {
            precondition(answers.count == Column.allCases.count)
            return Row(name: name, caller: caller, expected: Dictionary(uniqueKeysWithValues: zip(Column.allCases, answers)))
        }

        /// The expected table. Columns: ls secrets/, stat, cat, getfattr, setfattr, write existing,
        /// create new, rm, recover (mv out of .deleted), purge (rm in .deleted).
        static let table: [Row] = [
            //                                          ls      stat    cat     getxa   setxa   write   create  rm      recover purge
            row("none", TestCaller.nobody,             [denied, denied, denied, denied, denied, denied, denied, denied, denied, denied]),
            row("reader", TestCaller.reader,           [ok,     ok,     denied, ok,     denied, denied, denied, denied, denied, denied]),
            row("user", TestCaller.secretsUser,        [ok,     ok,     ok,     ok,     denied, denied, denied, denied, denied, denied]),
            row("officer", TestCaller.officer,         [ok,     ok,     ok,     ok,     ok,     ok,     ok,     ok,     ok,     ok]),
            row("admin", TestCaller.administrator,     [ok,     ok,     ok,     ok,     ok,     ok,     ok,     ok,     ok,     ok]),
            // Secrets Officer on secrets/obj only: that object fully, but no listing and no new names.
            row("objofficer", TestCaller.objectOfficer, [denied, ok,    ok,     ok,     ok,     ok,     denied, ok,     ok,     ok]),
            // Secrets User through supplementary group 3001.
            row("group", TestCaller.groupMember,       [ok,     ok,     ok,     ok,     denied, denied, denied, denied, denied, denied]),
        ]

        static let vault = "roles"

        /// Every row gets its own secrets: `s-<row>` to read and write, `d-<row>` to delete, and
        /// `g-<row>` / `p-<row>` already soft-deleted, to recover and to purge. The object-scope row works on
        /// `obj` alone: it deletes it, recovers it, deletes it again and purges it.
        static var setup: VaultMountFixture.Setup {
            let rows = table.map(\.name).filter { $0 != "objofficer" }
            var secrets: [(String, String, String)] = [(vault, "obj", "object-value")]
            var deleted: [(String, String)] = []
            for row in rows {
                secrets += [(vault, "s-\(row)", "value-\(row)"), (vault, "d-\(row)", "x"), (vault, "g-\(row)", "x"), (vault, "p-\(row)", "x")]
                deleted += [(vault, "g-\(row)"), (vault, "p-\(row)")]
            }
            return TestCaller.setup([.init(name: vault)], secrets: secrets, deleted: deleted,
                                    extra: [("objofficer-2005", "Key Vault Secrets Officer", "/vaults/\(vault)/secrets/obj")])
        }

        /// The operations of `row`, one per column (the object row also deletes `obj` again before purging).
        static func operations(_ row: Row) -> [(Column?, ProbeOp)] {
            let v = vault
            if row.name == "objofficer" {
                return [
                    (.list, .list("\(v)/secrets")),
                    (.stat, .stat("\(v)/secrets/obj")),
                    (.cat, .read("\(v)/secrets/obj")),
                    (.getfattr, .getxattr("\(v)/secrets/obj", "user.kv.version")),
                    (.setfattr, .setxattr("\(v)/secrets/obj", "user.kv.content_type", "text/plain")),
                    (.writeExisting, .overwrite("\(v)/secrets/obj", "written-by-objofficer")),
                    (.createNew, .create("\(v)/secrets/new-objofficer", "new")),
                    (.rm, .unlink("\(v)/secrets/obj")),
                    (.recover, .rename("\(v)/.deleted/secrets/obj", "\(v)/secrets/obj")),
                    (nil, .unlink("\(v)/secrets/obj")),
                    (.purge, .unlink("\(v)/.deleted/secrets/obj")),
                ]
            }
            let r = row.name
            return [
                (.list, .list("\(v)/secrets")),
                (.stat, .stat("\(v)/secrets/s-\(r)")),
                (.cat, .read("\(v)/secrets/s-\(r)")),
                (.getfattr, .getxattr("\(v)/secrets/s-\(r)", "user.kv.version")),
                (.setfattr, .setxattr("\(v)/secrets/s-\(r)", "user.kv.content_type", "text/plain")),
                (.writeExisting, .overwrite("\(v)/secrets/s-\(r)", "written-by-\(r)")),
                (.createNew, .create("\(v)/secrets/new-\(r)", "new")),
                (.rm, .unlink("\(v)/secrets/d-\(r)")),
                (.recover, .rename("\(v)/.deleted/secrets/g-\(r)", "\(v)/secrets/g-\(r)")),
                (.purge, .unlink("\(v)/.deleted/secrets/p-\(r)")),
            ]
        }

        @Test func roleTable() throws {
            let vault = RoleTable.vault
            try VaultMountFixture.with(RoleTable.setup) { mount in
                for row in RoleTable.table {
                    let ops = RoleTable.operations(row)
                    let results = try mount.probe(row.caller, ops.map(\.1))
                    for ((column, _), result) in zip(ops, results) {
                        guard let column else { continue }
                        #expect(result.result == row.expected[column], "\(row.name) × \(column): got \(result)")
                    }
                }
                // The effects are real: what each allowed write stored is what a reader of it sees.
                let officer = try mount.probe(TestCaller.officer, [
                    .read("\(vault)/secrets/s-officer"), .read("\(vault)/secrets/new-officer"),
                    .read("\(vault)/secrets/g-officer"), .stat("\(vault)/secrets/d-officer"),
                    .list("\(vault)/.deleted/secrets"), .read("\(vault)/secrets/s-user"),
                    .getxattr("\(vault)/secrets/s-officer", "user.kv.content_type"),
                ])
                #expect(officer[0].text == "written-by-officer")
                #expect(officer[1].text == "new")
                #expect(officer[2].text == "x")
                #expect(officer[3].result == "ENOENT")
                #expect(!officer[4].names.contains("p-officer") && officer[4].names.contains("d-officer"))
                #expect(officer[5].text == "value-user", "a denied write must not change the value")
                // setfattr content_type ran before the write; the new version carries the content type on.
                #expect(officer[6].text == "text/plain")
                // Reading and listing what the denied callers could not create or delete.
                let denied = try mount.probe(TestCaller.officer, [
                    .stat("\(vault)/secrets/new-reader"), .stat("\(vault)/secrets/d-user"), .stat("\(vault)/secrets/new-objofficer"),
                    .list("\(vault)/.deleted/secrets"),
                ])
                #expect(denied[0].result == "ENOENT")
                #expect(denied[1].ok)
                #expect(denied[2].result == "ENOENT")
                #expect(denied[3].names.contains("p-user") && denied[3].names.contains("g-reader") && !denied[3].names.contains("obj"))
            }
        }

        /// The root lists vaults where the caller holds a role (all of them for the store's owner), and the
        /// owner still has no data access.
        @Test func rootListingAndOwnerWithoutDataAccess() throws {
            let setup = VaultMountFixture.Setup(
                vaults: [.init(name: "seen"), .init(name: "unseen")],
                users: TestCaller.users, groups: TestCaller.groups,
                assignments: [("user-2001", "Key Vault Secrets User", "/vaults/seen"),
                              ("objofficer-2005", "Key Vault Secrets Officer", "/vaults/unseen/secrets/only")],
                secrets: [("seen", "s", "v"), ("unseen", "only", "v")])
            try VaultMountFixture.with(setup) { mount in
                #expect(try mount.probe(TestCaller.root, .list("")).names == ["seen", "unseen"])
                #expect(try mount.probe(TestCaller.secretsUser, .list("")).names == ["seen"])
                #expect(try mount.probe(TestCaller.objectOfficer, .list("")).names == ["unseen"])
                #expect(try mount.probe(TestCaller.nobody, .list("")).names == [])
                // No existence oracle: a caller with no role gets EACCES for a vault that exists and one that does not.
                #expect(try mount.probe(TestCaller.nobody, .stat("seen")).result == "EACCES")
                #expect(try mount.probe(TestCaller.nobody, .stat("seen/secrets/s")).result == "EACCES")
                #expect(try mount.probe(TestCaller.nobody, .stat("seen/secrets/missing")).result == "EACCES")
                #expect(try mount.probe(TestCaller.objectOfficer, .stat("unseen/secrets/missing")).result == "EACCES")
                // A lister gets ENOENT for what is missing.
                #expect(try mount.probe(TestCaller.secretsUser, .stat("seen/secrets/missing")).result == "ENOENT")
                // Store owner: sees the vault, cannot read.
                let owner = try mount.probe(TestCaller.root, [.stat("seen"), .read("seen/secrets/s")])
                #expect(owner[0].ok)
                #expect(owner[1].result == "EACCES")
                // chmod/chown are refused deliberately.
                let chmod = try mount.shell(TestCaller.secretsUser, "chmod 644 seen/secrets/s; echo rc=$?")
                #expect(chmod.stdout.contains("rc=1") && chmod.stderr.contains("not permitted"), "\(chmod)")
            }
        }
    }
}
