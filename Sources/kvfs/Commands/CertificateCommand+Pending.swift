import ArgumentParser
import Foundation
import VaultEngine

extension CertificateCommand {
    /// `kvfs certificate pending show|delete` (az keyvault certificate pending …).
    struct Pending: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A certificate's pending creation (issuer Unknown): show its CSR, or abandon it.",
            discussion: """
            Examples:
              kvfs certificate pending show --vault app1 --name web      # the CSR, to sign at your CA
              kvfs certificate pending delete --vault app1 --name web    # abandon it; an earlier version stays current
            """,
            subcommands: [Show.self, Delete.self])

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show the pending creation (Azure's CertificateOperation, with its CSR).")
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var format: OutputOptions
            @OptionGroup var address: ObjectAddress
            func run() throws {
                let operation = try storeOptions.open().certificates.pendingOperation(vault: address.vault, name: address.name, as: .currentProcess())
                format.print(Shapes.operation(operation))
            }
        }

        struct Delete: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Abandon the pending creation: its CSR and key go; an earlier completed version stays current.",
                discussion: "A first creation still pending leaves nothing behind: the certificate is removed. Prints the abandoned operation.")
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var format: OutputOptions
            @OptionGroup var address: ObjectAddress
            func run() throws {
                let operation = try storeOptions.open().certificates.deletePendingOperation(vault: address.vault, name: address.name,
                                                                                           as: .currentProcess())
                format.print(Shapes.operation(operation))
            }
        }
    }
}
