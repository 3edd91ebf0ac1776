import ArgumentParser

/// The root command.
struct KVFS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvfs",
        abstract: "A vault with Azure Key Vault's model, served as a filesystem.",
        discussion: """
        Secrets, keys and certificates live in vaults inside an encrypted store. Access is decided by \
        Azure's built-in roles, assigned to principals bound to Unix users and groups.

        Examples:
          kvfs init
          kvfs vault create --name app1
          kvfs principal create --name alice --uid 1000
          kvfs role assignment create --assignee alice --role "Key Vault Secrets Officer" --scope /vaults/app1
          echo -n s3cret | kvfs secret set --vault app1 --name db-password
          kvfs secret show --vault app1 --name db-password
          kvfs --version
          source <(kvfs --generate-completion-script bash)    # tab completion (also zsh, fish)
        """,
        version: KVFSVersion.current,
        subcommands: [InitCommand.self, VaultCommand.self, PrincipalCommand.self, RoleCommand.self,
                      SecretCommand.self, KeyCommand.self, CertificateCommand.self, RealmCommand.self, AuditCommand.self, MountCommand.self, UnmountCommand.self, WaitCommand.self, WatchCommand.self])
}
