import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The README's tour runs as written: its `sh` block is extracted from README.md and run in order by bash
/// (`set -euo pipefail`), as root, with the built `kvfs` first on PATH, on a fresh store and mount. Two things
/// are relocated so that runs never touch the machine's own paths or each other: the store (`KVFS_STORE`, which
/// the tour's `kvfs init` honours) and the mount point (`/run/kvfs` becomes a temporary directory). Nothing else
/// in the block is changed.
///
/// Cleanup follows the mount fixture's discipline: whatever the script did, the mount is taken down (`kvfs
/// unmount`, then a lazy `fusermount3 -u -z`, then `umount -l`) and the directory removed; a mount the tour's
/// own `kvfs unmount` left behind is a recorded failure.
@Suite(.serialized) struct ReadmeTour {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()   // CLI
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()   // FSIntegrationTests, Tests, repo
        .appendingPathComponent("README.md")

    /// The first `sh` block after the "## A short tour" heading.
    static func tour() throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let heading = text.range(of: "\n## A short tour\n"),
              let open = text.range(of: "```sh\n", range: heading.upperBound..<text.endIndex),
              let close = text.range(of: "\n```", range: open.upperBound..<text.endIndex) else {
            throw VaultTestError("README.md has no ```sh block under '## A short tour'")
        }
        return String(text[open.upperBound..<close.lowerBound])
    }

    static func isMounted(_ path: String) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.split(separator: " ").dropFirst(4).first.map(String.init) == path }
    }

    @Test func runsAsWritten() throws {
        let block = try ReadmeTour.tour()
        #expect(block.contains("kvfs mount /run/kvfs") && block.contains("kvfs unmount /run/kvfs"), "the tour mounts and unmounts /run/kvfs")
        var template = Array("/tmp/kvfs-tour-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw VaultTestError("mkdtemp failed: errno \(errno)") }
        let directory = String(cString: made)
        chmod(directory, 0o755)   // uid 33 and nobody must reach the mount point
        let store = directory + "/store", mountpoint = directory + "/mnt"
        let kvfs = VaultMountFixture.kvfsPath
        defer {
            if ReadmeTour.isMounted(mountpoint) {
                Issue.record("the tour left \(mountpoint) mounted")
                _ = try? VaultProcess.run([kvfs, "unmount", mountpoint], timeout: 10)
            }
            if ReadmeTour.isMounted(mountpoint) { _ = try? VaultProcess.run(["/usr/bin/fusermount3", "-u", "-z", mountpoint], timeout: 10) }
            if ReadmeTour.isMounted(mountpoint) { _ = try? VaultProcess.run(["/bin/umount", "-l", mountpoint], timeout: 10) }
            try? FileManager.default.removeItem(atPath: directory)
        }
        let script = "set -euo pipefail\ncd '\(directory)'\n" + block.replacingOccurrences(of: "/run/kvfs", with: mountpoint)
        var environment = VaultProcess.childEnvironment
        environment["PATH"] = URL(fileURLWithPath: kvfs).deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "")
        environment["KVFS_STORE"] = store
        let out = try VaultProcess.run(["/bin/bash", "-c", script], environment: environment, timeout: 180)
        #expect(out.status == 0, "the README's tour failed:\n\(out)")
        // What the tour shows happened.
        // The generated password, shown by `kvfs secret show` and read through the mount by web (uid 33).
        let lines = out.stdout.components(separatedBy: "\n")
        let base64 = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let password = lines.first { line in line.count == 32 && line.allSatisfy { base64.contains($0) } }
        #expect(password != nil && lines.filter { $0 == password }.count == 2, "\(out.stdout)")
        #expect(out.stdout.contains("-----BEGIN PUBLIC KEY-----"), "\(out.stdout)")
        #expect(out.stdout.contains("cert.cer") && out.stdout.contains("policy.json"), "\(out.stdout)")
        #expect(out.stdout.contains("user.kv.id="), "\(out.stdout)")
        #expect(out.stderr.contains("Permission denied"), "nobody is refused: \(out.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory + "/db.blob"))
        #expect(FileManager.default.fileExists(atPath: store))
        #expect(!ReadmeTour.isMounted(mountpoint))
    }
}
