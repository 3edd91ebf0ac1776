import Foundation
import Testing

extension VaultMountTests {
    /// Release policies through the mount: `keys/.ops` takes Azure's `release_policy` and `attributes.exportable`,
    /// and `getfattr` shows them with the key's other attributes (read-only there).
    @Suite(.serialized) struct KeyReleasePolicies {
        static let vault = "krelease"
        static let document = #"{"version":"1.0.0","anyOf":[{"authority":"https://attest.example/","allOf":[{"claim":"tee","equals":"sevsnpvm"}]}]}"#

        static func b64url(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }

        @Test func opsAndAttributes() throws {
            let v = Self.vault, admin = KeyCaller.administrator
            try VaultMountFixture.with(KeyCaller.setup(v)) { mount in
                let policy: [String: Any] = ["data": Self.b64url(Self.document), "immutable": true]
                let made = try mount.createKey(admin, vault: v, ["name": "cmk", "kty": "EC", "attributes": ["exportable": true],
                                                                "release_policy": policy])
                let answered = made["release_policy"] as? [String: Any] ?? [:]
                #expect(answered["data"] as? String == Self.b64url(Self.document) && answered["immutable"] as? Bool == true, "\(made)")
                #expect(answered["contentType"] as? String == "application/json; charset=utf-8", "\(made)")
                #expect((made["attributes"] as? [String: Any])?["exportable"] as? Bool == true, "\(made)")

                // An exportable key without a policy is answered with BadParameter and not made.
                let refused = try mount.keyProbe(admin, .ops("\(v)/keys/.ops", KeyJSON.text(["op": "create", "name": "bare", "kty": "EC",
                                                                                            "attributes": ["exportable": true]])))
                #expect(refused.answered && refused.errorCode == "BadParameter", "\(refused)")

                let plain = try mount.createKey(admin, vault: v, ["name": "plain", "kty": "EC"])
                #expect(plain["release_policy"] == nil && (plain["attributes"] as? [String: Any])?["exportable"] as? Bool == false, "\(plain)")

                let r = try mount.probe(KeyCaller.reader, [
                    .getxattr("\(v)/keys/cmk", "user.kv.exportable"), .getxattr("\(v)/keys/cmk", "user.kv.release_policy"),
                    .getxattr("\(v)/keys/plain", "user.kv.exportable"), .getxattr("\(v)/keys/plain", "user.kv.release_policy"),
                    .listxattr("\(v)/keys/cmk"),
                ])
                #expect(r[0].text == "true", "\(r[0])")
                let shown = (r[1].text?.data(using: .utf8)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
                #expect(shown["data"] as? String == Self.b64url(Self.document) && shown["immutable"] as? Bool == true, "\(r[1])")
                #expect(r[2].text == "false" && r[3].result == "ENODATA", "\(r[2]) \(r[3])")
                #expect(r[4].names.contains("user.kv.release_policy") && r[4].names.contains("user.kv.exportable"), "\(r[4])")
                // Shown, not set through an xattr: the policy changes with keys/update through the CLI or the engine.
                #expect(try mount.probe(admin, .setxattr("\(v)/keys/cmk", "user.kv.release_policy", "{}")).result == "EPERM")
            }
        }
    }
}
