import Foundation
import Testing

extension VaultMountTests.VaultCertificates {
    /// `certificates/.ops` takes a policy in the REST API's spelling as well as az's; a policy mixing them is
    /// answered with BadParameter (the request itself is well-formed, so the write succeeds).
    @Suite(.serialized) struct PolicySpellings {
        static let vault = "cspell"

        static var rest: [String: Any] { [
            "issuer": ["name": "Self"],
            "key_props": ["kty": "EC", "crv": "P-256", "exportable": true, "reuse_key": false] as [String: Any],
            "secret_props": ["contentType": CertPolicy.pem],
            "x509_props": ["subject": "CN=rest.example", "sans": ["dns_names": ["rest.example"]], "key_usage": ["digitalSignature"],
                           "validity_months": 6] as [String: Any],
            "lifetime_actions": [["trigger": ["lifetime_percentage": 80], "action": ["action_type": "AutoRenew"]]],
        ] }

        @Test func opsTakeBothSpellings() throws {
            try VaultMountFixture.with(CertCaller.setup(Self.vault)) { f in
                let created = try f.certificateOps(CertCaller.officer, vault: Self.vault, ["op": "create", "name": "rest", "policy": Self.rest])
                #expect(created.answered && created.errorCode == nil && created.object["status"] as? String == "completed", "\(created)")
                // policy.json shows the policy in az's spelling (the REST names are for requests).
                let policy = try f.probe(CertCaller.officer, .read("\(Self.vault)/certificates/rest/policy.json"))
                let parsed = (policy.text?.data(using: .utf8)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
                let x509 = parsed["x509CertificateProperties"] as? [String: Any] ?? [:]
                #expect(x509["validityInMonths"] as? Int == 6 && x509["subject"] as? String == "CN=rest.example", "\(policy)")
                #expect((parsed["keyProperties"] as? [String: Any])?["curve"] as? String == "P-256", "\(policy)")

                var mixed = Self.rest
                mixed["keyProperties"] = mixed.removeValue(forKey: "key_props")
                let refused = try f.certificateOps(CertCaller.officer, vault: Self.vault, ["op": "create", "name": "mixed", "policy": mixed])
                #expect(refused.answered && refused.errorCode == "BadParameter", "\(refused)")
                let message = (refused.object["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains("mixes az's spelling ('keyProperties') with the REST API's"), "\(refused)")
                let names = try f.probe(CertCaller.officer, .list("\(Self.vault)/certificates")).names
                #expect(names.contains("rest") && !names.contains("mixed"), "\(names)")
            }
        }
    }
}
