import Foundation
import Testing
import VaultEngine
@testable import VaultFS

extension VaultMountTests {
    /// Atomic replace through the mount with the real tools: a temporary file in the same `secrets/` folder
    /// renamed over the target gives one new version of the target with the whole value, one SecretSet line,
    /// and leaves no other object live or deleted; temporary files are their creator's alone.
    @Suite struct AtomicReplace {
        static let vault = "atomic"
        static let names = ["sedx", "pyx", "dotx", "cpx", "instx", "vimx", "carried"]

        static var setup: VaultMountFixture.Setup {
            TestCaller.setup([.init(name: vault)], secrets: names.map { (vault, $0, "alpha\n") })
        }

        /// Runs `script` as the officer in secrets/ and checks: exit 0, one new version of `name` holding
        /// `expected`, the folder lists exactly the seeded names, nothing deleted, one new SecretSet line, for
        /// `name` only.
        static func check(_ mount: VaultMountFixture, _ name: String, script: String, expected: String,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
            let o = TestCaller.officer, v = AtomicReplace.vault
            let before = try mount.versionCount(o, v, name)
            let setsBefore = try mount.auditLines().filter { $0["operationName"] as? String == "SecretSet" }.count
            let out = try mount.shell(o, "cd \(v)/secrets && " + script)
            #expect(out.succeeded, "\(script): \(out)", sourceLocation: sourceLocation)
            #expect(try mount.versionCount(o, v, name) == before + 1, "\(script)", sourceLocation: sourceLocation)
            #expect(try mount.probe(o, .read("\(v)/secrets/\(name)")).text == expected, "\(script)", sourceLocation: sourceLocation)
            let listed = try mount.probe(o, .list("\(v)/secrets")).names.filter { !$0.hasPrefix(".") }
            #expect(Set(listed) == Set(AtomicReplace.names), "\(script) left \(listed)", sourceLocation: sourceLocation)
            #expect(try mount.probe(o, .list("\(v)/.deleted/secrets")).names.isEmpty, "\(script)", sourceLocation: sourceLocation)
            let sets = try mount.auditLines().filter { $0["operationName"] as? String == "SecretSet" }.dropFirst(setsBefore)
            #expect(sets.count == 1 && sets.first?["object"] as? String == name, "\(script): \(Array(sets))",
                    sourceLocation: sourceLocation)
        }

        @Test func realToolsReplaceAtomically() throws {
            try VaultMountFixture.with(AtomicReplace.setup) { mount in
                try AtomicReplace.check(mount, "sedx", script: "sed -i s/alpha/beta/ sedx", expected: "beta\n")
                // Python's tempfile names include '_' (not an Azure name): run it enough times to meet one.
                try AtomicReplace.check(mount, "pyx", script: """
                    /usr/bin/python3 -c "
                    import os, tempfile
                    for i in range(12):
                        with tempfile.NamedTemporaryFile('w', dir='.', delete=False) as f:
                            f.write('gamma-%d' % i)
                        os.replace(f.name, 'pyx') if i == 11 else os.unlink(f.name)
                    fd, p = tempfile.mkstemp(dir='.', prefix='tmp_')
                    os.close(fd); os.unlink(p)"
                    """, expected: "gamma-11")
                // Go's renameio / consul-template style: a hidden name, written, fsynced, renamed.
                try AtomicReplace.check(mount, "dotx", script: """
                    /usr/bin/python3 -c "
                    import os
                    fd = os.open('.dotx.tmp123', os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
                    os.write(fd, b'delta'); os.fsync(fd); os.close(fd)
                    os.rename('.dotx.tmp123', 'dotx')"
                    """, expected: "delta")
                let source = mount.directory + "/src"
                try "epsilon".write(toFile: source, atomically: true, encoding: .utf8)
                chmod(source, 0o644)
                try AtomicReplace.check(mount, "cpx", script: "cp '\(source)' cpx", expected: "epsilon")
                // install removes the target, creates it again and chmods it to 0600.
                try AtomicReplace.check(mount, "instx", script: "install -m 0600 '\(source)' instx", expected: "epsilon")
                // vim with its swap file (.vimx.swp) and its write backup (vimx~).
                try AtomicReplace.check(mount, "vimx", script: "HOME=/tmp vim -Es -u NONE -i NONE -c '%s/alpha/eta/' -c wq vimx",
                                        expected: "eta\n")
            }
        }

        /// Content type and tags of the target carry over to the version the rename makes; a rename onto a new
        /// name makes that secret, with the case given; a rename out of the `secrets/` folder is EXDEV.
        @Test func renameKeepsTargetAttributesAndNewNames() throws {
            try VaultMountFixture.with(AtomicReplace.setup) { mount in
                let o = TestCaller.officer, v = AtomicReplace.vault
                #expect(try mount.probe(o, .setxattr("\(v)/secrets/carried", "user.kv.content_type", "text/x-conf")).ok)
                let out = try mount.shell(o, """
                    cd \(v)/secrets && /usr/bin/python3 -c "
                    import os, tempfile
                    fd, p = tempfile.mkstemp(dir='.')
                    os.write(fd, b'zeta'); os.close(fd); os.replace(p, 'carried')
                    fd, p = tempfile.mkstemp(dir='.')
                    os.write(fd, b'brand'); os.close(fd); os.replace(p, 'BrandNew')
                    fd, p = tempfile.mkstemp(dir='.')
                    os.close(fd)
                    try:
                        os.replace(p, '../elsewhere'); print('moved')
                    except OSError as e:
                        print(e.errno == 18 or e.errno)
                    os.unlink(p)"
                    """)
                #expect(out.stdout == "True\n", "\(out)")
                #expect(try mount.probe(o, .getxattr("\(v)/secrets/carried", "user.kv.content_type")).text == "text/x-conf")
                #expect(try mount.probe(o, .read("\(v)/secrets/carried")).text == "zeta")
                #expect(try mount.probe(o, .list("\(v)/secrets")).names.contains("BrandNew"), "a rename onto a new name keeps its case")
                #expect(try mount.probe(o, .read("\(v)/secrets/brandnew")).text == "brand")
            }
        }

        /// A temporary file is its creator's: another caller neither sees it in a listing nor reaches it by
        /// name, and cannot rename or remove it; its creator sees its size while it lives; `rm` wipes it; a
        /// creator killed before renaming leaves nothing.
        @Test func temporaryFilesArePrivate() throws {
            try VaultMountFixture.with(AtomicReplace.setup) { mount in
                let o = TestCaller.officer, a = TestCaller.administrator, v = AtomicReplace.vault
                let made = try mount.shell(o, """
                    cd \(v)/secrets && /usr/bin/python3 -c "
                    import os
                    fd = os.open('held_tmp', os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
                    os.write(fd, b'private'); os.close(fd)
                    print(os.stat('held_tmp').st_size, oct(os.stat('held_tmp').st_mode & 0o777))"
                    """)
                #expect(made.stdout == "7 0o600\n", "\(made)")
                let other = try mount.probe(a, [.stat("\(v)/secrets/held_tmp"), .read("\(v)/secrets/held_tmp"),
                                                .unlink("\(v)/secrets/held_tmp"), .rename("\(v)/secrets/held_tmp", "\(v)/secrets/sedx"),
                                                .list("\(v)/secrets")])
                #expect(other[0].result == "EINVAL" && other[1].result == "EINVAL" && other[2].result == "EINVAL"
                        && other[3].result == "EINVAL", "another caller reached the temporary file: \(other)")
                #expect(!other[4].names.contains("held_tmp"))
                #expect(!(try mount.probe(o, .list("\(v)/secrets")).names.contains("held_tmp")), "listings never show temporary files")
                #expect(try mount.probe(o, .read("\(v)/secrets/held_tmp")).text == "private")
                #expect(try mount.probe(o, .unlink("\(v)/secrets/held_tmp")).ok)
                #expect(try mount.probe(o, .stat("\(v)/secrets/held_tmp")).result == "EINVAL", "rm wipes a temporary file")

                // Killed before the rename: the temporary file goes with its creator.
                let killed = try mount.shell(o, """
                    cd \(v)/secrets && /usr/bin/python3 -c "
                    import os, signal
                    fd = os.open('doomed_tmp', os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
                    os.write(fd, b'half')
                    os.kill(os.getpid(), signal.SIGKILL)"; echo rc=$?
                    """)
                #expect(killed.stdout.contains("rc=137"), "\(killed)")
                #expect(try mount.probe(o, .stat("\(v)/secrets/doomed_tmp")).result == "EINVAL")
                let audit = try mount.auditLines().filter { ($0["object"] as? String)?.contains("tmp") == true }
                #expect(audit.isEmpty, "temporary files reached the audit log: \(audit)")
            }
        }

        /// A temporary file nobody holds open and nobody renames is wiped after the tree's grace period (in
        /// process, with a short grace, so the test needs no long wait).
        @Test func abandonedTemporaryFilesVanish() throws {
            try VaultMountFixture.with(AtomicReplace.setup) { mount in
                let engine = try VaultEngine(opening: StoreLocation(directory: mount.store))
                let tree = VaultTree(engine: engine, temporaryFilesAbandonedAfter: 0.3)
                let bridge = try BridgeMount(tree)
                defer { bridge.stop() }
                let path = bridge.path + "/\(AtomicReplace.vault)/secrets/left_behind"
                let made = try VaultProcess.shell("""
                    /usr/bin/python3 -c "
                    import os
                    fd = os.open('\(path)', os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
                    os.write(fd, b'x'); os.close(fd)"
                    """, as: TestCaller.officer)
                #expect(made.succeeded, "\(made)")
                #expect(tree.tree.temporaries.count == 1)
                let deadline = Date().addingTimeInterval(10)
                while tree.tree.temporaries.count > 0, Date() < deadline {
                    tree.tree.temporaries.sweep()
                    usleep(50_000)
                }
                #expect(tree.tree.temporaries.count == 0, "an abandoned temporary file was kept")
            }
        }
    }
}
