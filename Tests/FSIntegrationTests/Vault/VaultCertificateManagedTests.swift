import Foundation
import Testing

extension VaultMountTests.VaultCertificates {
    /// The managed key and secret (docs/certificates.md): read-only, refused for writes and deletes with
    /// `EPERM` even for the Administrator, and they follow the certificate through delete, recovery and purge.
    @Suite(.serialized) struct Managed {
        static let vault = "cmanaged"

        @Test func managedObjectsRefuseChangesAndFollowTheCertificate() throws {
            let v = Managed.vault
            let admin = CertCaller.administrator
            try VaultMountFixture.with(CertCaller.setup(v)) { mount in
                try mount.createCertificate(admin, vault: v, name: "web",
                                            policy: CertPolicy.make(subject: "CN=web.test", dnsNames: ["web.test"]))
                let before = try mount.keyProbe(admin, [.read("\(v)/secrets/web"), .read("\(v)/keys/web/public.pem"),
                                                        .xattrs("\(v)/secrets/web"), .xattrs("\(v)/keys/web"),
                                                        .list("\(v)/secrets/.versions/web"), .list("\(v)/keys/.versions/web")])
                #expect(before.allSatisfy { $0.ok }, "\(before)")
                let secretValue = before[0].text, publicPEM = before[1].text
                #expect(before[2].attributes["user.kv.managed"] == "true", "\(before[2])")
                #expect(before[3].attributes["user.kv.managed"] == "true", "\(before[3])")
                #expect(before[2].attributes["user.kv.content_type"] == CertPolicy.pem, "\(before[2])")

                // Writes and deletes through the mount, by a caller who holds every right: EPERM each.
                let writes: [(String, ProbeOp)] = [
                    ("overwrite secret", .overwrite("\(v)/secrets/web", "replaced")),
                    ("append to secret", .append("\(v)/secrets/web", "more")),
                    ("rewrite secret in place", .rewrite("\(v)/secrets/web", offset: 0, "X")),
                    ("create over secret", .create("\(v)/secrets/web", "replaced")),
                    ("truncate secret", .truncate("\(v)/secrets/web", 0)),
                    ("rm secret", .unlink("\(v)/secrets/web")),
                    ("setfattr secret enabled", .setxattr("\(v)/secrets/web", "user.kv.enabled", "false")),
                    ("setfattr secret tags", .setxattr("\(v)/secrets/web", "user.kv.tags", #"{"a":"b"}"#)),
                    ("setfattr secret content_type", .setxattr("\(v)/secrets/web", "user.kv.content_type", "text/plain")),
                    ("setfattr secret exp", .setxattr("\(v)/secrets/web", "user.kv.exp", "2099-01-01T00:00:00Z")),
                    ("setfattr key enabled", .setxattr("\(v)/keys/web", "user.kv.enabled", "false")),
                    ("setfattr key tags", .setxattr("\(v)/keys/web", "user.kv.tags", #"{"a":"b"}"#)),
                    ("setfattr key key_ops", .setxattr("\(v)/keys/web", "user.kv.key_ops", "sign,verify")),
                ]
                let written = try mount.probe(admin, writes.map(\.1))
                for ((label, _), result) in zip(writes, written) {
                    #expect(result.result == "EPERM", "\(label): \(result)")
                }
                let removed = try mount.keyProbe(admin, [.rmdir("\(v)/keys/web")])
                #expect(removed[0].result == "EPERM", "rmdir keys/web: \(removed[0])")
                // keys/.ops rotate of the managed key is refused in the answer.
                let rotate = try mount.keyProbe(admin, .ops("\(v)/keys/.ops", KeyJSON.text(["op": "rotate", "name": "web"])))
                #expect(rotate.errorCode != nil && rotate.object["key"] == nil, "rotate of a managed key: \(rotate)")

                // Nothing changed.
                let after = try mount.keyProbe(admin, [.read("\(v)/secrets/web"), .read("\(v)/keys/web/public.pem"),
                                                       .xattrs("\(v)/secrets/web"), .xattrs("\(v)/keys/web"),
                                                       .list("\(v)/secrets/.versions/web"), .list("\(v)/keys/.versions/web")])
                #expect(after[0].text == secretValue && after[1].text == publicPEM, "\(after)")
                #expect(after[2].attributes == before[2].attributes, "secret attributes: \(before[2]) → \(after[2])")
                #expect(after[3].attributes == before[3].attributes, "key attributes: \(before[3]) → \(after[3])")
                #expect(after[4].names == before[4].names && after[5].names == before[5].names, "versions: \(after)")

                // Deleting the certificate moves all three to .deleted.
                let deleted = try mount.keyProbe(admin, [
                    .rmdir("\(v)/certificates/web"),
                    .list("\(v)/certificates"), .list("\(v)/keys"), .list("\(v)/secrets"),
                    .list("\(v)/.deleted/certificates"), .list("\(v)/.deleted/keys"), .list("\(v)/.deleted/secrets"),
                    .read("\(v)/.deleted/secrets/web"),
                    // The managed pieces cannot be recovered or purged on their own.
                    .rename("\(v)/.deleted/secrets/web", "\(v)/secrets/web"),
                    .rename("\(v)/.deleted/keys/web", "\(v)/keys/web"),
                    .unlink("\(v)/.deleted/secrets/web"),
                    .rmdir("\(v)/.deleted/keys/web"),
                ])
                #expect(deleted[0].ok, "rmdir certificates/web: \(deleted[0])")
                for index in 1...3 { #expect(deleted[index].ok && !deleted[index].names.contains("web"), "live after delete: \(deleted[index])") }
                for index in 4...6 { #expect(deleted[index].ok && deleted[index].names == ["web"], ".deleted after delete: \(deleted[index])") }
                #expect(deleted[7].result == "EACCES", "a deleted secret's content: \(deleted[7])")
                for index in 8...11 { #expect(deleted[index].result == "EPERM", "managed piece alone: \(deleted[index])") }

                // Recovering the certificate brings all three back, with the same secret and key.
                let recovered = try mount.keyProbe(admin, [
                    .rename("\(v)/.deleted/certificates/web", "\(v)/certificates/web"),
                    .list("\(v)/certificates"), .list("\(v)/keys"), .list("\(v)/secrets"),
                    .list("\(v)/.deleted/certificates"), .list("\(v)/.deleted/keys"), .list("\(v)/.deleted/secrets"),
                    .read("\(v)/secrets/web"), .read("\(v)/keys/web/public.pem"), .getxattr("\(v)/secrets/web", "user.kv.managed"),
                ])
                #expect(recovered[0].ok, "mv .deleted/certificates/web: \(recovered[0])")
                for index in 1...3 { #expect(recovered[index].names.contains("web"), "live after recover: \(recovered[index])") }
                for index in 4...6 { #expect(recovered[index].ok && recovered[index].names.isEmpty, ".deleted after recover: \(recovered[index])") }
                #expect(recovered[7].text == secretValue && recovered[8].text == publicPEM, "\(recovered)")
                #expect(recovered[9].text == "true", "\(recovered[9])")
                let digest = KeyJSON.random(32)
                let signed = try mount.keyOp(admin, "\(v)/keys/web/ops", KeyJSON.request("sign", "RS256", value: digest))
                #expect(signed.answered && signed.errorCode == nil, "the recovered key signs: \(signed)")

                // Disabling the certificate carries to its key and secret.
                let disabled = try mount.keyProbe(admin, [
                    .setxattr("\(v)/certificates/web", "user.kv.enabled", "false"),
                    .read("\(v)/secrets/web"),
                    .ops("\(v)/keys/web/ops", KeyJSON.request("sign", "RS256", value: digest)),
                    .getxattr("\(v)/keys/web", "user.kv.enabled"),
                    .setxattr("\(v)/certificates/web", "user.kv.enabled", "true"),
                    .read("\(v)/secrets/web"),
                ])
                #expect(disabled[0].ok, "\(disabled[0])")
                #expect(disabled[1].result == "EACCES", "a disabled certificate's secret: \(disabled[1])")
                #expect(disabled[2].errorCode == "KeyDisabled" || disabled[2].errorCode == "Forbidden",
                        "a disabled certificate's key signs: \(disabled[2])")
                #expect(disabled[2].valueText == nil, "\(disabled[2])")
                #expect(disabled[3].text == "false", "\(disabled[3])")
                #expect(disabled[4].ok && disabled[5].text == secretValue, "re-enabled: \(disabled)")

                // Purging the deleted certificate removes all three.
                let purged = try mount.keyProbe(admin, [
                    .rmdir("\(v)/certificates/web"), .rmdir("\(v)/.deleted/certificates/web"),
                    .list("\(v)/.deleted/certificates"), .list("\(v)/.deleted/keys"), .list("\(v)/.deleted/secrets"),
                    .list("\(v)/certificates"), .list("\(v)/keys"), .list("\(v)/secrets"),
                ])
                #expect(purged[0].ok && purged[1].ok, "\(purged)")
                for index in 2...7 { #expect(purged[index].ok && !purged[index].names.contains("web"), "after purge: \(purged[index])") }
                // The name is free again for a new certificate.
                try mount.createCertificate(admin, vault: v, name: "web", policy: CertPolicy.quick("web-again"))
            }
        }
    }
}
