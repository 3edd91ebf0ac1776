import Foundation
import Testing

extension VaultMountTests {
    /// A writer killed before a clean close stores nothing; a clean exit without close stores; names keep
    /// their case and are ENAMETOOLONG past 127 bytes.
    @Suite struct KilledWritersAndNames {
        static let vault = "killed"
        static var setup: VaultMountFixture.Setup {
            TestCaller.setup([.init(name: vault)], secrets: [(vault, "victim", "original"), (vault, "clean", "original")])
        }

        @Test func killedWriterStoresNothing() throws {
            try VaultMountFixture.with(Self.setup) { mount in
                let o = TestCaller.officer, v = Self.vault
                for signal in ["SIGKILL", "SIGTERM", "SIGSEGV"] {
                    let out = try mount.shell(o, """
                        cd \(v)/secrets && /usr/bin/python3 -c "
                        import os, signal
                        signal.signal(signal.\(signal), signal.SIG_DFL)
                        fd = os.open('victim', os.O_WRONLY | os.O_TRUNC)
                        os.write(fd, b'partial')
                        fd2 = os.open('fresh-\(signal.lowercased())', os.O_WRONLY | os.O_CREAT, 0o600)
                        os.write(fd2, b'partial')
                        os.kill(os.getpid(), signal.\(signal))"; echo rc=$?
                        """)
                    #expect(!out.stdout.contains("rc=0"), "\(out)")
                    #expect(try mount.probe(o, .read("\(v)/secrets/victim")).text == "original", "\(signal) stored a partial value")
                    #expect(try mount.probe(o, .stat("\(v)/secrets/fresh-\(signal.lowercased())")).result == "ENOENT")
                }
                #expect(try mount.versionCount(o, v, "victim") == 1)
                // A clean exit without close() is a clean close.
                let clean = try mount.shell(o, """
                    cd \(v)/secrets && /usr/bin/python3 -c "
                    import os
                    fd = os.open('clean', os.O_WRONLY | os.O_TRUNC)
                    os.write(fd, b'whole')
                    os._exit(3)"; echo rc=$?
                    """)
                #expect(clean.stdout.contains("rc=3"), "\(clean)")
                #expect(try mount.probe(o, .read("\(v)/secrets/clean")).text == "whole")
            }
        }

        @Test func namesKeepTheirCaseAndLongNamesAreTooLong() throws {
            try VaultMountFixture.with(Self.setup) { mount in
                let o = TestCaller.officer, v = Self.vault
                #expect(try mount.shell(o, "echo -n x > \(v)/secrets/MixedCase-Name").succeeded)
                #expect(try mount.probe(o, .list("\(v)/secrets")).names.contains("MixedCase-Name"))
                #expect(try mount.probe(o, .read("\(v)/secrets/mixedcase-name")).text == "x")
                let r = try mount.probe(o, [.create("\(v)/secrets/\(String(repeating: "a", count: 128))", "x"),
                                           .stat("\(v)/secrets/\(String(repeating: "a", count: 255))"),
                                           .create("\(v)/secrets/bad_chars", "x")])
                #expect(r[0].result == "ENAMETOOLONG" && r[1].result == "ENAMETOOLONG", "\(r)")
                #expect(r[2].result == "EINVAL", "\(r[2])")
                let max = try mount.shell(o, "stat -f -c %l \(v)/secrets")
                #expect(max.stdout == "255\n", "\(max)")
            }
        }
    }
}
