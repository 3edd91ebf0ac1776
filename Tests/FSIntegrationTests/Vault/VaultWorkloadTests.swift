import Foundation
import Testing
import VaultEngine

extension VaultMountTests {
    /// Principals bound to workloads, all run as uid 0 (the store's owner, which holds no data role of its own):
    /// a process in a systemd unit's, a Docker container's or a Kubernetes pod's cgroup reads only the secret its
    /// workload's principal was given; a process with another executable is refused; the audit names the
    /// workload; a cgroup path that names two containers fails closed. Serialized: the tests share the
    /// `system.slice` and `kubepods.slice` cgroups they create and remove.
    @Suite(.serialized) struct Workloads {
        static let vault = "workloads"
        static let root = VaultProcess.Identity(uid: 0, gid: 0)
        static let python = URL(fileURLWithPath: "/usr/bin/python3").resolvingSymlinksInPath().path

        struct Shapes {
            let tag = String(UInt32.random(in: .min ... .max), radix: 16)
            let dockerID = TestCgroup.randomContainerID()
            let podContainerID = TestCgroup.randomContainerID()
            let pod = UUID().uuidString.lowercased()
            var unit: String { "kvfs-test-web-\(tag).service" }
            var toolUnit: String { "kvfs-test-tool-\(tag).service" }
            var unitPath: String { "/system.slice/\(unit)" }
            var toolPath: String { "/system.slice/\(toolUnit)" }
            var dockerPath: String { "/system.slice/docker-\(dockerID).scope" }
            var podPath: String {
                let slice = pod.replacingOccurrences(of: "-", with: "_")
                return "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(slice).slice/cri-containerd-\(podContainerID).scope"
            }

            var setup: VaultMountFixture.Setup {
                let secrets = ["web", "api", "job", "tool"].map { (Workloads.vault, "\($0)-secret", "\($0)-value") }
                var setup = VaultMountFixture.Setup(vaults: [.init(name: Workloads.vault)], secrets: secrets)
                setup.workloads = [
                    ("web", 0, WorkloadSelectors(systemdUnit: unit)),
                    ("api", 0, WorkloadSelectors(containerID: dockerID)),
                    ("job", 0, WorkloadSelectors(podUID: pod)),
                    // Two selectors: both must match.
                    ("tool", 0, WorkloadSelectors(systemdUnit: toolUnit, executable: Workloads.python)),
                ]
                setup.assignments = ["web", "api", "job", "tool"].map {
                    ($0, "Key Vault Secrets User", "/vaults/\(Workloads.vault)/secrets/\($0)-secret")
                }
                return setup
            }
        }

        static func readAll(_ mount: VaultMountFixture, launcher: [String]) throws -> [String] {
            try mount.probe(root, ["web", "api", "job", "tool"].map { .read("\(vault)/secrets/\($0)-secret") },
                            launcher: launcher).map { $0.ok ? $0.text ?? "" : $0.result }
        }

        /// The SecretGet lines of `object`, once there are some (lines are written when their process exits).
        static func gets(_ mount: VaultMountFixture, _ object: String, result: String) throws -> [[String: Any]] {
            try mount.auditLines(adding: 1) {
                $0["operationName"] as? String == "SecretGet" && $0["object"] as? String == object
                    && $0["resultType"] as? String == result
            }
        }

        @Test func eachWorkloadReadsOnlyItsOwnSecret() throws {
            let shapes = Shapes()
            try TestCgroup.with([shapes.unitPath, shapes.dockerPath, shapes.podPath, shapes.toolPath]) { groups in
                try VaultMountFixture.with(shapes.setup) { mount in
                    #expect(try Self.readAll(mount, launcher: groups[0].launcher) == ["web-value", "EACCES", "EACCES", "EACCES"])
                    #expect(try Self.readAll(mount, launcher: groups[1].launcher) == ["EACCES", "api-value", "EACCES", "EACCES"])
                    #expect(try Self.readAll(mount, launcher: groups[2].launcher) == ["EACCES", "EACCES", "job-value", "EACCES"])
                    #expect(try Self.readAll(mount, launcher: groups[3].launcher) == ["EACCES", "EACCES", "EACCES", "tool-value"])
                    // The same uid outside every workload's cgroup is only the store's owner: no data access.
                    #expect(try Self.readAll(mount, launcher: []) == ["EACCES", "EACCES", "EACCES", "EACCES"])

                    let web = try #require(try Self.gets(mount, "web-secret", result: "Success").first)
                    #expect(web["principal"] as? String == "web")
                    let webWorkload = (web["caller"] as? [String: Any])?["workload"] as? [String: Any] ?? [:]
                    #expect(webWorkload["systemdUnit"] as? String == shapes.unit, "\(web)")
                    #expect(webWorkload["executable"] as? String == Self.python, "\(web)")

                    let api = try #require(try Self.gets(mount, "api-secret", result: "Success").first)
                    let apiWorkload = (api["caller"] as? [String: Any])?["workload"] as? [String: Any] ?? [:]
                    #expect(apiWorkload["containerID"] as? String == shapes.dockerID, "\(api)")
                    #expect(apiWorkload["systemdUnit"] as? String == "docker-\(shapes.dockerID).scope", "\(api)")

                    let job = try #require(try Self.gets(mount, "job-secret", result: "Success").first)
                    let jobWorkload = (job["caller"] as? [String: Any])?["workload"] as? [String: Any] ?? [:]
                    #expect(jobWorkload["podUID"] as? String == shapes.pod, "\(job)")
                    #expect(jobWorkload["containerID"] as? String == shapes.podContainerID, "\(job)")

                    // A refusal names the workload that was refused, too.
                    let refused = try Self.gets(mount, "web-secret", result: "Failure")
                    let refusedUnits = refused.compactMap { (($0["caller"] as? [String: Any])?["workload"] as? [String: Any])?["systemdUnit"] as? String }
                    #expect(refusedUnits.contains("docker-\(shapes.dockerID).scope"), "\(refused)")

                    // The auditor's filter by workload: every line of the pod, and only those.
                    let byPod = try mount.kvfs(["audit", "list", "--workload", shapes.pod]).stdout.split(separator: "\n").compactMap {
                        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                    }
                    #expect(!byPod.isEmpty)
                    #expect(byPod.allSatisfy { (($0["caller"] as? [String: Any])?["workload"] as? [String: Any])?["podUID"] as? String == shapes.pod },
                            "\(byPod)")
                    #expect(byPod.contains { $0["object"] as? String == "job-secret" && $0["resultType"] as? String == "Success" })
                }
            }
        }

        /// The tool principal needs its unit and python: `cat` in the same unit is refused; a digest selector
        /// allows the binary with that content only.
        @Test func anotherExecutableIsRefused() throws {
            let shapes = Shapes()
            let digest = try VaultProcess.run(["/usr/bin/sha256sum", Self.python]).stdout.prefix(64)
            var setup = shapes.setup
            setup.secrets += [(Self.vault, "hashed", "hashed-value"), (Self.vault, "misdigested", "other-value")]
            setup.workloads += [
                ("hashed", 0, WorkloadSelectors(executable: Self.python, executableSHA256: String(digest))),
                ("misdigested", 0, WorkloadSelectors(executable: Self.python, executableSHA256: String(repeating: "0", count: 64))),
            ]
            setup.assignments += [("hashed", "Key Vault Secrets User", "/vaults/\(Self.vault)/secrets/hashed"),
                                  ("misdigested", "Key Vault Secrets User", "/vaults/\(Self.vault)/secrets/misdigested")]
            try TestCgroup.with([shapes.toolPath]) { groups in
                try VaultMountFixture.with(setup) { mount in
                    let file = mount.path("\(Self.vault)/secrets/tool-secret")
                    let script = "echo $$ > '\(groups[0].procs)' && /usr/bin/cat '\(file)' 2>&1; echo \" exit=$?\""
                    let cat = try VaultProcess.run(["/bin/sh", "-c", script])
                    #expect(cat.stdout.contains("Permission denied") && cat.stdout.hasSuffix("exit=1\n"), "\(cat)")
                    #expect(try mount.probe(Self.root, [.read("\(Self.vault)/secrets/tool-secret")], launcher: groups[0].launcher)
                            .map(\.text) == ["tool-value"])
                    let digests = try mount.probe(Self.root, [.read("\(Self.vault)/secrets/hashed"), .read("\(Self.vault)/secrets/misdigested")])
                    #expect(digests.map { $0.ok ? $0.text ?? "" : $0.result } == ["hashed-value", "EACCES"])

                    let refused = try #require(try Self.gets(mount, "tool-secret", result: "Failure").first)
                    let workload = (refused["caller"] as? [String: Any])?["workload"] as? [String: Any] ?? [:]
                    #expect(workload["executable"] as? String == "/usr/bin/cat", "\(refused)")
                    let hashed = try #require(try Self.gets(mount, "hashed", result: "Success").first)
                    let hashedWorkload = (hashed["caller"] as? [String: Any])?["workload"] as? [String: Any] ?? [:]
                    #expect(hashedWorkload["executableSHA256"] as? String == String(digest), "\(hashed)")
                }
            }
        }

        /// With a pod map, a principal can name the pod's namespace and service account instead of its UID.
        @Test func podNamespaceAndServiceAccountFromThePodMap() throws {
            let shapes = Shapes()
            let map = NSTemporaryDirectory() + "kvfs-pod-map-\(UUID().uuidString).json"
            defer { unlink(map) }
            try "{\"\(shapes.pod)\": {\"namespace\": \"batch\", \"serviceAccount\": \"runner\"}}".write(toFile: map, atomically: false, encoding: .utf8)
            chmod(map, 0o644)
            var setup = shapes.setup
            setup.mountArguments = ["--pod-map", map]
            setup.secrets.append((Self.vault, "batch-secret", "batch-value"))
            setup.workloads += [("runner", 0, WorkloadSelectors(podNamespace: "batch", podServiceAccount: "runner")),
                                ("other-sa", 0, WorkloadSelectors(podNamespace: "batch", podServiceAccount: "default"))]
            setup.assignments += [("runner", "Key Vault Secrets User", "/vaults/\(Self.vault)/secrets/batch-secret")]
            try TestCgroup.with([shapes.podPath, shapes.unitPath]) { groups in
                try VaultMountFixture.with(setup) { mount in
                    let reads: [ProbeOp] = [.read("\(Self.vault)/secrets/batch-secret"), .read("\(Self.vault)/secrets/job-secret")]
                    let inPod = try mount.probe(Self.root, reads, launcher: groups[0].launcher)
                    #expect(inPod.map { $0.ok ? $0.text ?? "" : $0.result } == ["batch-value", "job-value"])
                    let outside = try mount.probe(Self.root, reads, launcher: groups[1].launcher)
                    #expect(outside.map(\.result) == ["EACCES", "EACCES"])
                    let line = try #require(try Self.gets(mount, "batch-secret", result: "Success").first)
                    let workload = (line["caller"] as? [String: Any])?["workload"] as? [String: Any] ?? [:]
                    #expect(workload["podNamespace"] as? String == "batch" && workload["podServiceAccount"] as? String == "runner", "\(line)")
                    #expect(line["principal"] as? String == "runner")
                }
            }
        }

        /// A container's cgroup holding a cgroup named like another container (what a workload with cgroup
        /// delegation could make to pass for it) is ambiguous: the caller is refused, with the reason audited.
        @Test func nestedContainerIdsFailClosed() throws {
            let shapes = Shapes()
            let spoof = "\(shapes.dockerPath)/docker-\(TestCgroup.randomContainerID()).scope"
            try TestCgroup.with([shapes.dockerPath, spoof]) { groups in
                try VaultMountFixture.with(shapes.setup) { mount in
                    #expect(try Self.readAll(mount, launcher: groups[0].launcher)[1] == "api-value")
                    #expect(try Self.readAll(mount, launcher: groups[1].launcher) == ["EACCES", "EACCES", "EACCES", "EACCES"])
                    // The first request of the path walk (the vault's directory) is already refused.
                    let refused = try mount.auditLines(adding: 1) {
                        ($0["resultDescription"] as? String)?.hasPrefix("WorkloadUnidentified: its cgroup path names a container or pod inside another cgroup") == true
                    }
                    #expect(refused.first?["resultSignature"] as? String == "ForbiddenByRbac", "\(refused)")
                    #expect((refused.first?["caller"] as? [String: Any])?["uid"] as? Int == 0)
                }
            }
        }
    }
}
