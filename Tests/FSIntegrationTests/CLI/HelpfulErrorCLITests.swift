import Foundation
import Testing
import VaultEngine
import VaultFS
#if canImport(Glibc)
import Glibc
#endif

/// Errors that help (issue 14, part 4), through the built `kvfs` binary.
@Suite struct CLIHelpfulErrors {
    func kvfs(_ arguments: [String], input: String? = nil, environment: [String: String]? = nil) throws -> VaultProcess.Outcome {
        try VaultProcess.run([VaultMountFixture.kvfsPath] + arguments, input: input.map { Data($0.utf8) }, environment: environment)
    }

    @Test func ownerIsToldTheVaultDoesNotExist() throws {
        let store = try CLIExitCodes.Store()
        let out = try kvfs(["secret", "list", "--vault", "nosuch", "--store", store.path])
        #expect(out.status == 2)
        #expect(out.stderr == "kvfs: Vault 'nosuch' was not found.\n", "\(out)")
        // A vault that exists but where the Owner holds no role: still "not authorized" (managing is not reading).
        let other = try kvfs(["secret", "list", "--vault", "other", "--store", store.path])
        #expect(other.status == 3, "\(other)")
    }

    @Test func mountRefusesAnUnknownVault() throws {
        let store = try CLIExitCodes.Store()
        let mountpoint = store.directory + "/mnt"
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        // Background mode: the refusal comes from the command itself, before any daemon starts.
        let out = try kvfs(["mount", mountpoint, "--vault", "nosuch", "--store", store.path])
        #expect(out.status == 2, "\(out)")
        #expect(out.stderr.hasPrefix("kvfs: --vault nosuch: no such vault in this store"), "\(out)")
        #expect(MountTable.mount(at: MountTable.canonicalPath(mountpoint)) == nil)
    }

    /// docs/mount.md: `kvfs init --store /var/lib/kvfs --master-key-file /etc/kvfs/master.key`, then the mount's
    /// systemd unit finds the key in `$CREDENTIALS_DIRECTORY/kvfs-master-key` (LoadCredential=).
    @Test func mountDocsKeyFileFlowWorks() throws {
        let store = try CLIExitCodes.Store()
        let keyFile = store.directory + "/etc/kvfs/master.key"
        let storePath = store.directory + "/var/lib/kvfs"
        let created = try kvfs(["init", "--store", storePath, "--master-key-file", keyFile])
        #expect(created.status == 0, "\(created)")
        let mode = (try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int) ?? -1
        #expect(mode == 0o600)
        #expect(created.stdout.contains("Created a new master key at \(keyFile)"), "\(created)")
        // What systemd's LoadCredential= does: a copy in $CREDENTIALS_DIRECTORY under the credential's name.
        let credentials = store.directory + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: keyFile, toPath: credentials + "/kvfs-master-key")
        var environment = VaultProcess.childEnvironment
        environment["CREDENTIALS_DIRECTORY"] = credentials
        let made = try kvfs(["vault", "create", "--name", "app1", "--store", storePath], environment: environment)
        #expect(made.status == 0, "\(made)")
        // Without the key the store does not open.
        #expect(try kvfs(["vault", "list", "--store", storePath]).status == 6)
        // Running init again refuses the existing store and leaves the key alone.
        let before = try String(contentsOfFile: keyFile, encoding: .utf8)
        #expect(try kvfs(["init", "--store", storePath, "--master-key-file", keyFile]).status == 4)
        #expect(try String(contentsOfFile: keyFile, encoding: .utf8) == before)
    }

    @Test func initRefusesAKeyFileOthersCanRead() throws {
        let store = try CLIExitCodes.Store()
        let keyFile = store.directory + "/world.key"
        FileManager.default.createFile(atPath: keyFile, contents: Data(String(repeating: "0f", count: 32).utf8),
                                       attributes: [.posixPermissions: 0o644])
        let out = try kvfs(["init", "--store", store.directory + "/new", "--master-key-file", keyFile])
        #expect(out.status == 5)
        #expect(out.stderr == "kvfs: The master key file '\(keyFile)' has mode 0644: its group or others may read or change it; run `chmod 600 \(keyFile)` (and check who else holds a copy) first.\n",
                "\(out)")
        #expect(!FileManager.default.fileExists(atPath: store.directory + "/new/kvfs.db"))
    }
}
