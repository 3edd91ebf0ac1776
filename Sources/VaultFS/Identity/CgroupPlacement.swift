import Foundation
import VaultEngine

/// Where a process sits in the cgroup v2 tree, read as systemd, Docker, containerd, CRI-O and the kubelet lay
/// it out: its systemd unit, its container and its Kubernetes pod.
///
/// Ids are taken from their own place in the path only: the pod from the `kubepods…-pod<uid>.slice` slices
/// (or `kubepods/<qos>/pod<uid>` under the cgroupfs driver), the unit and container from the shallowest
/// non-slice cgroup (`docker-<id>.scope`, `cri-containerd-<id>.scope`, `crio-<id>.scope`, or `docker/<id>`).
/// Everything below that cgroup belongs to the unit or container itself, which may create cgroups there when
/// it has delegation, so a container id or pod UID found below it means the path cannot be trusted (a
/// workload dressing up as another) and the placement fails. So do `..` segments: a path seen from another
/// cgroup namespace hides where the process really is.
struct CgroupPlacement: Sendable, Equatable {
    var systemdUnit: String?
    var containerID: String?
    var podUID: String?

    /// The placement of a cgroup v2 path (the `0::` line of `/proc/<pid>/cgroup`), or why it cannot be told.
    static func parse(_ path: String) -> Result<CgroupPlacement, Ambiguity> {
        guard path.hasPrefix("/") else { return .failure(Ambiguity("its cgroup path is not absolute")) }
        let segments = path.split(separator: "/").map(String.init)
        if segments.contains("..") || segments.contains(".") {
            return .failure(Ambiguity("its cgroup lies outside the mount's cgroup namespace"))
        }
        var placement = CgroupPlacement()
        var index = 0
        if segments.first == "docker" || segments.first == "kubepods" {
            // The cgroupfs driver: /docker/<id>, /kubepods[/<qos>]/pod<uid>/<id>.
            if segments.first == "kubepods" {
                index = 1
                if index < segments.count, ["besteffort", "burstable", "guaranteed"].contains(segments[index]) { index += 1 }
                if index < segments.count, segments[index].hasPrefix("pod"),
                   let pod = WorkloadRules.canonicalPodUID(String(segments[index].dropFirst(3))) {
                    placement.podUID = pod
                    index += 1
                }
            } else {
                index = 1
            }
            if index < segments.count, isContainerID(segments[index]) {
                placement.containerID = segments[index]
                index += 1
            }
        } else {
            // The systemd driver: slices, then the shallowest unit.
            while index < segments.count, segments[index].hasSuffix(".slice") {
                if let pod = podUID(inSlice: segments[index]) {
                    guard placement.podUID == nil else { return .failure(Ambiguity("its cgroup path names two pods")) }
                    placement.podUID = pod
                }
                index += 1
            }
            if index < segments.count, segments[index].hasSuffix(".service") || segments[index].hasSuffix(".scope") {
                let unit = segments[index]
                placement.systemdUnit = unit
                placement.containerID = containerID(inUnit: unit)
                index += 1
            }
        }
        for segment in segments[index...] where namesContainerOrPod(segment) {
            return .failure(Ambiguity("its cgroup path names a container or pod inside another cgroup ('\(segment)')"))
        }
        return .success(placement)
    }

    /// Why a placement could not be told, for the audit line.
    struct Ambiguity: Error, Equatable {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// `kubepods-pod<uid>.slice` or `kubepods-<qos>-pod<uid>.slice` (the uid with `_` for `-`).
    private static func podUID(inSlice slice: String) -> String? {
        let stem = slice.dropLast(".slice".count)
        guard stem.hasPrefix("kubepods-"), let range = stem.range(of: "-pod", options: .backwards) else { return nil }
        return WorkloadRules.canonicalPodUID(String(stem[range.upperBound...]))
    }

    /// `<runtime>-<64 hex>.scope`, as Docker (`docker-`), containerd (`cri-containerd-`), CRI-O (`crio-`) and
    /// Podman (`libpod-`) name a container's scope.
    private static func containerID(inUnit unit: String) -> String? {
        guard unit.hasSuffix(".scope") else { return nil }
        let stem = unit.dropLast(".scope".count)
        guard let dash = stem.lastIndex(of: "-") else { return nil }
        let id = String(stem[stem.index(after: dash)...])
        return isContainerID(id) ? id : nil
    }

    private static func isContainerID(_ text: String) -> Bool { WorkloadRules.isHex(text, count: 64) }

    /// Whether a segment carries a 64-hex-character token or a `pod<uid>` token anywhere.
    private static func namesContainerOrPod(_ segment: String) -> Bool {
        let lower = segment.lowercased()
        let tokens = lower.split(whereSeparator: { !($0.isLetter || $0.isNumber) })
        if tokens.contains(where: { WorkloadRules.isHex(String($0), count: 64) }) { return true }
        var rest = lower[...]
        while let range = rest.range(of: "pod") {
            let candidate = rest[range.upperBound...].prefix(36)
            if WorkloadRules.canonicalPodUID(String(candidate)) != nil { return true }
            rest = rest[range.upperBound...]
        }
        return false
    }
}
