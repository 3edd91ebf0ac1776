import Foundation
import Testing
@testable import VaultEngine

/// Azure's release policies and `exportable` attribute on keys, and kvfs's refusal to release.
@Suite("Key release policies")
struct KeyReleasePolicyTests {
    static let document = #"{"version":"1.0.0","anyOf":[{"authority":"https://sharedeus.eus.attest.azure.net/","allOf":[{"claim":"x-ms-attestation-type","equals":"sevsnpvm"},{"anyOf":[{"claim":"x-ms-compliance-status","equals":"azure-compliant-cvm"},{"claim":"secureboot","equals":true}]}]}]}"#
    static let legacy = #"{"version":"0.2","anyOf":[{"authority":"https://attest.example/","allOf":[{"claim":"tee","condition":"equals","value":"sgx"}]}]}"#
    static var policy: KeyReleasePolicy { KeyReleasePolicy(data: Array(document.utf8)) }

    @Test("A key carries its release policy and exportable attribute; rotation keeps them")
    func carried() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        let made = try e.keys.create(vault: v, name: "cmk", KeyCreateOptions(.rsa(), exportable: true, releasePolicy: Self.policy), as: f.admin)
        #expect(made.exportable && made.releasePolicy == Self.policy)
        #expect(made.releasePolicy?.contentType == "application/json; charset=utf-8" && made.releasePolicy?.immutable == false)
        let read = try e.keys.get(vault: v, name: "cmk", as: f.admin)
        #expect(read.exportable && read.releasePolicy?.document == Self.document)
        let rotated = try e.keys.rotate(vault: v, name: "cmk", as: f.admin)
        #expect(rotated.kid != made.kid && rotated.exportable && rotated.releasePolicy == Self.policy)
        // A key made without them has neither, and a policy on a non-exportable key is allowed (as in Azure).
        let plain = try e.keys.create(vault: v, name: "plain", KeyCreateOptions(.ec(.p256)), as: f.admin)
        #expect(!plain.exportable && plain.releasePolicy == nil)
        let legacy = KeyReleasePolicy(data: Array(Self.legacy.utf8))
        let imported = try e.keys.import(vault: v, name: "imp", .pkcs8PEM(try f.makePKCS8PEM()),
                                         release: KeyReleaseOptions(releasePolicy: legacy), as: f.admin)
        #expect(!imported.exportable && imported.releasePolicy == legacy)
    }

    @Test("Bad policies and an exportable key without one are refused, and nothing is made", arguments: [
        (nil as String?, "needs a release policy"),
        ("not json", "must be a JSON object"),
        (#"{"anyOf":[]}"#, "\"version\": \"1.0.0\""),
        (#"{"version":"1.0.0","anyOf":[]}"#, "non-empty list of attestation authorities"),
        (#"{"version":"1.0.0","anyOf":[{"authority":"<issuer>","allOf":[{"claim":"c","equals":"v"}]}]}"#, "must be the https URL"),
        (#"{"version":"1.0.0","anyOf":[{"authority":"http://a.example/","allOf":[{"claim":"c","equals":"v"}]}]}"#, "must be the https URL"),
        (#"{"version":"1.0.0","anyOf":[{"authority":"https://a.example/"}]}"#, "exactly one of \"allOf\" and \"anyOf\""),
        (#"{"version":"1.0.0","anyOf":[{"authority":"https://a.example/","allOf":[{"claim":"c"}]}]}"#, "needs \"equals\""),
        (#"{"version":"1.0.0","anyOf":[{"authority":"https://a.example/","allOf":[{"claim":"c","equals":{"x":1}}]}]}"#, "needs \"equals\""),
        (#"{"version":"1.0.0","anyOf":[{"authority":"https://a.example/","allOf":[{"claim":"c","equals":"v","extra":1}]}]}"#, "unknown field 'extra'"),
        (#"{"version":"1.0.0","anyOf":[{"authority":"https://a.example/","allOf":[{"claim":"c","condition":"equals","value":"v"}]}]}"#, "unknown field 'condition'"),
        (#"{"version":"0.2","anyOf":[{"authority":"https://a.example/","allOf":[{"claim":"c","equals":"v"}]}]}"#, "unknown field 'equals'"),
        (#"{"version":"1.0.0","anyOf":[{"authority":"https://a.example/","allOf":[]}],"more":1}"#, "unknown field 'more'"),
    ])
    func refused(document: String?, message: String) throws {
        let f = try KeyEngineFixture()
        let policy = document.map { KeyReleasePolicy(data: Array($0.utf8)) }
        let error = try #require(throws: VaultError.self) {
            try f.engine.keys.create(vault: f.vault, name: "cmk", KeyCreateOptions(.ec(.p256), exportable: true, releasePolicy: policy), as: f.admin)
        }
        #expect(error.reason == .invalidArgument && error.message.contains(message), "\(error.message)")
        #expect(try f.engine.objects(.key).list(vault: f.vault, as: f.admin).isEmpty)
    }

    @Test("Only application/json; charset=utf-8 is a release policy's content type")
    func contentType() throws {
        let f = try KeyEngineFixture()
        let odd = KeyReleasePolicy(data: Array(Self.document.utf8), contentType: "text/plain")
        let error = try #require(throws: VaultError.self) {
            try f.engine.keys.create(vault: f.vault, name: "cmk", KeyCreateOptions(.ec(.p256), releasePolicy: odd), as: f.admin)
        }
        #expect(error.reason == .invalidArgument && error.message.contains("contentType"))
        let spaced = KeyReleasePolicy(data: Array(Self.document.utf8), contentType: "application/json;charset=UTF-8")
        #expect(try f.engine.keys.create(vault: f.vault, name: "cmk", KeyCreateOptions(.ec(.p256), releasePolicy: spaced), as: f.admin).releasePolicy == spaced)
    }

    @Test("An update replaces a mutable policy; an immutable one is never changed, other attributes still are")
    func immutable() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        try e.keys.create(vault: v, name: "cmk", KeyCreateOptions(.rsa(), exportable: true, releasePolicy: Self.policy), as: f.admin)
        let locked = KeyReleasePolicy(data: Array(Self.legacy.utf8), immutable: true)
        #expect(try e.keys.update(vault: v, name: "cmk", KeyUpdate(releasePolicy: locked), as: f.admin).releasePolicy == locked)
        let error = try #require(throws: VaultError.self) {
            try e.keys.update(vault: v, name: "cmk", KeyUpdate(releasePolicy: Self.policy), as: f.admin)
        }
        #expect(error.reason == .forbidden && error.message.contains("immutable release policy"), "\(error.message)")
        let again = try #require(throws: VaultError.self) {
            try e.keys.update(vault: v, name: "cmk", KeyUpdate(releasePolicy: locked), as: f.admin)
        }
        #expect(again.reason == .forbidden)
        #expect(try e.keys.get(vault: v, name: "cmk", as: f.admin).releasePolicy == locked)
        let tagged = try e.keys.update(vault: v, name: "cmk", KeyUpdate(attributes: AttributeUpdate(tags: ["t": "1"])), as: f.admin)
        #expect(tagged.properties.tags == ["t": "1"] && tagged.releasePolicy == locked)
        // A bad replacement is invalid input before anything else.
        let bad = try #require(throws: VaultError.self) {
            try e.keys.update(vault: v, name: "cmk", KeyUpdate(releasePolicy: KeyReleasePolicy(data: Array("[]".utf8))), as: f.admin)
        }
        #expect(bad.reason == .invalidArgument)
    }

    struct ReleaseRow: Sendable, CustomTestStringConvertible {
        var role: BuiltInRole?
        var mayRelease: Bool
        var testDescription: String { role?.name ?? "no role" }
    }

    @Test("Release: keys/release decides; then the key's state; then kvfs refuses (it trusts no attestation service)", arguments: [
        ReleaseRow(role: nil, mayRelease: false), ReleaseRow(role: .reader, mayRelease: false),
        ReleaseRow(role: .cryptoUser, mayRelease: false), ReleaseRow(role: .cryptoServiceEncryptionUser, mayRelease: false),
        ReleaseRow(role: .secretsOfficer, mayRelease: false),
        ReleaseRow(role: .cryptoServiceReleaseUser, mayRelease: true), ReleaseRow(role: .cryptoOfficer, mayRelease: true),
        ReleaseRow(role: .administrator, mayRelease: true),
    ])
    func release(row: ReleaseRow) throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        try e.keys.create(vault: v, name: "cmk", KeyCreateOptions(.rsa(), exportable: true, releasePolicy: Self.policy), as: f.admin)
        try e.keys.create(vault: v, name: "plain", KeyCreateOptions(.ec(.p256)), as: f.admin)
        try e.keys.create(vault: v, name: "nopolicy-holder", KeyCreateOptions(.ec(.p256), releasePolicy: Self.policy), as: f.admin)
        let c = try f.caller(row.role)
        func reason(_ name: String, target: String = "eyJhbGciOiJSUzI1NiJ9.e30.c2ln") -> VaultError.Reason? {
            do { try e.keys.release(vault: v, name: name, target: target, as: c) } catch let error as VaultError { return error.reason } catch { return nil }
        }
        if row.mayRelease {
            #expect(reason("cmk") == .unsupported)
            #expect(reason("plain") == .forbidden, "not exportable")
            #expect(reason("nopolicy-holder") == .forbidden, "a policy but not exportable")
            #expect(reason("missing") == .objectNotFound(.key))
        } else {
            for name in ["cmk", "plain", "missing"] { #expect(reason(name) == .accessDenied, "\(name)") }
        }
        #expect(reason("cmk", target: " ") == .invalidArgument, "no token is invalid input before any decision")
        let lines = try f.auditLines().map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.utf8)) }
            .filter { $0.caller.uid == c.uid && $0.operationName == "KeyRelease" }
        #expect(lines.count == (row.mayRelease ? 5 : 4))
        #expect(lines.allSatisfy { $0.resultType == "Failure" }, "no release ever succeeds")
    }

    @Test("The refusal says why and names no key material")
    func message() throws {
        let f = try KeyEngineFixture()
        try f.engine.keys.create(vault: f.vault, name: "cmk", KeyCreateOptions(.rsa(), exportable: true, releasePolicy: Self.policy), as: f.admin)
        let error = try #require(throws: VaultError.self) {
            try f.engine.keys.release(vault: f.vault, name: "cmk", target: "token", as: f.admin)
        }
        #expect(error.reason == .unsupported && error.azureCode == "NotSupported")
        #expect(error.message.contains("attestation") && error.message.contains("does not release keys"), "\(error.message)")
    }
}
