import Foundation
import Testing

/// `kvfs --version` and the shell completion scripts swift-argument-parser generates (docs/cli.md).
@Suite struct CLIVersionAndCompletion {
    func kvfs(_ arguments: [String]) throws -> VaultProcess.Outcome {
        try VaultProcess.run([VaultMountFixture.kvfsPath] + arguments)
    }

    @Test func versionPrintsTheRelease() throws {
        let out = try kvfs(["--version"])
        #expect(out.status == 0)
        #expect(out.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(out)")
        #expect(out.stderr.isEmpty)
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScript(_ shell: String) throws {
        let out = try kvfs(["--generate-completion-script", shell])
        #expect(out.status == 0, "\(out)")
        // Every top-level command is offered.
        for command in ["init", "vault", "principal", "role", "secret", "key", "certificate", "audit", "mount", "unmount"] {
            #expect(out.stdout.contains(command), "\(shell) script lacks \(command)")
        }
        if shell == "bash" {
            #expect(out.stdout.contains("-F _kvfs kvfs"), "\(out.stdout.prefix(300))")
            // The script is valid bash.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-completion-\(UUID().uuidString).bash").path
            defer { try? FileManager.default.removeItem(atPath: file) }
            FileManager.default.createFile(atPath: file, contents: Data(out.stdout.utf8))
            let check = try VaultProcess.run(["/bin/bash", "-n", file])
            #expect(check.status == 0, "\(check)")
        }
    }

    @Test func unknownShellIsAUsageError() throws {
        let out = try kvfs(["--generate-completion-script", "tcsh"])
        #expect(out.status == 64, "\(out)")
    }
}
