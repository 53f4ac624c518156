/* relay: the baseline of the engine benchmark — a minimal HTTP/1.1 GET -> PUT relay in plain C
 * (POSIX sockets, no libcurl) moving one VHD export onto one VDI import through one reused
 * 256 KiB buffer with read()/write(), on one thread.
 *
 *   relay 'http://HOST:PORT/export_raw_vdi?...' 'http://HOST:PORT/import_raw_vdi?...'
 *
 * XAPI (and xapi-sim) export a VHD stream without Content-Length and refuse a chunked import, so
 * the PUT's Content-Length is computed the way the engine does it: from the stream's own
 * metadata. The footer copy, dynamic header and BAT are read into the buffer before the PUT
 * starts; the length is the end of the last region they describe (BAT, parent locators, each
 * allocated block = bitmap + data) plus the 512-byte trailing footer. A response that does carry
 * a Content-Length is trusted instead. The BAT must fit in the buffer (disks up to ~127 GiB with
 * 2 MiB blocks); larger ones are refused rather than buffered.
 *
 * Checks: GET status 200, no chunked response, the body ends exactly at the computed length, PUT
 * status 200 with the response read to its end (the server closes after the import finished).
 * Prints "bytes N" on success; exit 1 with a message on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

enum { kBufSize = 256 * 1024, kSector = 512 };

static unsigned char buf[kBufSize];

static int fail(const char* what) {
  fprintf(stderr, "relay: %s\n", what);
  return 1;
}

struct url {
  char host[256];
  char port[16];
  const char* target; /* path and query, into the argument */
};

static int parse_url(const char* s, struct url* u) {
  if (strncmp(s, "http://", 7) != 0) return -1;
  s += 7;
  const char* slash = strchr(s, '/');
  if (slash == NULL) return -1;
  const char* colon = memchr(s, ':', (size_t)(slash - s));
  const char* host_end = colon != NULL ? colon : slash;
  if (host_end == s || (size_t)(host_end - s) >= sizeof u->host) return -1;
  memcpy(u->host, s, (size_t)(host_end - s));
  u->host[host_end - s] = '\0';
  if (colon != NULL) {
    if ((size_t)(slash - colon - 1) >= sizeof u->port || slash == colon + 1) return -1;
    memcpy(u->port, colon + 1, (size_t)(slash - colon - 1));
    u->port[slash - colon - 1] = '\0';
  } else {
    strcpy(u->port, "80");
  }
  u->target = slash;
  return 0;
}

static int dial(const struct url* u) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(u->host, u->port, &hints, &res) != 0) return -1;
  int fd = -1;
  for (struct addrinfo* a = res; a != NULL; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

static int write_all(int fd, const unsigned char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Reads into buf[*have, cap) once. Returns bytes read, 0 at end of stream, -1 on error. */
static ssize_t read_more(int fd, size_t* have, size_t cap) {
  for (;;) {
    ssize_t r = read(fd, buf + *have, cap - *have);
    if (r < 0 && errno == EINTR) continue;
    if (r > 0) *have += (size_t)r;
    return r;
  }
}

/* Reads a response head into buf; on return buf[0, *have) holds what followed it. Returns the
 * status code or -1. Sets *content_length (-1 if absent) and *chunked. */
static int read_head(int fd, size_t* have, long long* content_length, int* chunked) {
  *have = 0;
  char* end = NULL;
  while (end == NULL) {
    if (*have == kBufSize) return -1;
    if (read_more(fd, have, kBufSize) <= 0) return -1;
    /* The head is text: search within what we have (buf is not NUL-terminated). */
    for (size_t i = 3; i < *have; ++i) {
      if (memcmp(buf + i - 3, "\r\n\r\n", 4) == 0) {
        end = (char*)buf + i + 1;
        break;
      }
    }
  }
  size_t head_len = (size_t)((unsigned char*)end - buf);
  int status = -1;
  if (head_len > 12 && memcmp(buf, "HTTP/1.", 7) == 0) status = atoi((char*)buf + 9);
  *content_length = -1;
  *chunked = 0;
  char* line = (char*)buf;
  while (line < end) {
    char* eol = memchr(line, '\n', (size_t)(end - line));
    if (eol == NULL) break;
    if (strncasecmp(line, "content-length:", 15) == 0) *content_length = atoll(line + 15);
    if (strncasecmp(line, "transfer-encoding:", 18) == 0) *chunked = 1;
    line = eol + 1;
  }
  memmove(buf, end, *have - head_len);
  *have -= head_len;
  return status;
}

static uint32_t be32(const unsigned char* p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static uint64_t be64(const unsigned char* p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

/* The stream length from the metadata in buf (reading more from fd as needed), or 0 on error. */
static uint64_t vhd_length(int fd, size_t* have) {
  while (*have < 1536) {
    if (read_more(fd, have, kBufSize) <= 0) return 0;
  }
  const unsigned char* h = buf + 512;
  if (memcmp(buf, "conectix", 8) != 0 || memcmp(h, "cxsparse", 8) != 0) return 0;
  uint64_t table = be64(h + 16);
  uint32_t entries = be32(h + 28);
  uint32_t block = be32(h + 32);
  if (block == 0 || block % kSector != 0) return 0;
  uint64_t bat_end = table + ((uint64_t)entries * 4 + kSector - 1) / kSector * kSector;
  if (table < 1536 || bat_end > kBufSize) {
    fprintf(stderr, "relay: the BAT (ends at %llu) does not fit in the %d-byte buffer\n",
            (unsigned long long)bat_end, kBufSize);
    return 0;
  }
  while (*have < bat_end) {
    if (read_more(fd, have, kBufSize) <= 0) return 0;
  }
  uint64_t bitmap = ((uint64_t)block / kSector / 8 + kSector - 1) / kSector * kSector;
  uint64_t end = bat_end;
  for (uint32_t i = 0; i < entries; ++i) {
    uint32_t e = be32(buf + table + 4 * (uint64_t)i);
    if (e == 0xFFFFFFFFu) continue;
    uint64_t block_end = (uint64_t)e * kSector + bitmap + block;
    if (block_end > end) end = block_end;
  }
  for (int i = 0; i < 8; ++i) { /* parent locators of a differencing disk */
    const unsigned char* l = h + 576 + 24 * i;
    uint32_t space = be32(l + 4);
    if (be32(l) == 0 || be32(l + 8) == 0) continue;
    uint64_t loc_end = be64(l + 16) + (space < 512 ? (uint64_t)space * kSector : space);
    if (loc_end > end) end = loc_end;
  }
  return end + kSector;
}

int main(int argc, char** argv) {
  struct url src, dst;
  if (argc != 3 || parse_url(argv[1], &src) != 0 || parse_url(argv[2], &dst) != 0) {
    return fail("usage: relay http://HOST:PORT/GET-TARGET http://HOST:PORT/PUT-TARGET");
  }
  char req[8192];
  int in = dial(&src);
  if (in < 0) return fail("cannot connect to the source");
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n",
                   src.target, src.host, src.port);
  if (n <= 0 || (size_t)n >= sizeof req) return fail("source URL too long");
  if (write_all(in, (unsigned char*)req, (size_t)n) != 0) return fail("cannot send the GET");
  size_t have = 0;
  long long announced;
  int chunked;
  int status = read_head(in, &have, &announced, &chunked);
  if (status != 200) {
    fprintf(stderr, "relay: GET answered %d\n", status);
    return 1;
  }
  if (chunked) return fail("chunked export: not supported by this relay");
  uint64_t length = announced >= 0 ? (uint64_t)announced : vhd_length(in, &have);
  if (length == 0) return fail("cannot find the stream length (not a dynamic VHD?)");

  int out = dial(&dst);
  if (out < 0) return fail("cannot connect to the target");
  n = snprintf(req, sizeof req,
               "PUT %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/vhd\r\n"
               "Content-Length: %llu\r\nConnection: close\r\n\r\n",
               dst.target, dst.host, dst.port, (unsigned long long)length);
  if (n <= 0 || (size_t)n >= sizeof req) return fail("target URL too long");
  if (write_all(out, (unsigned char*)req, (size_t)n) != 0) return fail("cannot send the PUT");

  uint64_t moved = 0;
  for (;;) {
    if (have > 0) {
      if (moved + have > length) return fail("the export is longer than its computed length");
      if (write_all(out, buf, have) != 0) return fail("write to the target failed");
      moved += have;
      have = 0;
    }
    ssize_t r = read_more(in, &have, kBufSize);
    if (r < 0) return fail("read from the source failed");
    if (r == 0) break;
  }
  close(in);
  if (moved != length) {
    fprintf(stderr, "relay: the export ended at %llu of %llu bytes\n", (unsigned long long)moved,
            (unsigned long long)length);
    return 1;
  }
  status = read_head(out, &have, &announced, &chunked);
  while (status == 200 && read_more(out, &have, kBufSize) > 0) have = 0; /* to the end */
  close(out);
  if (status != 200) {
    fprintf(stderr, "relay: PUT answered %d\n", status);
    return 1;
  }
  printf("bytes %llu\n", (unsigned long long)moved);
  return 0;
}
