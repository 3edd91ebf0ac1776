import Foundation
import Testing

extension VaultMountTests {
    /// Every way of writing a file stores exactly one new version holding the whole value; nothing written
    /// means nothing stored.
    @Suite struct Writing {
        static let vault = "writes"
        static let names = ["echo", "cat", "cp", "append", "trunc", "inplace", "touch", "openw", "openrw",
                            "big-ok", "big-no", "disabled"]

        static var setup: VaultMountFixture.Setup {
            TestCaller.setup([.init(name: vault)], secrets: names.map { (vault, $0, "0123456789") })
        }

        /// Runs `script` in the mount's secrets/ directory as the officer and checks the version count moved
        /// by `newVersions` and the value became `expected`.
        static func check(_ mount: VaultMountFixture, _ name: String, script: String, newVersions: Int, expected: String,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
            let o = TestCaller.officer
            let before = try mount.versionCount(o, vault, name)
            let out = try mount.shell(o, "cd \(vault)/secrets && " + script)
            #expect(out.succeeded, "\(script): \(out)", sourceLocation: sourceLocation)
            #expect(try mount.versionCount(o, vault, name) == before + newVersions, "\(script)", sourceLocation: sourceLocation)
            #expect(try mount.probe(o, .read("\(vault)/secrets/\(name)")).text == expected, "\(script)", sourceLocation: sourceLocation)
        }

        @Test func shellWritesMakeOneVersionEach() throws {
            try VaultMountFixture.with(Writing.setup) { mount in
                let source = mount.directory + "/cp-source"
                try "copied-value".write(toFile: source, atomically: true, encoding: .utf8)
                chmod(source, 0o644)
                try Writing.check(mount, "echo", script: "echo -n v > echo", newVersions: 1, expected: "v")
                try Writing.check(mount, "cat", script: "printf 'from-cat' | cat > cat", newVersions: 1, expected: "from-cat")
                try Writing.check(mount, "cp", script: "cp '\(source)' cp", newVersions: 1, expected: "copied-value")
                try Writing.check(mount, "append", script: "printf '+more' >> append", newVersions: 1, expected: "0123456789+more")
                try Writing.check(mount, "trunc", script: "truncate -s 3 trunc", newVersions: 1, expected: "012")
                try Writing.check(mount, "inplace",
                                  script: "/usr/bin/python3 -c \"f=open('inplace','r+b'); f.seek(2); f.write(b'XY'); f.close()\"",
                                  newVersions: 1, expected: "01XY456789")
                // Nothing written: no new version.
                try Writing.check(mount, "touch", script: "touch touch", newVersions: 0, expected: "0123456789")
                try Writing.check(mount, "openw", script: "/usr/bin/python3 -c \"import os; os.close(os.open('openw', os.O_WRONLY))\"",
                                  newVersions: 0, expected: "0123456789")
                try Writing.check(mount, "openrw", script: "/usr/bin/python3 -c \"open('openrw','r+b').close()\"",
                                  newVersions: 0, expected: "0123456789")
                // A new name: one version.
                let o = TestCaller.officer
                #expect(try mount.shell(o, "echo -n brand-new > \(Writing.vault)/secrets/fresh").succeeded)
                #expect(try mount.versionCount(o, Writing.vault, "fresh") == 1)
                #expect(try mount.probe(o, .read("\(Writing.vault)/secrets/fresh")).text == "brand-new")
                // The version directory shows each version's whole value.
                let versions = try mount.probe(o, .list("\(Writing.vault)/secrets/.versions/append")).names
                let values = try mount.probe(o, versions.map { .read("\(Writing.vault)/secrets/.versions/append/\($0)") }).compactMap(\.text)
                #expect(values.sorted() == ["0123456789", "0123456789+more"])
            }
        }

        /// A file created under a new name is a file while it is open: `fstat` works on it, `cp` and
        /// `truncate -s` can create it, and a failed command stores nothing.
        @Test func newNamesWhileOpen() throws {
            try VaultMountFixture.with(Writing.setup) { mount in
                let o = TestCaller.officer, v = Writing.vault
                let source = mount.directory + "/cp-source"
                try "copied-value".write(toFile: source, atomically: true, encoding: .utf8)
                chmod(source, 0o644)
                let cp = try mount.shell(o, "cp '\(source)' \(v)/secrets/cp-new")
                #expect(cp.succeeded, "cp to a new name: \(cp)")
                #expect(try mount.probe(o, .read("\(v)/secrets/cp-new")).text == "copied-value")
                #expect(try mount.versionCount(o, v, "cp-new") == 1)

                let fstat = try mount.shell(o, """
                    /usr/bin/python3 -c "
                    import os
                    fd = os.open('\(v)/secrets/fstat-new', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    a = os.fstat(fd).st_size
                    os.write(fd, b'abc')
                    b = os.fstat(fd).st_size
                    os.close(fd)
                    print(a, b)"
                    """)
                #expect(fstat.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0 3", "fstat on a new file: \(fstat)")

                let truncate = try mount.shell(o, "truncate -s 2 \(v)/secrets/trunc-new")
                #expect(truncate.succeeded, "truncate -s on a new name: \(truncate)")
                #expect(try mount.probe(o, .read("\(v)/secrets/trunc-new")).text == "\0\0")
                #expect(try mount.versionCount(o, v, "trunc-new") == 1)
            }
        }

        /// truncate(2) to the size the value already has changes nothing, so it stores nothing, like
        /// `truncate -s` through an open file does.
        @Test func truncateToTheSameSizeStoresNothing() throws {
            try VaultMountFixture.with(Writing.setup) { mount in
                let o = TestCaller.officer, v = Writing.vault
                try Writing.check(mount, "trunc", script: "truncate -s 10 trunc", newVersions: 0, expected: "0123456789")
                let before = try mount.versionCount(o, v, "touch")
                #expect(try mount.probe(o, .truncate("\(v)/secrets/touch", 10)).ok)
                #expect(try mount.versionCount(o, v, "touch") == before, "truncate(path, same size) stored a version")
            }
        }

        @Test func sizeLimitNamesAndDisabled() throws {
            try VaultMountFixture.with(Writing.setup) { mount in
                let o = TestCaller.officer, v = Writing.vault
                // 25600 bytes is the limit; one byte more is EFBIG at close and nothing is stored.
                let ok = try mount.probe(o, [.writeBytes("\(v)/secrets/big-ok", count: 25_600), .stat("\(v)/secrets/big-ok")])
                #expect(ok[0].ok, "\(ok[0])")
                #expect(ok[1].number("size") == 25_600)
                #expect(try mount.versionCount(o, v, "big-ok") == 2)

                let refused = try mount.probe(o, [.writeBytes("\(v)/secrets/big-no", count: 25_601), .read("\(v)/secrets/big-no"),
                                                 .writeBytes("\(v)/secrets/big-new", count: 25_601), .stat("\(v)/secrets/big-new"),
                                                 .truncate("\(v)/secrets/big-no", 25_601)])
                #expect(refused[0].result == "EFBIG", "\(refused[0])")
                #expect(refused[1].text == "0123456789", "an oversized write stores nothing")
                #expect(refused[2].result == "EFBIG", "\(refused[2])")
                #expect(refused[3].result == "ENOENT", "an oversized new file is not created: \(refused[3])")
                #expect(refused[4].result == "EFBIG", "\(refused[4])")
                #expect(try mount.versionCount(o, v, "big-no") == 1)
                // Through a shell too: the error reaches close().
                let shell = try mount.shell(o, "head -c 25601 /dev/zero > \(v)/secrets/big-no; echo rc=$?")
                #expect(shell.stdout.contains("rc=1"), "\(shell)")
                #expect(try mount.versionCount(o, v, "big-no") == 1)

                // Names that break Azure's rule: EINVAL.
                let long = String(repeating: "n", count: 128)
                let names = try mount.probe(o, [.create("\(v)/secrets/bad_name", "x"), .create("\(v)/secrets/has.dot", "x"),
                                               .create("\(v)/secrets/\(long)", "x"), .stat("\(v)/secrets/bad_name"),
                                               .create("\(v)/secrets/\(String(long.dropLast()))", "x")])
                #expect(names[0].result == "EINVAL", "\(names[0])")
                #expect(names[1].result == "EINVAL", "\(names[1])")
                #expect(names[2].result == "ENAMETOOLONG", "128 bytes is too long, not invalid (issue 9): \(names[2])")
                #expect(names[3].result == "EINVAL", "\(names[3])")
                #expect(names[4].ok, "127 characters is allowed: \(names[4])")

                // A disabled secret: no r bit, cat is EACCES for everyone; enabling it again restores it.
                let d = "\(v)/secrets/disabled"
                #expect(try mount.probe(o, .setxattr(d, "user.kv.enabled", "false")).ok)
                let u = try mount.probe(TestCaller.secretsUser, [.stat(d), .read(d), .getxattr(d, "user.kv.enabled")])
                #expect(u[0].number("mode") == 0)
                #expect(u[1].result == "EACCES")
                #expect(u[2].text == "false")
                #expect(try mount.probe(o, .read(d)).result == "EACCES")
                let cat = try mount.shell(TestCaller.secretsUser, "cat \(d)")
                #expect(!cat.succeeded && cat.stderr.contains("Permission denied"), "\(cat)")
                #expect(try mount.probe(o, .setxattr(d, "user.kv.enabled", "true")).ok)
                #expect(try mount.probe(TestCaller.secretsUser, .read(d)).text == "0123456789")
            }
        }

        @Test func extendedAttributes() throws {
            try VaultMountFixture.with(Writing.setup) { mount in
                let o = TestCaller.officer, p = "\(Writing.vault)/secrets/echo"
                let r = try mount.probe(o, [
                    .setxattr(p, "user.kv.tags", #"{"env":"prod","team":"ops"}"#),
                    .setxattr(p, "user.kv.content_type", "text/plain"),
                    .setxattr(p, "user.kv.exp", "2099-01-31T00:00:00Z"),
                    .setxattr(p, "user.kv.nbf", "2020-01-01T00:00:00+01:00"),
                    .getxattr(p, "user.kv.tags"), .getxattr(p, "user.kv.content_type"), .getxattr(p, "user.kv.exp"),
                    .getxattr(p, "user.kv.id"), .getxattr(p, "user.kv.version"), .listxattr(p),
                    .setxattr(p, "user.kv.tags", "{not json"), .setxattr(p, "user.kv.version", "x"),
                    .setxattr(p, "user.kv.enabled", "maybe"), .getxattr(p, "user.kv.nonexistent"),
                ])
                #expect(r[0...3].allSatisfy { $0.ok }, "\(r[0...3])")
                #expect(r[4].text == #"{"env":"prod","team":"ops"}"#)
                #expect(r[5].text == "text/plain")
                #expect(r[6].text == "2099-01-31T00:00:00Z")
                #expect(r[7].text == "https://\(Writing.vault).kvfs.localhost/secrets/echo/\(r[8].text ?? "?")")
                #expect(r[8].text?.count == 32)
                for name in ["id", "version", "enabled", "content_type", "nbf", "exp", "created", "updated", "tags",
                             "recovery_level", "recoverable_days"] {
                    #expect(r[9].names.contains("user.kv." + name), "listxattr lacks \(name): \(r[9])")
                }
                #expect(r[10].result == "EINVAL", "bad JSON tags: \(r[10])")
                #expect(r[11].result == "EPERM", "read-only attribute: \(r[11])")
                #expect(r[12].result == "EINVAL", "\(r[12])")
                #expect(r[13].result == "ENODATA", "\(r[13])")
                // Metadata updates do not make versions.
                #expect(try mount.versionCount(o, Writing.vault, "echo") == 1)
            }
        }

        /// The xattrs read dates with the engine's one parser: ISO 8601 with a zone, or Unix seconds; a time
        /// without a zone, a bare day and anything after the zone are EINVAL and change nothing.
        @Test func extendedAttributeDates() throws {
            try VaultMountFixture.with(Writing.setup) { mount in
                let o = TestCaller.officer, p = "\(Writing.vault)/secrets/echo"
                var steps: [ProbeOp] = [.setxattr(p, "user.kv.exp", "2099-01-31T00:00:00Z")]
                for attribute in ["user.kv.exp", "user.kv.nbf"] {
                    steps += ["2027-06-30T12:00", "2027-06-30", "2027-06-30T12:00:00Zgarbage", "soon"].map { .setxattr(p, attribute, $0) }
                }
                steps += [.getxattr(p, "user.kv.exp"), .getxattr(p, "user.kv.nbf"),
                          .setxattr(p, "user.kv.nbf", "1893456000"), .getxattr(p, "user.kv.nbf"),
                          .setxattr(p, "user.kv.nbf", "2027-06-30T14:00:00+02:00"), .getxattr(p, "user.kv.nbf")]
                let r = try mount.probe(o, steps)
                #expect(r[0].ok, "\(r[0])")
                for refused in r[1...8] { #expect(refused.result == "EINVAL", "\(refused)") }
                #expect(r[9].text == "2099-01-31T00:00:00Z", "a refused exp changed nothing: \(r[9])")
                #expect(r[10].result == "ENODATA", "a refused nbf set nothing: \(r[10])")
                #expect(r[11].ok && r[12].text == "2030-01-01T00:00:00Z", "\(r[11]) \(r[12])")
                #expect(r[13].ok && r[14].text == "2027-06-30T12:00:00Z", "\(r[13]) \(r[14])")
            }
        }
    }
}
