/* sha256 with OpenSSL's EVP (see README for why), for the image store's modules. A file of
 * its own: image-util.c is reached from box.c (box_free of a box from an image), and a
 * program linking libbox's objects (boxoci) gets libcrypto, whose load and relocation cost
 * each of its runs about a millisecond, only when it reaches the store's digests. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <unistd.h>

#include "store.h"

static int hex_of(const unsigned char *md, char hex[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int box__sha256_fd(int fd, char hex[65], uint64_t *size)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[32], buf[65536];
    unsigned int len = 0;
    uint64_t total = 0;
    ssize_t n;
    int r = 0;

    if (!ctx)
        return -ENOMEM;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        r = -EIO;
    while (r == 0 && (n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            r = -errno;
            break;
        }
        total += (uint64_t)n;
        if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
            r = -EIO;
    }
    if (r == 0 && EVP_DigestFinal_ex(ctx, md, &len) != 1)
        r = -EIO;
    EVP_MD_CTX_free(ctx);
    if (r == 0) {
        hex_of(md, hex);
        if (size)
            *size = total;
    }
    return r;
}

int box__sha256_mem(const void *data, size_t len, char hex[65])
{
    unsigned char md[32];

    if (EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) != 1)
        return -EIO;
    return hex_of(md, hex);
}
