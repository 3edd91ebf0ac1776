import Foundation
import Synchronization
import Testing
import VaultFS
#if canImport(Glibc)
import Glibc
#endif

/// A real FUSE mount of a test file system under a fresh temporary directory, served on a background
/// thread of the test process. `stop()` always unmounts (lazily) and waits for the loop to end; a loop that
/// does not end within 10 s is a recorded test failure.
final class BridgeMount: Sendable {
    static let directoryPrefix = "kvfs-bridge-test-"

    let root: String
    let path: String
    let mount: FuseMount
    private let finished = Mutex<Result<Void, FuseMountError>?>(nil)
    private let ended = DispatchSemaphore(value: 0)

    /// Mounts `operations` at `<tmp>/mnt` and waits until the loop serves requests.
    init(_ operations: some FileSystemOperations) throws {
        _ = BridgeMount.leftoversCleaned
        var template = Array("/tmp/\(Self.directoryPrefix)XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw FileSystemError(errno) }
        root = String(cString: created)
        path = root + "/mnt"
        // Other uids must be able to reach the mountpoint.
        chmod(root, 0o755)
        mkdir(path, 0o755)

        var options = FuseMount.Options()
        options.handlesSignals = false
        do {
            mount = try FuseMount(at: path, operations: operations, options: options)
        } catch {
            rmdir(path)
            rmdir(root)
            throw error
        }
        let pipe = try MountReadiness.makePipe()
        let notifier = MountReadiness.Notifier(fd: pipe.writeFD)
        let thread = Thread { [self] in
            let result: Result<Void, FuseMountError>
            do throws(FuseMountError) {
                try mount.run(readiness: notifier)
                result = .success(())
            } catch {
                result = .failure(error)
            }
            finished.withLock { $0 = result }
            ended.signal()
        }
        thread.start()
        do {
            try MountReadiness.wait(on: pipe.readFD, timeout: .seconds(10), mountpoint: path)
        } catch {
            stop()
            throw error
        }
    }

    /// `path` + "/" + `name`.
    func file(_ name: String) -> String { path + "/" + name }

    /// Unmounts, waits for the serving loop to end and removes the temporary directory.
    /// - Returns: how the loop ended, or nil (and a recorded issue) if it did not end within 10 s.
    @discardableResult
    func stop() -> Result<Void, FuseMountError>? {
        try? mount.unmount(lazy: true)
        if finished.withLock({ $0 }) == nil {
            if ended.wait(timeout: .now() + 10) == .success {
                ended.signal()   // a second stop() returns at once
            } else {
                Issue.record("the serving loop of \(path) did not end within 10 s of unmounting")
            }
        }
        let result = finished.withLock { $0 }
        rmdir(path)
        rmdir(root)
        return result
    }

    /// Runs ``cleanUpLeftovers()`` once per test process, before the first mount.
    static let leftoversCleaned: Void = cleanUpLeftovers()

    /// Lazily unmounts every test mount a crashed earlier run may have left behind.
    static func cleanUpLeftovers() {
        for mounted in MountTable.mounts() where mounted.isFuse && mounted.mountpoint.hasPrefix("/tmp/\(directoryPrefix)") {
            try? FuseUnmount.unmount(mounted.mountpoint, lazy: true)
        }
    }
}
