import ArgumentParser
import Foundation
import VaultEngine

struct PrincipalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "principal",
        abstract: "Manage principals: names bound to a Unix uid or gid, or to a workload (the store's owner only).",
        subcommands: [Create.self, List.self, Delete.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bind a name to a uid (a user), a gid (a group), or a workload run by a uid.",
            discussion: """
            A process matches every principal bound to its uid, its gid or one of its supplementary groups, and
            every workload principal whose uid and selectors all match it (docs/workloads.md).
            Examples:
              kvfs principal create --name web --uid 33
              kvfs principal create --name ops --gid 1500
              kvfs principal create --name web --kind workload --uid 0 --systemd-unit web.service
              kvfs principal create --name api --kind workload --uid 0 --container-id <64 hex>
              kvfs principal create --name job --kind workload --uid 1000 --pod-uid 2c48913c-b29f-11e7-9350-020968147796
              kvfs principal create --name batch --kind workload --uid 1000 --pod-namespace batch --pod-service-account runner
              kvfs principal create --name proxy --kind workload --uid 33 --exe /usr/sbin/nginx --exe-sha256 <64 hex>
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "1-64 letters, digits, '.', '_' and '-'.") var name: String
        @Option(name: .long, help: ArgumentHelp("user, group or workload (default: user with --uid, group with --gid).", valueName: "kind"))
        var kind: Principal.Kind?
        @Option(name: .long, help: "Bind to this uid (a workload: the uid it runs as).") var uid: UInt32?
        @Option(name: .long, help: "Bind to this gid (a workload: a group it must also be in).") var gid: UInt32?
        @Option(name: .long, help: ArgumentHelp("A workload: the systemd unit it runs in (web.service).", valueName: "unit"))
        var systemdUnit: String?
        @Option(name: .long, help: ArgumentHelp("A workload: its Docker, containerd or CRI-O container id (64 hex).", valueName: "id"))
        var containerId: String?
        @Option(name: .long, help: ArgumentHelp("A workload: its Kubernetes pod's metadata.uid.", valueName: "uid"))
        var podUid: String?
        @Option(name: .long, help: ArgumentHelp("A workload: its pod's Kubernetes namespace (needs the mount's --pod-map).", valueName: "name"))
        var podNamespace: String?
        @Option(name: .long, help: ArgumentHelp("A workload: its pod's Kubernetes service account (needs the mount's --pod-map).", valueName: "name"))
        var podServiceAccount: String?
        @Option(name: .long, help: ArgumentHelp("A workload: the absolute path of its executable.", valueName: "path"))
        var exe: String?
        @Option(name: .long, help: ArgumentHelp("A workload: the SHA-256 of its executable (needs --exe).", valueName: "hex"))
        var exeSha256: String?

        private var hasSelectors: Bool {
            systemdUnit != nil || containerId != nil || podUid != nil || podNamespace != nil || podServiceAccount != nil
                || exe != nil || exeSha256 != nil
        }
        private var resolvedKind: Principal.Kind { kind ?? (hasSelectors ? .workload : uid != nil ? .user : .group) }

        func validate() throws {
            switch resolvedKind {
            case .workload:
                guard uid != nil else { throw ValidationError("A workload principal needs --uid, the uid the workload runs as.") }
                guard hasSelectors else {
                    throw ValidationError("A workload principal needs at least one of --systemd-unit, --container-id, --pod-uid, --pod-namespace, --pod-service-account and --exe.")
                }
            case .user, .group:
                guard !hasSelectors else {
                    throw ValidationError("--systemd-unit, --container-id, --pod-uid, --pod-namespace, --pod-service-account, --exe and --exe-sha256 need --kind workload.")
                }
                guard (uid == nil) != (gid == nil) else { throw ValidationError("Give exactly one of --uid and --gid.") }
                if resolvedKind == .user && uid == nil { throw ValidationError("A user principal needs --uid.") }
                if resolvedKind == .group && gid == nil { throw ValidationError("A group principal needs --gid.") }
            }
        }

        func run() throws {
            let access = try storeOptions.open().access
            let principal: Principal
            if resolvedKind == .workload, let uid {
                let selectors = WorkloadSelectors(gid: gid, systemdUnit: systemdUnit, containerID: containerId, podUID: podUid,
                                                  podNamespace: podNamespace, podServiceAccount: podServiceAccount,
                                                  executable: exe, executableSHA256: exeSha256)
                principal = try access.createWorkloadPrincipal(named: name, uid: uid, selectors: selectors, as: .currentProcess())
            } else {
                principal = try access.createPrincipal(named: name, kind: resolvedKind, unixID: uid ?? gid!, as: .currentProcess())
            }
            format.print(Shapes.principal(principal))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List principals.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        func run() throws {
            format.print(.array(try storeOptions.open().access.principals(as: .currentProcess()).map(Shapes.principal)))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a principal and all its role assignments.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Option(name: .long) var name: String
        func run() throws {
            try storeOptions.open().access.deletePrincipal(named: name, as: .currentProcess())
        }
    }
}

extension Principal.Kind: ExpressibleByArgument {}
