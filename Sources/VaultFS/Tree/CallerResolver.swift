import VaultEngine

/// Turns a request's uid, gid and pid into a `Caller`. Nothing is cached across requests: a process that
/// drops a group loses what the group granted at once, and the audit names the program the process runs
/// now (after an `exec`). Supplementary groups are read from `/proc` only when a group principal exists,
/// the executable only when an audit line is written (see `Caller.fromRequest`), and the workload (unit,
/// container, pod, executable) only when a workload principal names the caller's uid (`WorkloadProbe`).
struct CallerResolver: Sendable {
    let workloads: WorkloadProbe

    /// - Parameter podMap: a file of pod UIDs to namespace and service account (`kvfs mount --pod-map`).
    init(podMap: String? = nil) {
        workloads = WorkloadProbe(podMap: podMap.map(PodMap.init(path:)))
    }

    func caller(_ context: OperationContext) -> Caller {
        Caller.fromRequest(uid: context.uid, gid: context.gid, pid: context.pid,
                           workload: workloads.lookup(thread: context.pid))
    }
}
