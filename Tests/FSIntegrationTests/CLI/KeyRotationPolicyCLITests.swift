import Foundation
import Testing
import VaultEngine

/// `kvfs key rotation-policy show|update` through the built binary.
@Suite struct CLIKeyRotationPolicy {
    func kvfs(_ store: CLIExitCodes.Store, _ arguments: [String], input: Data? = nil) throws -> VaultProcess.Outcome {
        try VaultProcess.run([VaultMountFixture.kvfsPath] + arguments + ["--store", store.path], input: input)
    }

    @Test func showAndUpdate() throws {
        let store = try CLIExitCodes.Store()
        #expect(try kvfs(store, ["key", "create", "--vault", "app", "--name", "signer", "--kty", "EC", "-o", "none"]).status == 0)
        let empty = try kvfs(store, ["key", "rotation-policy", "show", "--vault", "app", "--name", "signer"])
        let emptyJSON = try #require(try JSONSerialization.jsonObject(with: Data(empty.stdout.utf8)) as? [String: Any], "\(empty)")
        #expect((emptyJSON["lifetimeActions"] as? [Any])?.isEmpty == true)
        #expect((emptyJSON["id"] as? String)?.hasSuffix("/keys/signer/rotationpolicy") == true)
        let policy = #"{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P90D"},"action":{"type":"Rotate"}},{"trigger":{"timeBeforeExpiry":"P30D"},"action":{"type":"Notify"}}],"attributes":{"expiryTime":"P1Y"}}"#
        let updated = try kvfs(store, ["key", "rotation-policy", "update", "--vault", "app", "--name", "signer", "--value", "-"], input: Data(policy.utf8))
        #expect(updated.status == 0, "\(updated)")
        let table = try kvfs(store, ["key", "rotation-policy", "show", "--vault", "app", "--name", "signer", "-o", "json"])
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(table.stdout.utf8)) as? [String: Any], "\(table)")
        #expect((shown["attributes"] as? [String: Any])?["expiryTime"] as? String == "P1Y")
        let actions = shown["lifetimeActions"] as? [[String: Any]] ?? []
        #expect(actions.first?["action"] as? String == "Rotate" && actions.first?["timeAfterCreate"] as? String == "P90D", "\(shown)")
        // A manual rotation now expires after expiryTime.
        let rotated = try kvfs(store, ["key", "rotate", "--vault", "app", "--name", "signer"])
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(rotated.stdout.utf8)) as? [String: Any], "\(rotated)")
        #expect((bundle["attributes"] as? [String: Any])?["expires"] as? String != nil, "\(bundle)")
        // Bad input: exit 5, one line.
        let short = try kvfs(store, ["key", "rotation-policy", "update", "--vault", "app", "--name", "signer", "--value", "-"],
                             input: Data(#"{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P1D"},"action":{"type":"Rotate"}}]}"#.utf8))
        #expect(short.status == 5 && short.stderr == "kvfs: A trigger's time must be at least 7 days, not P1D.\n", "\(short)")
        let garbage = try kvfs(store, ["key", "rotation-policy", "update", "--vault", "app", "--name", "signer", "--value", "-"], input: Data("[]".utf8))
        #expect(garbage.status == 5 && garbage.stderr.hasPrefix("kvfs: stdin: not a KeyRotationPolicy"), "\(garbage)")
        #expect(try kvfs(store, ["key", "rotation-policy", "show", "--vault", "app", "--name", "nope"]).status == 2)
    }
}
