// The simulator's TLS identity: a self-signed RSA-2048 certificate (10 years, CN=xapi-sim,
// subjectAltName IP:127.0.0.1 and DNS:localhost) created with OpenSSL on first start and kept in
// the state directory (cert.pem, key.pem with mode 0600), like a XenServer host's install-time
// certificate.
#ifndef XCR_NET_TLS_CERT_H_
#define XCR_NET_TLS_CERT_H_

#include <string>

#include "base/env.h"
#include "base/result.h"

namespace xcr::net {

struct TlsCertificate {
  std::string cert_pem;
  std::string key_pem;
  // SHA-256 of the DER certificate, upper-case colon-separated hex ("AA:BB:...").
  std::string fingerprint;
};

// Loads <dir>/cert.pem and <dir>/key.pem, creating them first if either is missing.
Result<TlsCertificate> LoadOrCreateCertificate(Env* env, const std::string& dir);

// The fingerprint of a PEM certificate; kInvalidArgument if it does not parse.
Result<std::string> CertificateFingerprint(const std::string& cert_pem);

}  // namespace xcr::net

#endif  // XCR_NET_TLS_CERT_H_
