import Foundation
import Testing

extension VaultMountTests {
    /// What `stat` tells each caller.
    @Suite struct StatDetails {
        @Test func ownerModeSizeMtimeAndInodes() throws {
            let value = "twenty-three-byte-value"
            let setup = TestCaller.setup([.init(name: "stats")], secrets: [("stats", "s", value)])
            try VaultMountFixture.with(setup) { mount in
                let path = "stats/secrets/s"
                // Owner = the caller; owner bits = its rights; group/other bits clear; size exact for a reader.
                let cases: [(VaultProcess.Identity, mode: Int, size: Int)] = [
                    (TestCaller.secretsUser, 0o400, value.utf8.count),
                    (TestCaller.reader, 0o000, 0),
                    (TestCaller.officer, 0o600, value.utf8.count),
                    (TestCaller.administrator, 0o600, value.utf8.count),
                    (TestCaller.groupMember, 0o400, value.utf8.count),
                ]
                var inodes: Set<Double> = []
                for (caller, mode, size) in cases {
                    let stat = try mount.probe(caller, .stat(path))
                    #expect(stat.ok, "\(caller): \(stat)")
                    #expect(stat.number("uid") == Double(caller.uid), "\(caller): \(stat)")
                    #expect(stat.number("gid") == Double(caller.gid), "\(caller): \(stat)")
                    #expect(stat.number("mode") == Double(mode), "\(caller): \(stat)")
                    #expect(stat.number("size") == Double(size), "\(caller): \(stat)")
                    if let inode = stat.number("ino") { inodes.insert(inode) }
                }
                #expect(inodes.count == 1, "one inode number whoever asks: \(inodes)")

                // Two stats in two processes: the same inode and the same mtime.
                let first = try mount.probe(TestCaller.secretsUser, .stat(path))
                let second = try mount.probe(TestCaller.secretsUser, .stat(path))
                #expect(first.number("ino") == second.number("ino"))
                #expect(first.number("mtime") == second.number("mtime"))

                // mtime = the current version's creation: it moves when a version is written.
                Thread.sleep(forTimeInterval: 1.1)
                #expect(try mount.probe(TestCaller.officer, .overwrite(path, "rotated")).ok)
                let after = try mount.probe(TestCaller.secretsUser, [.stat(path), .getxattr(path, "user.kv.created")])
                let before = first.number("mtime") ?? 0
                #expect((after[0].number("mtime") ?? 0) >= before + 1, "mtime must move on rotation: \(first) → \(after[0])")
                #expect(after[0].number("size") == 7)
                #expect(after[0].number("ino") == first.number("ino"), "a new version keeps the file's inode")
                if let created = after[1].text.flatMap({ ISO8601DateFormatter().date(from: $0) }) {
                    #expect(abs(created.timeIntervalSince1970 - (after[0].number("mtime") ?? 0)) < 1.0)
                } else {
                    Issue.record("no user.kv.created: \(after[1])")
                }

                // Directories: secrets/ shows r only to listers; w only to those who may create.
                #expect(try mount.probe(TestCaller.reader, .stat("stats/secrets")).number("mode") == 0o500)
                #expect(try mount.probe(TestCaller.officer, .stat("stats/secrets")).number("mode") == 0o700)
            }
        }
    }

    /// Soft delete, recover, purge and purge protection through `rm` and `mv`.
    @Suite struct Deletion {
        static var setup: VaultMountFixture.Setup {
            TestCaller.setup([.init(name: "soft", retentionDays: 7), .init(name: "locked", purgeProtection: true)],
                             secrets: [("soft", "a", "alpha"), ("soft", "b", "bravo"), ("locked", "x", "xray")])
        }

        @Test func softDeleteRecoverPurge() throws {
            try VaultMountFixture.with(Deletion.setup) { mount in
                let o = TestCaller.officer
                // Two versions, so recovery can be shown to bring back the whole object.
                #expect(try mount.probe(o, .overwrite("soft/secrets/a", "alpha-2")).ok)
                #expect(try mount.versionCount(o, "soft", "a") == 2)

                let beforeDelete = Date()
                let rm = try mount.probe(o, [.unlink("soft/secrets/a"), .list("soft/secrets"), .list("soft/.deleted/secrets"),
                                            .read("soft/secrets/a"), .read("soft/.deleted/secrets/a"),
                                            .stat("soft/.deleted/secrets/a"),
                                            .getxattr("soft/.deleted/secrets/a", "user.kv.deleted_date"),
                                            .getxattr("soft/.deleted/secrets/a", "user.kv.scheduled_purge_date"),
                                            .getxattr("soft/.deleted/secrets/a", "user.kv.recoverable_days")])
                #expect(rm[0].ok)
                #expect(!rm[1].names.contains("a") && rm[1].names.contains("b"))
                #expect(rm[2].names == ["a"])
                #expect(rm[3].result == "ENOENT")
                #expect(rm[4].result == "EACCES", "a deleted secret's content is unreadable: \(rm[4])")
                let mtime = rm[5].number("mtime") ?? 0
                #expect(abs(mtime - beforeDelete.timeIntervalSince1970) < 5, "deletedDate as mtime: \(rm[5])")
                let deletedDate = rm[6].text.flatMap { ISO8601DateFormatter().date(from: $0) }
                let purgeDate = rm[7].text.flatMap { ISO8601DateFormatter().date(from: $0) }
                #expect(deletedDate != nil && abs(deletedDate!.timeIntervalSince1970 - mtime) < 1, "\(rm[6]) vs \(rm[5])")
                if let deletedDate, let purgeDate {
                    #expect(abs(purgeDate.timeIntervalSince(deletedDate) - 7 * 86_400) < 2, "retention 7 days: \(rm[7])")
                } else {
                    Issue.record("deleted_date / scheduled_purge_date missing: \(rm[6]) \(rm[7])")
                }
                #expect(rm[8].text == "7")

                // The name is held while deleted; recovering under another name is refused.
                let held = try mount.probe(o, [.create("soft/secrets/a", "reuse"), .create("soft/secrets/A", "reuse"),
                                              .rename("soft/.deleted/secrets/a", "soft/secrets/other"),
                                              .rename("soft/secrets/b", "soft/secrets/c")])
                #expect(held[0].result == "EEXIST", "\(held[0])")
                #expect(held[1].result == "EEXIST", "names are case-insensitive: \(held[1])")
                #expect(held[2].result == "EINVAL", "\(held[2])")
                #expect(held[3].result == "EPERM", "renaming a live object: \(held[3])")

                // Recover brings back the object with all its versions.
                let back = try mount.probe(o, [.rename("soft/.deleted/secrets/a", "soft/secrets/a"), .read("soft/secrets/a"),
                                              .list("soft/.deleted/secrets")])
                #expect(back[0].ok)
                #expect(back[1].text == "alpha-2")
                #expect(back[2].names == [])
                #expect(try mount.versionCount(o, "soft", "a") == 2)

                // Purge removes it for good, and frees the name.
                let purge = try mount.probe(o, [.unlink("soft/secrets/a"), .unlink("soft/.deleted/secrets/a"),
                                               .list("soft/.deleted/secrets"), .stat("soft/.deleted/secrets/a"),
                                               .create("soft/secrets/a", "fresh"), .read("soft/secrets/a")])
                #expect(purge.map(\.result) == ["OK", "OK", "OK", "ENOENT", "OK", "OK"], "\(purge)")
                #expect(purge[2].names == [])
                #expect(purge[5].text == "fresh")
                #expect(try mount.versionCount(o, "soft", "a") == 1)
            }
        }

        @Test func purgeProtection() throws {
            try VaultMountFixture.with(Deletion.setup) { mount in
                let admin = TestCaller.administrator
                let r = try mount.probe(admin, [.unlink("locked/secrets/x"), .unlink("locked/.deleted/secrets/x"),
                                               .list("locked/.deleted/secrets"),
                                               .getxattr("locked/.deleted/secrets/x", "user.kv.recovery_level"),
                                               .rename("locked/.deleted/secrets/x", "locked/secrets/x"), .read("locked/secrets/x")])
                #expect(r[0].ok)
                #expect(r[1].result == "EPERM", "purge under purge protection: \(r[1])")
                #expect(r[2].names == ["x"])
                #expect(r[3].text?.contains("Purgeable") == false, "no +Purgeable under purge protection: \(r[3])")
                #expect(r[4].ok, "recover is still allowed: \(r[4])")
                #expect(r[5].text == "xray")
            }
        }
    }
}
