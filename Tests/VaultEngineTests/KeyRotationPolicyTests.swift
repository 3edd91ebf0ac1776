import Foundation
import Testing
@testable import VaultEngine

/// Key rotation policies: Azure's rules, who may read and set them, and their enforcement by housekeeping.
@Suite("Key engine: rotation policies")
struct KeyRotationPolicyTests {
    static func rotate(after: String? = nil, beforeExpiry: String? = nil) -> KeyRotationPolicy.LifetimeAction {
        .init(trigger: .init(timeAfterCreate: after, timeBeforeExpiry: beforeExpiry), action: .init(type: "Rotate"))
    }
    static func notify(_ beforeExpiry: String) -> KeyRotationPolicy.LifetimeAction {
        .init(trigger: .init(timeBeforeExpiry: beforeExpiry), action: .init(type: "Notify"))
    }

    @Test("get (empty until set), update, JSON in the REST shape; managed keys refused")
    func getAndUpdate() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        try e.keys.create(vault: v, name: "k", KeyCreateOptions(.ec(.p256)), as: f.admin)
        let empty = try e.keys.rotationPolicy(vault: v, name: "k", as: f.admin)
        #expect(empty.policy.lifetimeActions.isEmpty && empty.created == nil)
        #expect(empty.id == "https://\(v).kvfs.localhost/keys/k/rotationpolicy")
        let json = #"{"id":"x","lifetimeActions":[{"trigger":{"timeAfterCreate":"P90D"},"action":{"type":"rotate"}},{"trigger":{"timeBeforeExpiry":"P30D"},"action":{"type":"Notify"}}],"attributes":{"expiryTime":"P1Y","created":1}}"#
        let policy = try JSONDecoder().decode(KeyRotationPolicy.self, from: Data(json.utf8))
        let set = try e.keys.updateRotationPolicy(vault: v, name: "k", policy, as: f.admin)
        #expect(set.policy == policy && set.created == f.clock.now())
        #expect(try e.keys.rotationPolicy(vault: v, name: "k", as: f.admin).policy == policy)
        try e.certificates.create(vault: v, name: "cert", policy: CertificatePolicySpellingTests.full, as: f.admin)
        #expect(throws: VaultError(.forbidden, "")) { try e.keys.updateRotationPolicy(vault: v, name: "cert", policy, as: f.admin) }
    }

    @Test("Azure's rules: durations, at least 7 days, expiry at least 28 days, one of each action, Notify before expiry")
    func rules() throws {
        let bad: [KeyRotationPolicy] = [
            KeyRotationPolicy(lifetimeActions: [Self.rotate(after: "90 days")]),
            KeyRotationPolicy(lifetimeActions: [Self.rotate(after: "P6D")]),
            KeyRotationPolicy(lifetimeActions: [Self.rotate()]),
            KeyRotationPolicy(lifetimeActions: [Self.rotate(after: "P30D", beforeExpiry: "P30D")]),
            KeyRotationPolicy(lifetimeActions: [Self.rotate(after: "P30D"), Self.rotate(after: "P60D")]),
            KeyRotationPolicy(lifetimeActions: [.init(trigger: .init(timeAfterCreate: "P30D"), action: .init(type: "Notify"))]),
            KeyRotationPolicy(lifetimeActions: [.init(trigger: .init(timeAfterCreate: "P30D"), action: .init(type: "Delete"))]),
            KeyRotationPolicy(expiryTime: "P27D"),
            KeyRotationPolicy(lifetimeActions: [Self.rotate(after: "P2Y")], expiryTime: "P1Y"),
            KeyRotationPolicy(lifetimeActions: [Self.rotate(after: "PT24H")]),
        ]
        for policy in bad {
            #expect(throws: VaultError(.invalidArgument, ""), "\(policy)") { try KeyRotationRules.validate(policy) }
        }
        try KeyRotationRules.validate(KeyRotationPolicy(lifetimeActions: [Self.rotate(after: "P1Y6M"), Self.notify("P30D")], expiryTime: "P2Y"))
        try KeyRotationRules.validate(KeyRotationPolicy(lifetimeActions: [Self.rotate(beforeExpiry: "P7D")], expiryTime: "P28D"))
    }

    @Test("rotation policies: Administrator and Crypto Officer set; Reader reads too; others are denied")
    func roles() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        try e.keys.create(vault: v, name: "k", KeyCreateOptions(.ec(.p256)), as: f.admin)
        let policy = KeyRotationPolicy(lifetimeActions: [Self.rotate(after: "P30D")])
        let table: [(BuiltInRole?, read: Bool, write: Bool)] = [
            (nil, false, false), (.administrator, true, true), (.cryptoOfficer, true, true), (.reader, true, false),
            (.cryptoUser, false, false), (.secretsOfficer, false, false), (.certificatesOfficer, false, false),
        ]
        for (role, read, write) in table {
            let caller = try f.caller(role)
            let r = code { _ = try e.keys.rotationPolicy(vault: v, name: "k", as: caller) }
            let w = code { try e.keys.updateRotationPolicy(vault: v, name: "k", policy, as: caller) }
            #expect(r == (read ? nil : .accessDenied), "\(role?.name ?? "no role") read")
            #expect(w == (write ? nil : .accessDenied), "\(role?.name ?? "no role") write")
        }
    }

    @Test("housekeeping rotates when due, with expiryTime; rotate applies it too; Notify is audited once per version")
    func enforcement() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        let first = try e.keys.create(vault: v, name: "k", KeyCreateOptions(.ec(.p256), attributes: NewVersionAttributes(tags: ["t": "1"])), as: f.admin)
        try e.keys.updateRotationPolicy(vault: v, name: "k", KeyRotationPolicy(lifetimeActions: [Self.rotate(after: "P30D")], expiryTime: "P90D"), as: f.admin)
        f.clock.advance(days: 29)
        #expect(try e.housekeeping.rotateDueKeys().isEmpty)
        f.clock.advance(days: 2)
        try e.housekeeping.run()
        let second = try e.keys.get(vault: v, name: "k", as: f.admin)
        #expect(second.properties.version != first.properties.version && second.key.x != first.key.x)
        #expect(second.properties.expires == f.clock.now().addingTimeInterval(90 * 86_400))
        #expect(second.properties.tags == ["t": "1"])
        #expect(try e.housekeeping.rotateDueKeys().isEmpty)   // the new version is not due yet
        let rotateLines = try f.auditLines().filter { $0.contains("\"KeyRotate\"") }
        #expect(rotateLines.count == 1 && rotateLines[0].contains("automatic rotation"))
        // A manual rotation takes the expiryTime too.
        let manual = try e.keys.rotate(vault: v, name: "k", as: f.admin)
        #expect(manual.properties.expires == f.clock.now().addingTimeInterval(90 * 86_400))

        // Notify: once, when the current version is within 30 days of expiry.
        try e.keys.create(vault: v, name: "n", KeyCreateOptions(.ec(.p256), attributes: NewVersionAttributes(expires: f.clock.now().addingTimeInterval(60 * 86_400))), as: f.admin)
        try e.keys.updateRotationPolicy(vault: v, name: "n", KeyRotationPolicy(lifetimeActions: [Self.notify("P30D")]), as: f.admin)
        f.clock.advance(days: 29)
        try e.housekeeping.run()
        #expect(try f.auditLines().filter { $0.contains("KeyNearExpiry") }.isEmpty)
        f.clock.advance(days: 2)
        try e.housekeeping.run()
        try e.housekeeping.run()
        let notices = try f.auditLines().filter { $0.contains("\"KeyNearExpiry\"") }
        #expect(notices.count == 1 && notices.first?.contains("\"n\"") == true, "\(notices)")
    }
}
