import Foundation
import Testing
import VaultFS
#if canImport(Glibc)
import Glibc
#endif

/// The FUSE bridge against a real mount of ``MemoryFileSystem``. Every check runs a child process on the
/// mount; the test process only serves it.
/// Every suite that mounts lives inside this one, so that no two mounts' tests run at once.
@Suite(.serialized)
enum FuseBridgeTests {}

extension FuseBridgeTests {
@Suite
struct BridgeTests {
    /// Mounts a fresh file system, runs `body`, and unmounts even when `body` fails.
    private func withMount(_ body: (BridgeMount, MemoryFileSystem) throws -> Void) throws {
        let fileSystem = MemoryFileSystem()
        let mounted = try BridgeMount(fileSystem)
        defer {
            let ending = mounted.stop()
            #expect(ending != nil, "the serving loop did not end after unmount")
        }
        try body(mounted, fileSystem)
    }

    @Test func lookupGetattrReaddirAndRead() throws {
        try withMount { mounted, _ in
            let listing = try ChildProcess.run(["/bin/ls", "-a", mounted.path])
            #expect(listing.succeeded, "\(listing)")
            #expect(listing.standardOutput.split(separator: "\n") == [".", "..", "hello.txt", "notes.txt", "whoami"])

            let cat = try ChildProcess.run(["/bin/cat", mounted.file("hello.txt")])
            #expect(cat.standardOutput == MemoryFileSystem.helloText, "\(cat)")

            let stat = try ChildProcess.run(["/usr/bin/stat", "-c", "%s %a %F %u", mounted.file("hello.txt")])
            #expect(stat.standardOutput == "\(MemoryFileSystem.helloText.utf8.count) 666 regular file 0\n", "\(stat)")

            let missing = try ChildProcess.run(["/bin/cat", mounted.file("absent")])
            #expect(!missing.succeeded)
            #expect(missing.standardError.contains("No such file or directory"), "\(missing)")

            let mountType = MountTable.mount(at: mounted.path)?.fileSystemType
            #expect(mountType == "fuse.kvfs")
        }
    }

    @Test func largeDirectoryIsListedAcrossSeveralReaddirCalls() throws {
        try withMount { mounted, _ in
            let names = (0..<400).map { String(format: "file-with-a-fairly-long-name-%04d", $0) }
            let create = try ChildProcess.python("import sys\nfor n in sys.argv[2:]: open(sys.argv[1] + '/' + n, 'w').close()",
                                                 [mounted.path] + names)
            #expect(create.succeeded, "\(create)")
            let listing = try ChildProcess.run(["/bin/ls", mounted.path])
            let listed = Set(listing.standardOutput.split(separator: "\n").map(String.init))
            let expected = Set(names + ["hello.txt", "notes.txt", "whoami"])
            #expect(listed.count == expected.count)
            #expect(expected.subtracting(listed).sorted().prefix(5) == [])
        }
    }

    @Test func writeCreateAppendAndTruncate() throws {
        try withMount { mounted, _ in
            let new = mounted.file("new.txt")
            #expect(try ChildProcess.run(["/bin/sh", "-c", "printf abc > \(new)"]).succeeded)
            #expect(try ChildProcess.run(["/bin/cat", new]).standardOutput == "abc")
            #expect(try ChildProcess.run(["/bin/sh", "-c", "printf def >> \(new)"]).succeeded)
            #expect(try ChildProcess.run(["/bin/cat", new]).standardOutput == "abcdef")
            #expect(try ChildProcess.run(["/usr/bin/truncate", "-s", "2", new]).succeeded)
            #expect(try ChildProcess.run(["/bin/cat", new]).standardOutput == "ab")
            #expect(try ChildProcess.run(["/bin/sh", "-c", "printf x > \(mounted.file("hello.txt"))"]).succeeded)
            #expect(try ChildProcess.run(["/bin/cat", mounted.file("hello.txt")]).standardOutput == "x")
            #expect(try ChildProcess.run(["/usr/bin/touch", "-d", "2001-02-03 04:05:06Z", new]).succeeded)
            #expect(try ChildProcess.run(["/usr/bin/stat", "-c", "%Y", new]).standardOutput == "981173106\n")

            let tooBig = try ChildProcess.run(["/bin/sh", "-c", "head -c 30000 /dev/zero > \(new)"])
            #expect(tooBig.standardError.contains("File too large"), "\(tooBig)")
        }
    }

    @Test func extendedAttributes() throws {
        try withMount { mounted, _ in
            let hello = mounted.file("hello.txt")
            #expect(try ChildProcess.run(["/usr/bin/setfattr", "-n", "user.color", "-v", "blue", hello]).succeeded)
            let value = try ChildProcess.run(["/usr/bin/getfattr", "-n", "user.color", "--only-values", hello])
            #expect(value.standardOutput == "blue", "\(value)")
            #expect(try ChildProcess.run(["/usr/bin/setfattr", "-n", "user.size", "-v", "big", hello]).succeeded)
            let dump = try ChildProcess.run(["/usr/bin/getfattr", "-d", "--absolute-names", hello])
            #expect(dump.standardOutput.contains("user.color=\"blue\"") && dump.standardOutput.contains("user.size=\"big\""),
                    "\(dump)")

            // Size probes (size 0) get the needed size; a short buffer gets ERANGE.
            let probe = try ChildProcess.python("""
                import ctypes, os, sys
                libc = ctypes.CDLL(None, use_errno=True)
                path, name = sys.argv[1].encode(), b"user.color"
                print(libc.getxattr(path, name, None, 0))
                small = ctypes.create_string_buffer(2)
                print(libc.getxattr(path, name, small, 2), ctypes.get_errno() == 34)
                print(libc.listxattr(path, None, 0))
                print(libc.listxattr(path, small, 2), ctypes.get_errno() == 34)
                print(sorted(os.listxattr(sys.argv[1])))
                """, [hello])
            #expect(probe.standardOutput == "4\n-1 True\n21\n-1 True\n['user.color', 'user.size']\n", "\(probe)")

            #expect(try ChildProcess.run(["/usr/bin/setfattr", "-x", "user.color", hello]).succeeded)
            let gone = try ChildProcess.run(["/usr/bin/getfattr", "-n", "user.color", hello])
            #expect(gone.standardError.contains("No such attribute"), "\(gone)")
            let trusted = try ChildProcess.run(["/usr/bin/setfattr", "-n", "trusted.x", "-v", "1", hello])
            #expect(trusted.standardError.contains("Operation not supported"), "\(trusted)")
        }
    }

    @Test func unlinkRenameAndDirectories() throws {
        try withMount { mounted, _ in
            #expect(try ChildProcess.run(["/bin/mv", mounted.file("notes.txt"), mounted.file("renamed.txt")]).succeeded)
            #expect(try ChildProcess.run(["/bin/mkdir", mounted.file("dir")]).succeeded)
            #expect(try ChildProcess.run(["/bin/mv", mounted.file("renamed.txt"), mounted.file("dir/inner.txt")]).succeeded)
            let listing = try ChildProcess.run(["/bin/ls", mounted.path, mounted.file("dir")])
            #expect(listing.standardOutput == "\(mounted.path):\ndir\nhello.txt\nwhoami\n\n\(mounted.path)/dir:\ninner.txt\n",
                    "\(listing)")
            let notEmpty = try ChildProcess.run(["/bin/rmdir", mounted.file("dir")])
            #expect(notEmpty.standardError.contains("Directory not empty"), "\(notEmpty)")
            // renameat2(RENAME_NOREPLACE) reaches the file system with its flag.
            let noReplace = try ChildProcess.python("""
                import ctypes, sys
                libc = ctypes.CDLL(None, use_errno=True)
                r = libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(), 1)
                print(r, ctypes.get_errno())
                """, [mounted.file("hello.txt"), mounted.file("whoami")])
            #expect(noReplace.standardOutput == "-1 \(EEXIST)\n", "\(noReplace)")
            #expect(try ChildProcess.run(["/bin/rm", mounted.file("dir/inner.txt")]).succeeded)
            #expect(try ChildProcess.run(["/bin/rmdir", mounted.file("dir")]).succeeded)
            #expect(try ChildProcess.run(["/bin/ls", mounted.path]).standardOutput == "hello.txt\nwhoami\n")
        }
    }

    @Test func refusedOperationsAnswerEPERM() throws {
        try withMount { mounted, _ in
            let hello = mounted.file("hello.txt")
            for command in [["/bin/ln", hello, mounted.file("hard")],
                            ["/bin/ln", "-s", hello, mounted.file("soft")],
                            ["/usr/bin/mkfifo", mounted.file("fifo")],
                            ["/bin/chmod", "600", hello],
                            ["/bin/chown", "1234", hello]] {
                let result = try ChildProcess.run(command)
                #expect(!result.succeeded && result.standardError.contains("Operation not permitted"),
                        "\(command[0]): \(result)")
            }
        }
    }

    @Test func otherUsersReachTheMountAndTheContextNamesThem() throws {
        try withMount { mounted, fileSystem in
            let whoami = try ChildProcess.run(["/bin/cat", mounted.file("whoami")], asUser: 1234, group: 1234)
            #expect(whoami.standardOutput == "1234 1234\n", "\(whoami)")
            let other = try ChildProcess.run(["/bin/cat", mounted.file("whoami")], asUser: 4321, group: 99)
            #expect(other.standardOutput == "4321 99\n", "\(other)")
            let contexts = fileSystem.openContexts
            #expect(contexts.contains { $0.uid == 1234 && $0.gid == 1234 && $0.pid > 0 })
            #expect(contexts.contains { $0.uid == 4321 && $0.gid == 99 })
        }
    }
}
}
