import Foundation
import Testing
import VaultEngine

/// `kvfs key create|import --policy --exportable --immutable`, `key show`'s `releasePolicy`, `key set-attributes
/// --policy`, `key get-policy-template` and `key release` (refused: exit 8), with az's shapes.
@Suite struct CLIKeyReleasePolicy {
    static let document = #"{"version":"1.0.0","anyOf":[{"authority":"https://attest.example/","allOf":[{"claim":"tee","equals":"sevsnpvm"}]}]}"#
    static let other = #"{"version":"1.0.0","anyOf":[{"authority":"https://other.example/","anyOf":[{"claim":"tee","equals":"sgx"}]}]}"#

    static func kvfs(_ store: CLIExitCodes.Store, _ arguments: [String], input: String? = nil) throws -> VaultProcess.Outcome {
        try VaultProcess.run([VaultMountFixture.kvfsPath] + arguments + ["--store", store.path], input: input.map { Data($0.utf8) })
    }

    static func object(_ out: VaultProcess.Outcome) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8))) as? [String: Any] ?? [:]
    }

    static func decodedPolicy(_ shown: [String: Any]) -> String? {
        guard let encoded = (shown["releasePolicy"] as? [String: Any])?["encodedPolicy"] as? String else { return nil }
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func createShowUpdate() throws {
        let store = try CLIExitCodes.Store()
        let file = store.directory + "/release-policy.json"
        try Data((Self.document + "\n").utf8).write(to: URL(fileURLWithPath: file))

        let created = try Self.kvfs(store, ["key", "create", "--vault", "app", "--name", "exp1", "--kty", "RSA", "--exportable",
                                            "--policy", file])
        #expect(created.status == 0, "\(created)")
        let shown = Self.object(try Self.kvfs(store, ["key", "show", "--vault", "app", "--name", "exp1"]))
        #expect((shown["attributes"] as? [String: Any])?["exportable"] as? Bool == true, "\(shown)")
        let policy = shown["releasePolicy"] as? [String: Any] ?? [:]
        #expect(policy["contentType"] as? String == "application/json; charset=utf-8" && policy["immutable"] as? Bool == false, "\(shown)")
        #expect(Self.decodedPolicy(shown) == Self.document, "the file's document, without its trailing newline")

        // A mutable policy is replaced (az's set-attributes, and its alias update), then made immutable, then stays.
        let replaced = try Self.kvfs(store, ["key", "set-attributes", "--vault", "app", "--name", "exp1", "--policy", Self.other])
        #expect(replaced.status == 0 && Self.decodedPolicy(Self.object(replaced)) == Self.other, "\(replaced)")
        let locked = try Self.kvfs(store, ["key", "update", "--vault", "app", "--name", "exp1", "--policy", file, "--immutable"])
        #expect(locked.status == 0 && (Self.object(locked)["releasePolicy"] as? [String: Any])?["immutable"] as? Bool == true, "\(locked)")
        let refused = try Self.kvfs(store, ["key", "set-attributes", "--vault", "app", "--name", "exp1", "--policy", Self.other])
        #expect(refused.status == 7 && refused.stderr.contains("immutable release policy"), "\(refused)")
        let after = Self.object(try Self.kvfs(store, ["key", "show", "--vault", "app", "--name", "exp1"]))
        #expect(Self.decodedPolicy(after) == Self.document)
        let tagged = try Self.kvfs(store, ["key", "set-attributes", "--vault", "app", "--name", "exp1", "--tags", "t=1"])
        #expect(tagged.status == 0, "other attributes still change: \(tagged)")

        // Import takes the same options; a key without them shows exportable false and a null releasePolicy.
        let pem = try VaultProcess.run(["/usr/bin/openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        let imported = try Self.kvfs(store, ["key", "import", "--vault", "app", "--name", "imp", "--policy", Self.document,
                                             "--exportable", "--immutable"], input: pem.stdout)
        #expect(imported.status == 0 && (Self.object(imported)["releasePolicy"] as? [String: Any])?["immutable"] as? Bool == true, "\(imported)")
        let plain = Self.object(try Self.kvfs(store, ["key", "create", "--vault", "app", "--name", "plain", "--kty", "EC"]))
        #expect((plain["attributes"] as? [String: Any])?["exportable"] as? Bool == false && plain["releasePolicy"] is NSNull, "\(plain)")
    }

    @Test func refusals() throws {
        let store = try CLIExitCodes.Store()
        let cases: [(arguments: [String], status: Int32, says: String)] = [
            (["key", "create", "--vault", "app", "--name", "bad", "--kty", "EC", "--exportable"], 5, "needs a release policy"),
            (["key", "create", "--vault", "app", "--name", "bad", "--kty", "EC", "--policy", "{\"version\":\"1.0.0\"}"], 5, "anyOf"),
            (["key", "create", "--vault", "app", "--name", "bad", "--kty", "EC", "--policy", store.directory + "/missing.json"], 5,
             "neither a readable file nor a JSON document"),
            (["key", "create", "--vault", "app", "--name", "bad", "--kty", "EC", "--immutable"], 64, "--immutable needs --policy"),
            (["key", "set-attributes", "--vault", "app", "--name", "cmk", "--immutable"], 64, "--immutable needs --policy"),
            (["key", "release", "--vault", "app", "--name", "cmk", "--target", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"], 8, "does not release keys"),
            (["key", "release", "--vault", "app", "--name", "missing", "--target", "t"], 2, "was not found"),
        ]
        for c in cases {
            let out = try Self.kvfs(store, c.arguments)
            #expect(out.status == c.status && out.stderr.contains(c.says), "kvfs \(c.arguments.joined(separator: " ")): \(out)")
        }
        let engine = try VaultEngine(opening: StoreLocation.resolve(directory: store.path, masterKeyFile: nil))
        #expect(try engine.objects(.key).list(vault: "app", as: .currentProcess()).map(\.name) == ["cmk"], "nothing was made")
        // A key that is not exportable is refused by its state, before the release itself.
        #expect(try Self.kvfs(store, ["key", "create", "--vault", "app", "--name", "plain", "--kty", "EC"]).status == 0)
        let notExportable = try Self.kvfs(store, ["key", "release", "--vault", "app", "--name", "plain", "--target", "t"])
        #expect(notExportable.status == 7 && notExportable.stderr.contains("is not exportable"), "\(notExportable)")
    }
}
