import Foundation
import Testing
import VaultFS
#if canImport(Glibc)
import Glibc
#endif

/// Mount failures, readiness, unmount and recovery of dead mounts.
extension FuseBridgeTests {
@Suite
struct MountLifecycleTests {
    private func temporaryDirectory() throws -> String {
        var template = Array("/tmp/\(BridgeMount.directoryPrefix)XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw FileSystemError(errno) }
        return String(cString: created)
    }

    @Test func mountingANonexistentDirectoryFails() throws {
        let root = try temporaryDirectory()
        defer { rmdir(root) }
        #expect(throws: FuseMountError(.mountpointMissing, "", path: "")) {
            try FuseMount(at: root + "/absent", operations: MemoryFileSystem())
        }
    }

    @Test func mountingOnAFileFails() throws {
        let root = try temporaryDirectory()
        let file = root + "/file"
        defer { unlink(file); rmdir(root) }
        #expect(creat(file, 0o644) >= 0)
        #expect(throws: FuseMountError(.notADirectory, "", path: "")) {
            try FuseMount(at: file, operations: MemoryFileSystem())
        }
    }

    @Test func mountingTwiceAtOnePlaceFails() throws {
        let mounted = try BridgeMount(MemoryFileSystem())
        defer { mounted.stop() }
        do {
            _ = try FuseMount(at: mounted.path, operations: MemoryFileSystem())
            Issue.record("a second mount at \(mounted.path) succeeded")
        } catch {
            #expect(error.code == .alreadyMounted)
            #expect(error.message.contains(mounted.path))
        }
        #expect(StaleMount.state(of: mounted.path) == .mounted(fileSystemType: "fuse.kvfs"))
    }

    @Test func unmountEndsTheLoopAndLeavesNothingBehind() throws {
        let mounted = try BridgeMount(MemoryFileSystem())
        let path = mounted.path
        let ending = mounted.stop()
        #expect(ending.map { (try? $0.get()) != nil } == true, "loop ended with \(String(describing: ending))")
        #expect(MountTable.mount(at: path) == nil)
    }

    @Test func aMountThatIsNeverRunIsClosedCleanly() throws {
        let root = try temporaryDirectory()
        defer { rmdir(root) }
        let mount = try FuseMount(at: root, operations: MemoryFileSystem())
        #expect(MountTable.mount(at: root)?.fileSystemType == "fuse.kvfs")
        mount.close()
        #expect(MountTable.mount(at: root) == nil)
    }

    @Test func readinessReportsAFailureMessage() throws {
        let pipe = try MountReadiness.makePipe()
        MountReadiness.Notifier(fd: pipe.writeFD).failed("Mountpoint /x does not exist.")
        #expect(throws: FuseMountError(.notReady, "", path: "")) {
            try MountReadiness.wait(on: pipe.readFD, timeout: .seconds(5), mountpoint: "/x")
        }
    }

    /// A dead mount is made by aborting the connection through fusectl, as a crashed daemon would leave it.
    @Test func aDeadMountIsDetectedAndRecovered() throws {
        let connections = "/sys/fs/fuse/connections"
        var mountedFusectl = false
        if MountTable.mount(at: connections) == nil {
            mountedFusectl = try ChildProcess.run(["/bin/mount", "-t", "fusectl", "fusectl", connections]).succeeded
            try #require(mountedFusectl, "fusectl is needed to abort a connection")
        }
        defer { if mountedFusectl { _ = try? ChildProcess.run(["/bin/umount", connections]) } }

        let mounted = try BridgeMount(MemoryFileSystem())
        defer { mounted.stop() }
        let device = try #require(MountTable.mount(at: mounted.path)?.device)
        let connection = device.split(separator: ":").last.map(String.init) ?? ""
        let abort = try ChildProcess.run(["/bin/sh", "-c", "echo 1 > \(connections)/\(connection)/abort"])
        try #require(abort.succeeded, "\(abort)")

        #expect(StaleMount.state(of: mounted.path) == .stale(fileSystemType: "fuse.kvfs"))
        #expect(throws: FuseMountError(.staleMount, "", path: "")) {
            try FuseMount(at: mounted.path, operations: MemoryFileSystem())
        }
        try StaleMount.recover(mounted.path)
        #expect(StaleMount.state(of: mounted.path) == .notMounted)
        #expect(MountTable.mount(at: mounted.path) == nil)
    }
}
}
