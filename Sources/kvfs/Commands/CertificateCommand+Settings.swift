import ArgumentParser
import Foundation
import VaultEngine

extension CertificateCommand {
    /// `kvfs certificate contact add|list|delete` (az keyvault certificate contact …).
    struct Contact: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The vault's certificate contacts (kept for tools that read them; kvfs sends no mail).",
            discussion: """
            Needs a role with certificatecontacts/write (Key Vault Administrator, Certificates Officer), also to list.
            Examples:
              kvfs certificate contact add --vault app1 --email ops@example.com --name "Ops team"
              kvfs certificate contact list --vault app1 -o table
              kvfs certificate contact delete --vault app1 --email ops@example.com
            """,
            subcommands: [Add.self, List.self, Delete.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a contact (one with the same e-mail address is replaced); prints the contacts.")
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var format: OutputOptions
            @OptionGroup var address: VaultAddress
            @Option(name: .long, help: "The contact's e-mail address.") var email: String
            @Option(name: .long, help: "The contact's name.") var name: String?
            @Option(name: .long, help: "The contact's phone number.") var phone: String?
            func run() throws {
                let contacts = try storeOptions.open().certificates.addContact(vault: address.vault, CertificateContact(email: email, name: name, phone: phone),
                                                                               as: .currentProcess())
                format.print(Shapes.contacts(contacts))
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the vault's certificate contacts.")
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var format: OutputOptions
            @OptionGroup var address: VaultAddress
            func run() throws {
                format.print(Shapes.contacts(try storeOptions.open().certificates.contacts(vault: address.vault, as: .currentProcess())))
            }
        }

        struct Delete: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove the contact with this e-mail address; prints the contacts left.")
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var format: OutputOptions
            @OptionGroup var address: VaultAddress
            @Option(name: .long, help: "The contact's e-mail address.") var email: String
            func run() throws {
                format.print(Shapes.contacts(try storeOptions.open().certificates.removeContact(vault: address.vault, email: email, as: .currentProcess())))
            }
        }
    }

    /// `kvfs certificate issuer create|list|show|delete` (az keyvault certificate issuer …).
    struct Issuer: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The vault's certificate issuers: provider Self (kvfs signs) or Unknown (signed outside, then merged).",
            discussion: """
            Partner CAs (DigiCert, GlobalSign) are refused, and so are credentials (--account-id, --password): the \
            providers kvfs keeps take none. Needs certificatecas/read, /write or /delete (Key Vault Administrator, \
            Certificates Officer; Reader may show and list).
            Examples:
              kvfs certificate issuer create --vault app1 --issuer-name corp-ca --provider-name Unknown
              kvfs certificate issuer list --vault app1 -o table
              kvfs certificate issuer delete --vault app1 --issuer-name corp-ca
            """,
            subcommands: [Create.self, List.self, Show.self, Delete.self])

        struct IssuerAddress: ParsableArguments {
            @Option(name: .long, help: "The vault's name.") var vault: String
            @Option(name: [.customLong("issuer-name"), .customLong("name")], help: "The issuer's name.") var issuerName: String
        }

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create (or replace) an issuer.")
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var format: OutputOptions
            @OptionGroup var address: IssuerAddress
            @Option(name: .long, help: "Self or Unknown.") var providerName: String
            @Option(name: .long, help: "The organization's id.") var organizationId: String?
            @Option(name: .long, help: "A partner CA's account id (refused: Self and Unknown take none).") var accountId: String?
            @Option(name: .long, help: "A partner CA's password (refused: Self and Unknown take none).") var password: String?
            @Flag(name: .long, help: "Create the issuer disabled.") var disabled = false
            func run() throws {
                let request = CertificateIssuerRequest(provider: providerName, organizationID: organizationId, enabled: !disabled,
                                                       accountID: accountId, password: password.map { SecureBytes(Array($0.utf8)) })
                let issuer = try storeOptions.open().certificates.setIssuer(vault: address.vault, name: address.issuerName, request,
                                                                            as: .currentProcess())
                format.print(Shapes.issuer(issuer))
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the vault's issuers.")
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var format: OutputOptions
            @OptionGroup var address: VaultAddress
            func run() throws {
                format.print(.array(try storeOptions.open().certificates.issuers(vault: address.vault, as: .currentProcess()).map(Shapes.issuerItem)))
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show an issuer.")
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var format: OutputOptions
            @OptionGroup var address: IssuerAddress
            func run() throws {
                format.print(Shapes.issuer(try storeOptions.open().certificates.issuer(vault: address.vault, name: address.issuerName, as: .currentProcess())))
            }
        }

        struct Delete: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete an issuer; prints it.")
            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var format: OutputOptions
            @OptionGroup var address: IssuerAddress
            func run() throws {
                format.print(Shapes.issuer(try storeOptions.open().certificates.deleteIssuer(vault: address.vault, name: address.issuerName,
                                                                                             as: .currentProcess())))
            }
        }
    }
}
