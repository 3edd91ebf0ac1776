import Foundation
import Testing
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// `kvfs mount` by a user other than root goes through the setuid fusermount3. Each check runs in a private
    /// mount namespace (`unshare --mount`) where the test bind-mounts what the system would have to provide —
    /// a user name for the mounter (/etc/passwd), a /dev/fuse the user may open (a copy of the device node, 0666)
    /// and /etc/fuse.conf with or without `user_allow_other` — so nothing on the host changes, and every mount
    /// made in the namespace is gone when it ends.
    @Suite(.serialized) struct NonRootMount {
        static let vault = "nonroot"
        static let mounter = VaultProcess.Identity(uid: 3301, gid: 3301)
        /// Key Vault Secrets User in the vault.
        static let reader = VaultProcess.Identity(uid: 3302, gid: 3302)
        /// No role.
        static let stranger = VaultProcess.Identity(uid: 3303, gid: 3303)

        /// A store owned by `mounter` (its Owner, and Administrator of vault `nonroot`, where `reader` is Secrets
        /// User and secret `s` holds `hello`), an empty mountpoint the mounter owns, and the files the namespace
        /// binds.
        final class Sandbox {
            let directory: String
            var store: String { directory + "/store" }
            var mountpoint: String { directory + "/mnt" }
            var device: String { directory + "/fuse" }
            var passwd: String { directory + "/passwd" }
            var closedConf: String { directory + "/fuse.conf" }
            var openConf: String { directory + "/fuse-allow-other.conf" }

            init() throws {
                var template = Array("/tmp/kvfs-nonroot-XXXXXX".utf8CString)
                guard let made = mkdtemp(&template) else { throw VaultTestError("mkdtemp failed: errno \(errno)") }
                directory = String(cString: made)
                chmod(directory, 0o755)
                let engine = try VaultEngine.initialize(at: StoreLocation.resolve(directory: store, masterKeyFile: nil))
                let root = Caller.currentProcess()
                try engine.vaults.create(named: NonRootMount.vault, as: root)
                try engine.access.createPrincipal(named: "mounter", kind: .user, unixID: NonRootMount.mounter.uid, as: root)
                try engine.access.createPrincipal(named: "reader", kind: .user, unixID: NonRootMount.reader.uid, as: root)
                try engine.access.assign(principal: "mounter", role: .administrator, scope: Scope(vault: NonRootMount.vault), as: root)
                try engine.access.assign(principal: "reader", role: .secretsUser, scope: Scope(vault: NonRootMount.vault), as: root)
                let mounterCaller = Caller(uid: NonRootMount.mounter.uid, gid: NonRootMount.mounter.gid, pid: getpid())
                try engine.secrets.set(vault: NonRootMount.vault, name: "s", value: Array("hello".utf8), as: mounterCaller)
                try engine.flushAudit()
                try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: false)
                let owner = NonRootMount.mounter
                for path in [mountpoint, store] + ((try? FileManager.default.contentsOfDirectory(atPath: store)) ?? []).map({ store + "/" + $0 }) {
                    guard chown(path, owner.uid, owner.gid) == 0 else { throw VaultTestError("chown \(path): errno \(errno)") }
                }
                // The device node kvfs's mounts use (10:229), open to everyone, as Debian's udev makes it.
                var status = stat()
                guard stat("/dev/fuse", &status) == 0, mknod(device, S_IFCHR | 0o666, status.st_rdev) == 0, chmod(device, 0o666) == 0 else {
                    throw VaultTestError("cannot make a copy of /dev/fuse at \(device): errno \(errno)")
                }
                let users = [("kvfs-mounter", NonRootMount.mounter), ("kvfs-reader", NonRootMount.reader), ("kvfs-stranger", NonRootMount.stranger)]
                let entries = users.map { "\($0.0):x:\($0.1.uid):\($0.1.gid)::/nonexistent:/usr/sbin/nologin\n" }.joined()
                let hostPasswd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
                try (hostPasswd + (hostPasswd.hasSuffix("\n") ? "" : "\n") + entries).write(toFile: passwd, atomically: true, encoding: .utf8)
                try "# kvfs test: no user_allow_other\n#user_allow_other\n".write(toFile: closedConf, atomically: true, encoding: .utf8)
                try "# kvfs test\nuser_allow_other\n".write(toFile: openConf, atomically: true, encoding: .utf8)
            }

            deinit {
                // A mount can only be left in the namespace, which ends with its last process; remove the files.
                try? FileManager.default.removeItem(atPath: directory)
            }

            /// Runs `body` as root in a new private mount namespace, after `binds` (source, target) are
            /// bind-mounted; on exit anything mounted at the mountpoint is detached (so its daemon ends).
            func run(binds: [(String, String)], _ body: String) throws -> VaultProcess.Outcome {
                let kvfs = VaultMountFixture.kvfsPath
                func who(_ identity: VaultProcess.Identity) -> String { identity.setprivArguments.joined(separator: " ") }
                let script = """
                set -u
                \(binds.map { "mount --bind \($0.0) \($0.1) || exit 90" }.joined(separator: "\n"))
                trap 'umount -l \(mountpoint) 2>/dev/null' EXIT
                MOUNTER="\(who(NonRootMount.mounter)) \(kvfs)"
                MP=\(mountpoint)
                STORE=\(store)
                SECRET=\(mountpoint)/\(NonRootMount.vault)/secrets/s
                as_reader() { \(who(NonRootMount.reader)) "$@"; }
                as_stranger() { \(who(NonRootMount.stranger)) "$@"; }
                as_mounter() { \(who(NonRootMount.mounter)) "$@"; }
                \(body)
                """
                return try VaultProcess.run(["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script],
                                            timeout: 60)
            }

            /// `step:value` lines a script printed, in order.
            static func values(_ out: VaultProcess.Outcome) -> [String: String] {
                var values: [String: String] = [:]
                for line in out.stdout.split(separator: "\n") {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    values[String(line[..<colon])] = String(line[line.index(after: colon)...])
                }
                return values
            }
        }

        @Test func refusalsSayWhatToChange() throws {
            let box = try Sandbox()
            let out = try box.run(binds: [], """
            $MOUNTER mount $MP --store $STORE 2>&1; echo "nouser:$?"
            mount --bind \(box.passwd) /etc/passwd
            $MOUNTER mount $MP --store $STORE 2>&1; echo "nodevice:$?"
            mount --bind \(box.device) /dev/fuse
            mount --bind \(box.closedConf) /etc/fuse.conf
            $MOUNTER mount $MP --store $STORE 2>&1; echo "noallowother:$?"
            echo "mounted:$(grep -c " $MP " /proc/mounts)"
            """)
            let v = Sandbox.values(out)
            if getpwuid(NonRootMount.mounter.uid) == nil {
                #expect(v["nouser"] == "9" && out.stdout.contains("uid 3301 has no user name"), "\(out)")
            }
            #expect(v["nodevice"] == "9" && out.stdout.contains("fusermount3 opens /dev/fuse as uid 3301, which may not")
                        && out.stdout.contains("chmod 0666 /dev/fuse"), "\(out)")
            #expect(v["noallowother"] == "9", "\(out)")
            #expect(out.stdout.contains("only when /etc/fuse.conf has the line `user_allow_other`")
                        && out.stdout.contains("echo user_allow_other >> /etc/fuse.conf") && out.stdout.contains("kvfs mount --private"), "\(out)")
            #expect(v["mounted"] == "0", "nothing was mounted: \(out)")
        }

        @Test func privateMountThroughFusermount() throws {
            let box = try Sandbox()
            let out = try box.run(binds: [(box.passwd, "/etc/passwd"), (box.device, "/dev/fuse"), (box.closedConf, "/etc/fuse.conf")], """
            $MOUNTER mount $MP --store $STORE --private; echo "mount:$?"
            echo "options:$(grep " $MP " /proc/mounts | cut -d' ' -f4)"
            echo "helper:$(ps -eo args | grep -c '^fusermount3 .*auto_unmount.* -- '$MP'$')"
            echo "mounter:$(as_mounter cat $SECRET)"
            as_reader cat $SECRET 2>/dev/null; echo "reader:$?"
            $MOUNTER unmount $MP; echo "unmount:$?"
            echo "mounted:$(grep -c " $MP " /proc/mounts)"
            """)
            let v = Sandbox.values(out)
            #expect(v["mount"] == "0", "\(out)")
            #expect(v["options"]?.contains("user_id=3301") == true && v["options"]?.contains("allow_other") == false, "\(out)")
            #expect(v["helper"] == "1", "fusermount3 made the mount and stays to take it away: \(out)")
            #expect(v["mounter"] == "hello", "\(out)")
            #expect(v["reader"] == "1", "without allow_other the kernel keeps everyone else out: \(out)")
            #expect(v["unmount"] == "0" && v["mounted"] == "0", "\(out)")
        }

        @Test func allowOtherWhereFuseConfAllowsIt() throws {
            let box = try Sandbox()
            let out = try box.run(binds: [(box.passwd, "/etc/passwd"), (box.device, "/dev/fuse"), (box.openConf, "/etc/fuse.conf")], """
            $MOUNTER mount $MP --store $STORE; echo "mount:$?"
            echo "options:$(grep " $MP " /proc/mounts | cut -d' ' -f4)"
            echo "reader:$(as_reader cat $SECRET)"
            as_stranger cat $SECRET 2>/dev/null; echo "stranger:$?"
            as_stranger python3 -c 'import os, sys
            try:
                os.open(sys.argv[1], os.O_RDONLY)
            except OSError as e:
                print("strangererrno:" + str(e.errno))' $SECRET
            $MOUNTER unmount $MP; echo "unmount:$?"
            echo "mounted:$(grep -c " $MP " /proc/mounts)"
            """)
            let v = Sandbox.values(out)
            #expect(v["mount"] == "0", "\(out)")
            #expect(v["options"]?.contains("allow_other") == true, "\(out)")
            #expect(v["reader"] == "hello", "another user reaches the mount, decided by its role: \(out)")
            #expect(v["stranger"] == "1" && v["strangererrno"] == String(EACCES), "no role: EACCES from kvfs: \(out)")
            #expect(v["unmount"] == "0" && v["mounted"] == "0", "\(out)")
        }
    }
}
