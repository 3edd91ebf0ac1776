import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// scripts/demo.sh (the README's first command) ends with commands for the user to try. They run as printed:
/// the script runs on a fresh directory with the built `kvfs` (`KVFS_BIN`, which skips its set-up and build),
/// the suggestions are taken from its output and run in order by bash, as root; a suggestion marked `# denied`
/// must be refused with "Permission denied", every other one must succeed, and the printed unmount command must
/// take the mount down. Whatever happens, the mount is taken down and the directory removed.
@Suite(.serialized) struct DemoScript {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()   // CLI
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()   // FSIntegrationTests, Tests, repo
        .appendingPathComponent("scripts/demo.sh")

    /// The indented lines between "Try:" and the blank line before "Unmount with:", and the unmount command.
    static func suggestions(in output: String) -> (commands: [String], unmount: String?) {
        let lines = output.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasSuffix("Try:") }) else { return ([], nil) }
        let commands = lines[(start + 1)...].prefix { !$0.hasPrefix("Unmount with:") }
            .filter { $0.hasPrefix("  ") }.map { $0.trimmingCharacters(in: .whitespaces) }
        let unmount = lines.first { $0.hasPrefix("Unmount with: ") }.map { String($0.dropFirst("Unmount with: ".count)) }
        return (commands, unmount)
    }

    @Test func suggestionsRunAsPrinted() throws {
        var template = Array("/tmp/kvfs-demo-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw VaultTestError("mkdtemp failed: errno \(errno)") }
        let directory = String(cString: made)
        chmod(directory, 0o755)   // nobody must reach the mount point to be refused by kvfs, not by the directory
        let mountpoint = directory + "/mnt"
        let kvfs = VaultMountFixture.kvfsPath
        defer {
            if ReadmeTour.isMounted(mountpoint) { _ = try? VaultProcess.run([kvfs, "unmount", mountpoint], timeout: 10) }
            if ReadmeTour.isMounted(mountpoint) { _ = try? VaultProcess.run(["/usr/bin/fusermount3", "-u", "-z", mountpoint], timeout: 10) }
            if ReadmeTour.isMounted(mountpoint) { _ = try? VaultProcess.run(["/bin/umount", "-l", mountpoint], timeout: 10) }
            try? FileManager.default.removeItem(atPath: directory)
        }
        var environment = VaultProcess.childEnvironment
        environment["KVFS_DEMO_DIR"] = directory
        environment["KVFS_BIN"] = kvfs
        let demo = try VaultProcess.run(["/bin/bash", DemoScript.script.path], environment: environment, timeout: 120)
        #expect(demo.status == 0, "scripts/demo.sh failed:\n\(demo)")
        #expect(ReadmeTour.isMounted(mountpoint), "the demo mounts at \(mountpoint): \(demo)")
        let (commands, unmount) = DemoScript.suggestions(in: demo.stdout)
        #expect(commands.count >= 8, "the demo suggests its commands: \(demo.stdout)")

        for command in commands {
            let out = try VaultProcess.run(["/bin/bash", "-c", "set -euo pipefail\n" + command], environment: environment, timeout: 60)
            if command.hasSuffix("# denied") {
                #expect(out.status != 0 && out.stderr.contains("Permission denied"), "\(command)\n\(out)")
            } else {
                #expect(out.status == 0, "\(command)\n\(out)")
            }
        }
        // What the suggestions showed happened: the write made a second version, the secret came back.
        let versions = try FileManager.default.contentsOfDirectory(atPath: mountpoint + "/demo/secrets/.versions/db-password")
        #expect(versions.count == 2, "\(versions)")
        #expect(try String(contentsOfFile: mountpoint + "/demo/secrets/db-password", encoding: .utf8) == "rotated")
        #expect(FileManager.default.fileExists(atPath: mountpoint + "/demo/secrets/api-key"))

        let unmountCommand = try #require(unmount, "the demo says how to unmount: \(demo.stdout)")
        let out = try VaultProcess.run(["/bin/bash", "-c", unmountCommand], environment: environment, timeout: 30)
        #expect(out.status == 0 && !ReadmeTour.isMounted(mountpoint), "\(unmountCommand)\n\(out)")
    }
}
