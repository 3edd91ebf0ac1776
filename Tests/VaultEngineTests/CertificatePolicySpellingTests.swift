import Foundation
import Testing
@testable import VaultEngine

/// A policy in both spellings: az's camelCase and the REST API's snake_case, one decoder for both.
@Suite("Certificate policy spellings")
struct CertificatePolicySpellingTests {
    /// Every field set, so a round trip covers the whole table.
    static let full = CertificatePolicy(
        issuerParameters: { var i = CertificatePolicy.IssuerParameters(name: "Self"); i.certificateType = "OV-SSL"; i.certificateTransparency = false; return i }(),
        keyProperties: .init(keyType: "EC", keySize: nil, curve: "P-384", exportable: false, reuseKey: true),
        secretProperties: .init(contentType: CertificatePolicy.pemContentType),
        x509CertificateProperties: .init(subject: "CN=app.example.com",
                                         subjectAlternativeNames: SubjectAlternativeNames(dnsNames: ["app.example.com"], emails: ["ops@example.com"], upns: ["svc@example.com"]),
                                         keyUsage: [.digitalSignature, .keyAgreement], ekus: ["1.3.6.1.5.5.7.3.1"], validityInMonths: 24),
        lifetimeActions: [.init(trigger: .init(lifetimePercentage: 80), action: .init(actionType: "AutoRenew")),
                          .init(trigger: .init(daysBeforeExpiry: 30), action: .init(actionType: "EmailContacts"))])

    static func json(_ value: some Encodable) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any] ?? [:]
    }

    static func same(_ a: Any?, _ b: Any) -> Bool { (a as? NSObject)?.isEqual(b) == true }

    static func refusal(_ text: String) -> String? {
        do {
            _ = try CertificatePolicy(json: Data(text.utf8))
            return nil
        } catch let error as VaultError {
            #expect(error.code == .invalidArgument)
            return error.message
        } catch {
            return "not a VaultError: \(error)"
        }
    }

    @Test("both spellings round-trip every field", arguments: CertificatePolicy.Spelling.allCases)
    func roundTrip(_ spelling: CertificatePolicy.Spelling) throws {
        let data = try JSONEncoder().encode(Self.full.spelled(spelling))
        #expect(try CertificatePolicy(json: data) == Self.full)
        #expect(try JSONDecoder().decode(CertificatePolicy.self, from: data) == Self.full)
    }

    @Test("the REST spelling's field names are the REST API's")
    func restNames() throws {
        let rest = try Self.json(Self.full.spelled(.rest))
        #expect(Set(rest.keys) == ["issuer", "key_props", "secret_props", "x509_props", "lifetime_actions"])
        #expect(Self.same(rest["issuer"], ["name": "Self", "cty": "OV-SSL", "cert_transparency": false] as NSDictionary))
        #expect(Self.same(rest["key_props"], ["kty": "EC", "crv": "P-384", "exportable": false, "reuse_key": true] as NSDictionary))
        #expect(rest["secret_props"] as? [String: AnyHashable] == ["contentType": CertificatePolicy.pemContentType])
        let x509 = rest["x509_props"] as? [String: Any] ?? [:]
        #expect(Set(x509.keys) == ["subject", "sans", "key_usage", "ekus", "validity_months"])
        #expect(x509["sans"] as? [String: [String]] == ["dns_names": ["app.example.com"], "emails": ["ops@example.com"], "upns": ["svc@example.com"]])
        #expect(x509["validity_months"] as? Int == 24)
        let actions = rest["lifetime_actions"] as? [[String: Any]] ?? []
        #expect(Self.same(actions.first?["trigger"], ["lifetime_percentage": 80] as NSDictionary))
        #expect(Self.same(actions.last?["trigger"], ["days_before_expiry": 30] as NSDictionary))
        #expect(Self.same(actions.first?["action"], ["action_type": "AutoRenew"] as NSDictionary))
    }

    @Test("az's spelling is what the policy encodes by default (the store keeps it)")
    func azIsTheDefault() throws {
        let plain = try Self.json(Self.full), az = try Self.json(Self.full.spelled(.az))
        #expect(plain as NSDictionary == az as NSDictionary)
        #expect(Set(plain.keys) == ["issuerParameters", "keyProperties", "secretProperties", "x509CertificateProperties", "lifetimeActions"])
    }

    @Test("a policy read back from the REST API (with id and attributes) is accepted")
    func restResponse() throws {
        let text = """
        {"id":"https://v.vault.azure.net/certificates/c/policy",
         "key_props":{"exportable":true,"kty":"RSA","key_size":2048,"reuse_key":false},
         "secret_props":{"contentType":"application/x-pkcs12"},
         "x509_props":{"subject":"CN=c","ekus":["1.3.6.1.5.5.7.3.1"],"key_usage":["digitalSignature"],"validity_months":12},
         "lifetime_actions":[{"trigger":{"lifetime_percentage":80},"action":{"action_type":"AutoRenew"}}],
         "issuer":{"name":"Self"},
         "attributes":{"enabled":true,"created":1666977950,"updated":1667317424}}
        """
        let p = try CertificatePolicy(json: Data(text.utf8))
        #expect(p.keyProperties.keySize == 2048 && p.keyProperties.exportable && !p.keyProperties.reuseKey)
        #expect(p.x509CertificateProperties.subject == "CN=c" && p.x509CertificateProperties.keyUsage == [.digitalSignature])
        #expect(p.lifetimeActions.first?.trigger.lifetimePercentage == 80)
        #expect(p.issuerParameters.isSelf)
    }

    @Test("az's default policy decodes as before; omitted parts take Azure's defaults")
    func defaults() throws {
        #expect(try CertificatePolicy(json: JSONEncoder().encode(CertificatePolicy.default)) == .default)
        let p = try CertificatePolicy(json: Data(#"{"x509_props":{"subject":"CN=x"}}"#.utf8))
        #expect(p.issuerParameters.isUnknown && p.keyProperties.keyType == "RSA" && p.x509CertificateProperties.validityInMonths == 12)
    }

    @Test("mixed spellings and unknown fields are refused, naming the field")
    func refusals() {
        #expect(Self.refusal(#"{"keyProperties":{},"x509_props":{"subject":"CN=x"}}"#)
                == "A policy mixes az's spelling ('keyProperties') with the REST API's ('x509_props'): write every field in one of them.")
        #expect(Self.refusal(#"{"x509_props":{"subject":"CN=x","validityInMonths":12}}"#)
                == "Policy field 'x509_props.validityInMonths' is az's spelling, but this policy uses the REST API's spelling: write 'validity_months'.")
        #expect(Self.refusal(#"{"x509CertificateProperties":{"subject":"CN=x","sans":{}}}"#)
                == "Policy field 'x509CertificateProperties.sans' is the REST API's spelling, but this policy uses az's spelling: write 'subjectAlternativeNames'.")
        #expect(Self.refusal(#"{"x509CertificateProperties":{"subject":"CN=x"},"lifetimeActions":[{"trigger":{"lifetime_percentage":5},"action":{"actionType":"AutoRenew"}}]}"#)
                == "Policy field 'lifetimeActions[0].trigger.lifetime_percentage' is the REST API's spelling, but this policy uses az's spelling: write 'lifetimePercentage'.")
        #expect(Self.refusal(#"{"x509CertificateProperties":{"subject":"CN=x"},"extra":1}"#)
                == "Policy field 'extra' is unknown; a policy takes issuerParameters, keyProperties, secretProperties, x509CertificateProperties, lifetimeActions, id, attributes (az's spelling).")
        #expect(Self.refusal(#"{"key_props":{"kty":"RSA","size":2048},"x509_props":{"subject":"CN=x"}}"#)
                == "Policy field 'key_props.size' is unknown; key_props takes kty, key_size, crv, exportable, reuse_key (the REST API's spelling).")
        #expect(Self.refusal(#"{"x509_props":{"subject":"CN=x","validity_months":"12"}}"#)
                == "Policy field 'x509_props.validity_months' has the wrong type (expected a whole number).")
        #expect(Self.refusal(#"{"x509_props":{"subject":"CN=x","key_usage":["signing"]}}"#)?.hasPrefix("Policy field 'x509_props.key_usage[0]' is not a key usage") == true)
        #expect(Self.refusal(#"{"issuer":{"name":"Self"}}"#) == "A policy needs x509_props with a subject.")
        #expect(Self.refusal("not json") == "A policy must be a JSON object (the JSON does not parse).")
    }

    @Test("certificates/.ops takes either spelling and reports a refused policy in the response")
    func opsRequests() throws {
        let f = try KeyEngineFixture()
        let rest = String(decoding: try JSONEncoder().encode(policy().spelled(.rest)), as: UTF8.self)
        let create = try JSONDecoder().decode(CertificateManagementRequest.self, from: Data(#"{"op":"create","name":"rest","policy":\#(rest)}"#.utf8))
        guard case .operation(let op) = try f.engine.certificates.perform(create, vault: f.vault, as: f.admin) else { Issue.record("not an operation"); return }
        #expect(op.status == "completed")
        #expect(try f.engine.certificates.policy(vault: f.vault, name: "rest", as: f.admin) == policy())

        let mixed = try JSONDecoder().decode(CertificateManagementRequest.self,
                                             from: Data(#"{"op":"create","name":"mixed","policy":{"keyProperties":{},"x509_props":{"subject":"CN=x"}}}"#.utf8))
        #expect(throws: VaultError(.invalidArgument, "")) { try f.engine.certificates.perform(mixed, vault: f.vault, as: f.admin) }
    }
}
