import Foundation
import Testing

extension VaultMountTests.VaultCertificates {
    /// `certificates/.ops` takes a policy in the REST API's spelling as well as az's; a policy mixing them is
    /// answered with BadParameter (the request itself is well-formed, so the write succeeds). `policy.json`
    /// shows the REST API's spelling.
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
                // policy.json shows the policy in the REST API's spelling, as the SDKs use it.
                let policy = try f.probe(CertCaller.officer, .read("\(Self.vault)/certificates/rest/policy.json"))
                let parsed = (policy.text?.data(using: .utf8)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
                let x509 = parsed["x509_props"] as? [String: Any] ?? [:]
                #expect(x509["validity_months"] as? Int == 6 && x509["subject"] as? String == "CN=rest.example", "\(policy)")
                #expect((parsed["key_props"] as? [String: Any])?["crv"] as? String == "P-256", "\(policy)")
                #expect(parsed["keyProperties"] == nil && parsed["lifetime_actions"] != nil, "\(policy)")

                // What policy.json shows (with its id and attributes) goes back through .ops as it is, and az's
                // spelling is taken there too.
                let again = try f.certificateOps(CertCaller.officer, vault: Self.vault, ["op": "create", "name": "rest", "policy": parsed])
                #expect(again.answered && again.errorCode == nil && again.object["status"] as? String == "completed", "\(again)")
                let az = CertPolicy.make(subject: "CN=az.example", dnsNames: ["az.example"])
                let azCreated = try f.certificateOps(CertCaller.officer, vault: Self.vault, ["op": "create", "name": "az", "policy": az])
                #expect(azCreated.answered && azCreated.errorCode == nil, "\(azCreated)")
                let azShown = try f.probe(CertCaller.officer, .read("\(Self.vault)/certificates/az/policy.json"))
                #expect(azShown.text?.contains("\"x509_props\"") == true && azShown.text?.contains("CN=az.example") == true, "\(azShown)")

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
