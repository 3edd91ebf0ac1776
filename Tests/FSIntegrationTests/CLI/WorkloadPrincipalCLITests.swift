import Foundation
import Testing
import VaultEngine

/// `kvfs principal create --kind workload …`: what it stores, what it prints, and what it refuses.
@Suite struct WorkloadPrincipalCLITests {
    @Test func createsListsAndRefuses() throws {
        let store = try CLIExitCodes.Store()
        func kvfs(_ arguments: [String]) throws -> VaultProcess.Outcome {
            try VaultProcess.run([VaultMountFixture.kvfsPath] + arguments + ["--store", store.path])
        }
        let id = String(repeating: "C0FFEE", count: 10) + "ABCD"
        let created = try kvfs(["principal", "create", "--name", "web", "--kind", "workload", "--uid", "0",
                                "--systemd-unit", "web.service", "--container-id", id, "--exe", "/usr/sbin/nginx"])
        #expect(created.succeeded, "\(created)")
        let listed = try kvfs(["principal", "list"])
        let principals = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let web = try #require(principals.first { $0["name"] as? String == "web" })
        #expect(web["type"] as? String == "workload")
        #expect(web["uid"] as? Int == 0)
        let workload = web["workload"] as? [String: Any] ?? [:]
        #expect(workload["systemdUnit"] as? String == "web.service")
        #expect(workload["containerId"] as? String == id.lowercased())
        #expect(workload["executable"] as? String == "/usr/sbin/nginx")
        #expect(workload["podUid"] is NSNull)
        // A user principal keeps its shape.
        #expect(principals.first { $0["name"] as? String == "me" }?["workload"] == nil)

        let badID = try kvfs(["principal", "create", "--name", "api", "--kind", "workload", "--uid", "0", "--container-id", "abc"])
        #expect(badID.status == 5 && badID.stderr.contains("Container id 'abc' is not valid"), "\(badID)")
        let noSelector = try kvfs(["principal", "create", "--name", "api", "--kind", "workload", "--uid", "0"])
        #expect(noSelector.status == 64 && noSelector.stderr.contains("needs at least one of"), "\(noSelector)")
        let selectorOnUser = try kvfs(["principal", "create", "--name", "api", "--kind", "user", "--uid", "0", "--exe", "/bin/sh"])
        #expect(selectorOnUser.status == 64, "\(selectorOnUser)")
        let digestAlone = try kvfs(["principal", "create", "--name", "api", "--kind", "workload", "--uid", "0",
                                    "--exe-sha256", String(repeating: "a", count: 64)])
        #expect(digestAlone.status == 5 && digestAlone.stderr.contains("needs the executable's path"), "\(digestAlone)")
        let after = try kvfs(["principal", "list"])
        #expect(!after.stdout.contains("\"api\""), "a refused principal was stored: \(after)")
    }
}
