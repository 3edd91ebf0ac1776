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

#endif
