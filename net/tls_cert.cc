#include "net/tls_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace xcr::net {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PKeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<TlsCertificate> Create() {
  PKeyPtr key(EVP_RSA_gen(2048));
  if (!key) return Status::Internal("RSA key generation failed");
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("xapi-sim"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* ext =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  if (ext != nullptr) {
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return Status::Internal("certificate signing failed");
  }
  BioPtr cb(BIO_new(BIO_s_mem()));
  BioPtr kb(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(cb.get(), cert.get());
  PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  TlsCertificate out;
  out.cert_pem = BioString(cb.get());
  out.key_pem = BioString(kb.get());
  return out;
}

}  // namespace

Result<std::string> CertificateFingerprint(const std::string& cert_pem) {
  BioPtr bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return Status::InvalidArgument("certificate does not parse");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert.get(), EVP_sha256(), md, &len);
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (i) out.push_back(':');
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

Result<TlsCertificate> LoadOrCreateCertificate(Env* env, const std::string& dir) {
  std::string cert_path = JoinPath(dir, "cert.pem");
  std::string key_path = JoinPath(dir, "key.pem");
  TlsCertificate c;
  if (env->FileExists(cert_path) && env->FileExists(key_path)) {
    XCR_ASSIGN_OR_RETURN(c.cert_pem, env->ReadFileToString(cert_path, 1 << 20));
    XCR_ASSIGN_OR_RETURN(c.key_pem, env->ReadFileToString(key_path, 1 << 20));
  } else {
    XCR_ASSIGN_OR_RETURN(c, Create());
    XCR_RETURN_IF_ERROR(env->WriteFileAtomic(key_path, c.key_pem, 0600));
    XCR_RETURN_IF_ERROR(env->WriteFileAtomic(cert_path, c.cert_pem, 0644));
  }
  XCR_ASSIGN_OR_RETURN(c.fingerprint, CertificateFingerprint(c.cert_pem));
  return c;
}

}  // namespace xcr::net
