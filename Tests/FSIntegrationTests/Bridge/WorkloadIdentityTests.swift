import Foundation
import Testing
@testable import VaultEngine
@testable import VaultFS

/// How the mount tells a caller's workload: the cgroup path shapes of systemd, Docker, containerd, CRI-O and
/// the kubelet, the paths that must fail closed, and the pidfd checks on real processes.
@Suite struct WorkloadIdentityTests {
    static let id1 = String(repeating: "9bca8d63", count: 8)
    static let id2 = String(repeating: "09bc3d7a", count: 8)

    static func placement(_ path: String) -> CgroupPlacement? {
        if case .success(let found) = CgroupPlacement.parse(path) { return found }
        return nil
    }

    static func ambiguity(_ path: String) -> String? {
        if case .failure(let why) = CgroupPlacement.parse(path) { return why.reason }
        return nil
    }

    @Test func realShapesAreRead() {
        #expect(Self.placement("/system.slice/web.service") == CgroupPlacement(systemdUnit: "web.service"))
        #expect(Self.placement("/system.slice/docker-\(Self.id1).scope")
                == CgroupPlacement(systemdUnit: "docker-\(Self.id1).scope", containerID: Self.id1))
        #expect(Self.placement("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod2c48913c_b29f_11e7_9350_020968147796.slice/docker-\(Self.id1).scope")
                == CgroupPlacement(systemdUnit: "docker-\(Self.id1).scope", containerID: Self.id1, podUID: "2c48913c-b29f-11e7-9350-020968147796"))
        #expect(Self.placement("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-poda2830d0d_b0f0_4ff0_81b5_0ee4e299cf80.slice/crio-\(Self.id2).scope")?.podUID
                == "a2830d0d-b0f0-4ff0-81b5-0ee4e299cf80")
        #expect(Self.placement("/kubepods.slice/kubepods-pod2c48913c_b29f_11e7_9350_020968147796.slice/cri-containerd-\(Self.id2).scope")?.containerID == Self.id2)
        // The cgroupfs driver.
        #expect(Self.placement("/docker/\(Self.id1)") == CgroupPlacement(containerID: Self.id1))
        #expect(Self.placement("/kubepods/besteffort/pod2c48913c-b29f-11e7-9350-020968147796/\(Self.id2)")
                == CgroupPlacement(containerID: Self.id2, podUID: "2c48913c-b29f-11e7-9350-020968147796"))
        // A user session: the shallowest unit is the user's manager; nothing deeper is trusted as another unit.
        #expect(Self.placement("/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope")?.systemdUnit == "user@1000.service")
        #expect(Self.placement("/") == CgroupPlacement())
    }

    @Test func doubtfulPathsFailClosed() {
        // A container id or pod below the unit: what a workload with delegation could make to pass for another.
        #expect(Self.ambiguity("/system.slice/docker-\(Self.id1).scope/docker-\(Self.id2).scope")?.contains("inside another cgroup") == true)
        #expect(Self.ambiguity("/system.slice/app.service/kubepods-besteffort-podffffffff_ffff_ffff_ffff_ffffffffffff.slice/cri-containerd-\(Self.id2).scope") != nil)
        #expect(Self.ambiguity("/docker/\(Self.id1)/kubepods/besteffort/pod2c48913c-b29f-11e7-9350-020968147796/\(Self.id2)") != nil,
                "kind's nesting names two containers")
        // Seen from another cgroup namespace.
        #expect(Self.ambiguity("/../\(Self.id1)")?.contains("cgroup namespace") == true)
        #expect(Self.ambiguity("/../../kubelet-kubepods-besteffort.slice/x.scope") != nil)
        #expect(Self.ambiguity("/kubepods.slice/kubepods-pod2c48913c_b29f_11e7_9350_020968147796.slice/kubepods-podffffffff_ffff_ffff_ffff_ffffffffffff.slice/x.scope")
                == "its cgroup path names two pods")
        #expect(Self.ambiguity("system.slice/web.service") != nil)
    }

    @Test func pidfdsForThreadsAreSupportedHere() {
        // Linux 6.9 and later; this machine's kernel has them, so the fallback is not what the mount tests test.
        #expect(WorkloadProbe().threadPidfds)
    }

    @Test func ownThreadIsIdentified() throws {
        let probe = WorkloadProbe()
        guard case .identified(let workload) = probe.identify(thread: getpid(), withDigest: true) else {
            Issue.record("the test process was not identified")
            return
        }
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #expect(workload.executable == exe)
        let sum = try VaultProcess.run(["/usr/bin/sha256sum", exe]).stdout.prefix(64)
        #expect(workload.executableSHA256 == String(sum))
        // The second digest comes from the cache, and is the same.
        if case .identified(let again) = probe.identify(thread: getpid(), withDigest: true) {
            #expect(again.executableSHA256 == String(sum))
        }
    }

    /// Without `PIDFD_THREAD` the probe holds the thread group's pidfd and re-checks the thread's start time.
    @Test func fallbackForKernelsWithoutThreadPidfds() throws {
        let probe = WorkloadProbe(useThreadPidfds: false)
        guard case .identified(let workload) = probe.identify(thread: getpid(), withDigest: false) else {
            Issue.record("the test process was not identified through the fallback")
            return
        }
        #expect(workload.executable == (try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")))
        try expectVanishedFailsClosed(probe)
    }

    func expectVanishedFailsClosed(_ probe: WorkloadProbe) throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        #expect(probe.identify(thread: child.processIdentifier, withDigest: false)
                == .unidentified(reason: "the process exited before it could be identified"))
    }

    @Test func pidZeroAndVanishedProcessesFailClosed() throws {
        let probe = WorkloadProbe()
        #expect(probe.identify(thread: 0, withDigest: false)
                == .unidentified(reason: "the caller is in a pid namespace the mount cannot see (pid 0)"))
        try expectVanishedFailsClosed(probe)
    }

    @Test func lookupIdentifiesOnceAndAgainOnlyForADigest() {
        let calls = Calls()
        let lookup = WorkloadLookup { withDigest in
            calls.add()
            return .identified(Workload(executable: "/bin/x", executableSHA256: withDigest ? "d" : nil))
        }
        #expect(lookup.identifiedSoFar == nil)
        _ = lookup.identification(withDigest: false)
        _ = lookup.identification(withDigest: false)
        #expect(calls.value == 1)
        #expect(lookup.identification(withDigest: true) == .identified(Workload(executable: "/bin/x", executableSHA256: "d")))
        _ = lookup.identification(withDigest: false)
        #expect(calls.value == 2)
    }

    final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }

    @Test func podMapIsTrustedOnlyWhenNoOneElseMayWriteIt() throws {
        let path = NSTemporaryDirectory() + "kvfs-pod-map-\(UUID().uuidString).json"
        defer { unlink(path) }
        let pod = "2c48913c-b29f-11e7-9350-020968147796"
        try #"{"2c48913c_b29f_11e7_9350_020968147796": {"namespace": "batch", "serviceAccount": "runner"}}"#
            .write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o644)
        let map = PodMap(path: path)
        #expect(try map.pod(pod).get() == PodMap.Pod(namespace: "batch", serviceAccount: "runner"))
        #expect(try map.pod("ffffffff-ffff-ffff-ffff-ffffffffffff").get() == nil, "an unlisted pod has no namespace")
        // Rewritten: read again.
        try #"{"2c48913c-b29f-11e7-9350-020968147796": {"namespace": "web", "serviceAccount": "default"}}"#
            .write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try map.pod(pod).get()?.namespace == "web")
        chmod(path, 0o666)
        if case .failure(let why) = map.pod(pod) {
            #expect(why.reason.contains("writable by others"))
        } else {
            Issue.record("a world-writable pod map was trusted")
        }
        chmod(path, 0o644)
        try #"{"not-a-uid": {"namespace": "web", "serviceAccount": "default"}}"#.write(toFile: path, atomically: false, encoding: .utf8)
        if case .success = map.pod(pod) { Issue.record("an invalid pod map was used") }
        #expect(PodMap.parse(Data(#"{"2c48913c-b29f-11e7-9350-020968147796": {"namespace": "Bad_NS", "serviceAccount": "x"}}"#.utf8)) == nil)
    }
}
