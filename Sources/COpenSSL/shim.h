#ifndef KVFS_COPENSSL_SHIM_H
#define KVFS_COPENSSL_SHIM_H

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>
#include <openssl/bio.h>
#include <openssl/x509v3.h>
#include <openssl/pkcs12.h>
#include <openssl/objects.h>

/* Macros and variadic helpers do not import into Swift; these wrappers do. */

static inline int kvfs_cipher_ctx_set_ivlen(EVP_CIPHER_CTX *ctx, int len) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, len, NULL);
}
static inline int kvfs_cipher_ctx_get_tag(EVP_CIPHER_CTX *ctx, unsigned char *tag, int len) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, len, tag);
}
static inline int kvfs_cipher_ctx_set_tag(EVP_CIPHER_CTX *ctx, unsigned char *tag, int len) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, len, tag);
}

/* Vault keys (Crypto/Keys): selection masks are composed macros, BIO_get_mem_data is a macro. */
static inline int kvfs_selection_keypair(void) { return EVP_PKEY_KEYPAIR; }
static inline int kvfs_selection_public_key(void) { return EVP_PKEY_PUBLIC_KEY; }
static inline long kvfs_bio_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }

/* Certificates (Crypto/Certificates): X509V3_set_ctx_nodb and the STACK_OF helpers are macros; the
   extension context is a stack struct. */
static inline X509_EXTENSION *kvfs_x509v3_ext(X509 *issuer, X509 *subject, X509_REQ *req, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, subject, req, NULL, 0);
    return X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
}
static inline int kvfs_mbstring_utf8(void) { return MBSTRING_UTF8; }
static inline STACK_OF(X509_EXTENSION) *kvfs_extensions_new(void) { return sk_X509_EXTENSION_new_null(); }
static inline int kvfs_extensions_push(STACK_OF(X509_EXTENSION) *s, X509_EXTENSION *e) { return sk_X509_EXTENSION_push(s, e); }
static inline void kvfs_extensions_free(STACK_OF(X509_EXTENSION) *s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); }
static inline STACK_OF(X509) *kvfs_x509_stack_new(void) { return sk_X509_new_null(); }
static inline int kvfs_x509_stack_push(STACK_OF(X509) *s, X509 *x) { return sk_X509_push(s, x); }
static inline int kvfs_x509_stack_count(const STACK_OF(X509) *s) { return sk_X509_num(s); }
static inline X509 *kvfs_x509_stack_value(const STACK_OF(X509) *s, int i) { return sk_X509_value(s, i); }
/* Frees the stack only; the certificates stay with their owners. */
static inline void kvfs_x509_stack_free_shallow(STACK_OF(X509) *s) { sk_X509_free(s); }
static inline void kvfs_x509_stack_free_all(STACK_OF(X509) *s) { sk_X509_pop_free(s, X509_free); }
static inline GENERAL_NAMES *kvfs_x509_subject_alt_names(X509 *x) { return X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL); }
static inline int kvfs_general_names_count(const GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }
static inline GENERAL_NAME *kvfs_general_names_value(const GENERAL_NAMES *names, int i) { return sk_GENERAL_NAME_value(names, i); }
static inline void kvfs_general_names_free(GENERAL_NAMES *names) { GENERAL_NAMES_free(names); }
static inline EXTENDED_KEY_USAGE *kvfs_x509_extended_key_usage(X509 *x) { return X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL); }
static inline int kvfs_eku_count(const EXTENDED_KEY_USAGE *eku) { return sk_ASN1_OBJECT_num(eku); }
static inline ASN1_OBJECT *kvfs_eku_value(const EXTENDED_KEY_USAGE *eku, int i) { return sk_ASN1_OBJECT_value(eku, i); }
static inline void kvfs_eku_free(EXTENDED_KEY_USAGE *eku) { EXTENDED_KEY_USAGE_free(eku); }
/* The type of a GENERAL_NAME and its string or otherName, without touching the union from Swift. */
static inline int kvfs_general_name_type(const GENERAL_NAME *name) { return name->type; }
static inline ASN1_IA5STRING *kvfs_general_name_ia5(const GENERAL_NAME *name) {
    return (name->type == GEN_DNS || name->type == GEN_EMAIL) ? name->d.ia5 : NULL;
}
/* A Microsoft UPN otherName's UTF-8 string, or NULL. */
static inline ASN1_UTF8STRING *kvfs_general_name_upn(const GENERAL_NAME *name) {
    if (name->type != GEN_OTHERNAME || OBJ_obj2nid(name->d.otherName->type_id) != NID_ms_upn) return NULL;
    ASN1_TYPE *value = name->d.otherName->value;
    return (value && value->type == V_ASN1_UTF8STRING) ? value->value.utf8string : NULL;
}
static inline int kvfs_gen_dns(void) { return GEN_DNS; }
static inline int kvfs_gen_email(void) { return GEN_EMAIL; }
static inline int kvfs_gen_othername(void) { return GEN_OTHERNAME; }
static inline uint32_t kvfs_ku_absent(void) { return UINT32_MAX; }

/* A keyed HMAC-SHA-256 context to duplicate per message: the MAC and digest are fetched once. */
static inline EVP_MAC_CTX *kvfs_hmac_sha256_new(EVP_MAC *mac, const unsigned char *key, size_t keylen) {
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    if (ctx == NULL) return NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_init(ctx, key, keylen, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* OpenSSL's allocations, wiped when freed. OpenSSL cleanses the key material it knows to be secret, but not
   every buffer that passes through it: the DER decoded from a PEM (PEM_bytes_read_bio), the octet string of
   an ECPrivateKey while it is parsed, a memory BIO's storage. kvfs installs these before OpenSSL allocates
   anything, so that every block it frees is zeroed first (malloc_usable_size: the whole block). */
#include <malloc.h>
#include <string.h>
#include <stdlib.h>

static void *kvfs_wiping_malloc(size_t size, const char *file, int line) {
    (void)file; (void)line;
    return malloc(size);
}
static void kvfs_wiping_free(void *block, const char *file, int line) {
    (void)file; (void)line;
    if (block != NULL) {
        explicit_bzero(block, malloc_usable_size(block));
        free(block);
    }
}
/* Never realloc in place: a block that moves would leave its old bytes behind unwiped. */
static void *kvfs_wiping_realloc(void *block, size_t size, const char *file, int line) {
    if (block == NULL) return malloc(size);
    if (size == 0) { kvfs_wiping_free(block, file, line); return NULL; }
    size_t old = malloc_usable_size(block);
    void *moved = malloc(size);
    if (moved == NULL) return NULL;
    memcpy(moved, block, old < size ? old : size);
    kvfs_wiping_free(block, file, line);
    return moved;
}
/* 1 when installed; 0 when OpenSSL had already allocated (then its own allocator stays). */
static inline int kvfs_install_wiping_allocator(void) {
    return CRYPTO_set_mem_functions(kvfs_wiping_malloc, kvfs_wiping_realloc, kvfs_wiping_free);
}

#endif
