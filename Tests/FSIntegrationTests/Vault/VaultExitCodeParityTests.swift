import Foundation
import Testing

extension VaultMountTests {
    /// One refusal, one exit code: `kvfs key sign` through a mounted key directory (`--path`) answers with the
    /// same exit code as through the store (`--vault/--name`), because both come from the engine's reason.
    @Suite(.serialized) struct ExitCodeParity {
        static let vault = "parity"

        @Test("forbidden by key_ops is exit 7 and no role is exit 3, through the mount and through the store")
        func sameRefusalSameCode() throws {
            let setup = VaultMountFixture.Setup(vaults: [.init(name: Self.vault)], users: [("me", 0)],
                                                assignments: [("me", "Key Vault Crypto Officer", "/vaults/\(Self.vault)")])
            try VaultMountFixture.with(setup) { mount in
                try mount.kvfs(["key", "create", "--vault", Self.vault, "--name", "verifier", "--kty", "EC", "--ops", "verify"])
                let digest = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-parity-\(UUID().uuidString)").path
                defer { unlink(digest) }
                try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: digest))
                func sign(_ address: [String]) throws -> VaultProcess.Outcome {
                    try VaultProcess.run([VaultMountFixture.kvfsPath, "key", "sign"] + address
                                         + ["--algorithm", "ES256", "--in", digest, "--store", mount.store])
                }
                let throughStore = try sign(["--vault", Self.vault, "--name", "verifier"])
                let throughMount = try sign(["--path", mount.path("\(Self.vault)/keys/verifier")])
                #expect(throughStore.status == 7, "\(throughStore)")
                #expect(throughMount.status == 7, "\(throughMount)")

                // Without any role: 3 both ways.
                try mount.kvfs(["role", "assignment", "delete", "--id",
                                try Self.assignmentID(mount)])
                let deniedStore = try sign(["--vault", Self.vault, "--name", "verifier"])
                let deniedMount = try sign(["--path", mount.path("\(Self.vault)/keys/verifier")])
                #expect(deniedStore.status == 3, "\(deniedStore)")
                #expect(deniedMount.status == 3, "\(deniedMount)")
            }
        }

        static func assignmentID(_ mount: VaultMountFixture) throws -> String {
            let out = try mount.kvfs(["role", "assignment", "list", "--assignee", "me"])
            let list = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]] ?? []
            guard let id = list.first?["id"] as? String else { throw VaultTestError("no assignment for me: \(out)") }
            return id
        }

        @Test("keys have no content type: EINVAL through setfattr, as through the engine; a secret takes one")
        func contentTypeOnKeys() throws {
            let setup = VaultMountFixture.Setup(vaults: [.init(name: Self.vault)], users: [("me", 0)],
                                                assignments: [("me", "Key Vault Administrator", "/vaults/\(Self.vault)")])
            try VaultMountFixture.with(setup) { mount in
                try mount.kvfs(["key", "create", "--vault", Self.vault, "--name", "k", "--kty", "EC"])
                try mount.kvfs(["secret", "set", "--vault", Self.vault, "--name", "plain"], input: Data("v".utf8))
                let results = try mount.probe(TestCaller.root, [
                    .setxattr("\(Self.vault)/keys/k", "user.kv.content_type", "text/plain"),
                    .setxattr("\(Self.vault)/secrets/plain", "user.kv.content_type", "text/plain"),
                ])
                #expect(results.map(\.result) == ["EINVAL", "OK"], "\(results)")
            }
        }
    }
}
