/**
 * The hook-tool shim: the one small executable every tool name in the tools directory links to,
 * playing the part of Juju's `jujuc` client (on a real unit every tool name is a link to the agent
 * binary, which forwards argv to the uniter and prints its answer). It reads JUJU_CONTEXT_ID,
 * JUJU_AGENT_SOCKET_ADDRESS and JUJU_AGENT_TOKEN, sends argv (+ stdin when the call reads it:
 * `--file -`) to the agent over loopback TCP, and writes back stdout, stderr and the exit code.
 *
 * It must be cheap (hook timings should measure the charm, not the fake) and must not need `node`
 * (a packed charm runs with no node on PATH). Preferred: a tiny C program compiled once with `cc`
 * into a cache directory. Fallback, when there is no compiler: a bash script using `/dev/tcp` and
 * builtins only (no extra process per call).
 *
 * Wire format (both directions length-prefixed, so neither side needs a half-close):
 *   request:  "JUJUC1 <argc> <stdin length, or -1 for none>\n"
 *             then fields token, context id, cwd, tool name, argv[1..] each as "<byte length>\n<bytes>"
 *             then the stdin bytes
 *   response: "<exit code> <stdout length> <stderr length>\n<stdout bytes><stderr bytes>"
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const PROTOCOL_MAGIC = 'JUJUC1';

export type ShimKind = 'c' | 'bash';

export interface Shim {
  readonly kind: ShimKind;
  /** Absolute path of the executable the tool names link to. */
  readonly path: string;
}

export const SHIM_C_SOURCE = String.raw`/* localmodel hook-tool shim (see lib/localmodel/shim.ts for the wire format). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void fail(const char *msg) { fputs(msg, stderr); fputc('\n', stderr); exit(1); }

typedef struct { char *p; size_t n, cap; } buf;
static void put(buf *b, const void *d, size_t n) {
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n) cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p) fail("out of memory");
    b->cap = cap;
  }
  memcpy(b->p + b->n, d, n);
  b->n += n;
}
static void field(buf *b, const char *s) {
  char hdr[32];
  size_t n = strlen(s);
  int h = snprintf(hdr, sizeof hdr, "%zu\n", n);
  put(b, hdr, (size_t)h);
  put(b, s, n);
}
static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) { if (errno == EINTR) continue; exit(1); }
    p += w; n -= (size_t)w;
  }
}

/* Parse the agent's answer header "<code> <stdout-len> <stderr-len>\n" at the start of p[0..n).
 * Lengths are parsed with strtoull (digits only: no sign, no blanks, no overflow) and checked
 * against what is left by subtraction, so no sum can wrap around. 0 on success. */
static int parse_answer(const char *p, size_t n, int *code, size_t *hdr, size_t *olen, size_t *elen) {
  size_t i = 0;
  unsigned long long v[3];
  for (int k = 0; k < 3; k++) {
    if (i >= n || p[i] < '0' || p[i] > '9') return -1;
    size_t j = i;
    while (j < n && p[j] >= '0' && p[j] <= '9') j++;
    if (j - i > 20 || j >= n) return -1;
    char num[24];
    memcpy(num, p + i, j - i);
    num[j - i] = 0;
    errno = 0;
    char *end = NULL;
    v[k] = strtoull(num, &end, 10);
    if (errno == ERANGE || end != num + (j - i)) return -1;
    if (p[j] != (k < 2 ? ' ' : '\n')) return -1;
    i = j + 1;
  }
  if (v[0] > 255) return -1;
  size_t left = n - i;
  if (v[1] > left) return -1;
  left -= (size_t)v[1];
  if (v[2] > left) return -1;
  *code = (int)v[0];
  *hdr = i;
  *olen = (size_t)v[1];
  *elen = (size_t)v[2];
  return 0;
}

#ifdef SHIM_PARSE_HARNESS
/* Test harness: stdin holds cases "<len>\n<bytes>"; prints "ok code hdr olen elen" or "malformed" per case. */
int main(void) {
  buf all = {0};
  char chunk[65536];
  ssize_t r;
  while ((r = read(0, chunk, sizeof chunk)) > 0) put(&all, chunk, (size_t)r);
  size_t i = 0;
  while (i < all.n) {
    size_t j = i;
    while (j < all.n && all.p[j] != '\n') j++;
    if (j >= all.n) break;
    size_t len = (size_t)strtoull(all.p + i, NULL, 10);
    i = j + 1;
    if (len > all.n - i) break;
    int code; size_t hdr, olen, elen;
    if (parse_answer(all.p + i, len, &code, &hdr, &olen, &elen) == 0) printf("ok %d %zu %zu %zu\n", code, hdr, olen, elen);
    else printf("malformed\n");
    i += len;
  }
  free(all.p);
  return 0;
}
#else
int main(int argc, char **argv) {
  const char *name = strrchr(argv[0], '/');
  name = name ? name + 1 : argv[0];
  const char *ctx = getenv("JUJU_CONTEXT_ID");
  if (!ctx || !*ctx) fail("JUJU_CONTEXT_ID not set");
  const char *addr = getenv("JUJU_AGENT_SOCKET_ADDRESS");
  if (!addr || !*addr) fail("JUJU_AGENT_SOCKET_ADDRESS not set");
  const char *net = getenv("JUJU_AGENT_SOCKET_NETWORK");
  if (net && *net && strcmp(net, "tcp") != 0) fail("JUJU_AGENT_SOCKET_NETWORK must be tcp");
  const char *token = getenv("JUJU_AGENT_TOKEN");
  if (!token) token = "";
  const char *colon = strrchr(addr, ':');
  if (!colon || strncmp(addr, "127.0.0.1", (size_t)(colon - addr)) != 0 || colon - addr != 9)
    fail("JUJU_AGENT_SOCKET_ADDRESS must be 127.0.0.1:<port>");
  int port = atoi(colon + 1);

  int want_stdin = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) break;
    if ((strcmp(argv[i], "--file") == 0 || strcmp(argv[i], "-file") == 0) && i + 1 < argc && strcmp(argv[i + 1], "-") == 0) want_stdin = 1;
    if (strcmp(argv[i], "--file=-") == 0 || strcmp(argv[i], "-file=-") == 0) want_stdin = 1;
  }
  buf in = {0};
  if (want_stdin) {
    char chunk[65536];
    ssize_t r;
    while ((r = read(0, chunk, sizeof chunk)) != 0) {
      if (r < 0) { if (errno == EINTR) continue; fail("cannot read stdin"); }
      put(&in, chunk, (size_t)r);
    }
  }

  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
  buf req = {0};
  char hdr[64];
  int h = snprintf(hdr, sizeof hdr, "JUJUC1 %d %ld\n", argc - 1, want_stdin ? (long)in.n : -1L);
  put(&req, hdr, (size_t)h);
  field(&req, token);
  field(&req, ctx);
  field(&req, cwd);
  field(&req, name);
  for (int i = 1; i < argc; i++) field(&req, argv[i]);
  if (want_stdin && in.n) put(&req, in.p, in.n);

  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("cannot create socket");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    fprintf(stderr, "cannot connect to the unit agent at %s: %s\n", addr, strerror(errno));
    return 1;
  }
  write_all(fd, req.p, req.n);

  buf resp = {0};
  char chunk[65536];
  ssize_t r;
  while ((r = read(fd, chunk, sizeof chunk)) != 0) {
    if (r < 0) { if (errno == EINTR) continue; fail("cannot read the agent's answer"); }
    put(&resp, chunk, (size_t)r);
  }
  close(fd);
  int code; size_t consumed, olen, elen;
  if (parse_answer(resp.p, resp.n, &code, &consumed, &olen, &elen) != 0) fail("malformed answer from the unit agent");
  write_all(1, resp.p + consumed, olen);
  write_all(2, resp.p + consumed + olen, elen);
  return code;
}
#endif
`;

/** The fallback shim: bash builtins only (`/dev/tcp`, `read -N`, printf), no process per call. */
export const SHIM_BASH_SOURCE = `#!/bin/bash
# localmodel hook-tool shim, fallback for machines without a C compiler (see lib/localmodel/shim.ts).
LC_ALL=C
name=\${0##*/}
[ -n "$JUJU_CONTEXT_ID" ] || { echo "JUJU_CONTEXT_ID not set" >&2; exit 1; }
addr=$JUJU_AGENT_SOCKET_ADDRESS
[ "\${addr%:*}" = 127.0.0.1 ] || { echo "JUJU_AGENT_SOCKET_ADDRESS must be 127.0.0.1:<port>" >&2; exit 1; }
want=0; prev=
for a in "$@"; do
  [ "$a" = -- ] && break
  case "$a" in --file=-|-file=-) want=1 ;; -) case "$prev" in --file|-file) want=1 ;; esac ;; esac
  prev=$a
done
slen=-1
if [ $want = 1 ]; then IFS= read -r -d '' data; slen=\${#data}; fi
{ exec 3<>"/dev/tcp/127.0.0.1/\${addr##*:}"; } 2>/dev/null || { echo "cannot connect to the unit agent at $addr" >&2; exit 1; }
f() { printf '%d\\n%s' "\${#1}" "$1"; }
{
  printf 'JUJUC1 %d %d\\n' $# $slen
  f "$JUJU_AGENT_TOKEN"; f "$JUJU_CONTEXT_ID"; f "$PWD"; f "$name"
  for a in "$@"; do f "$a"; done
  [ $want = 1 ] && printf '%s' "$data"
} >&3
read -r code olen elen <&3 || { echo "malformed answer from the unit agent" >&2; exit 1; }
out=; err=
[ "$olen" -gt 0 ] && IFS= read -r -d '' -N "$olen" out <&3
[ "$elen" -gt 0 ] && IFS= read -r -d '' -N "$elen" err <&3
exec 3<&-
printf '%s' "$out"; printf '%s' "$err" >&2
exit "$code"
`;

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Write `content` to `file` atomically (concurrent first uses never see a partial file). */
function writeAtomic(file: string, content: string | Buffer, mode: number): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(tmp, content, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}

export function findCompiler(): string | undefined {
  for (const cc of [process.env['CC'], 'cc', 'gcc', 'clang']) {
    if (!cc) continue;
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' });
      return cc;
    } catch {
      // not there: try the next one
    }
  }
  return undefined;
}

/**
 * The shim executable in `cacheDir`: the C shim, compiled on first use (keyed by a hash of its
 * source), unless `prefer` is 'bash' or no compiler works.
 */
export function ensureShim(cacheDir: string, prefer: 'auto' | ShimKind = 'auto'): Shim {
  fs.mkdirSync(cacheDir, { recursive: true });
  if (prefer !== 'bash') {
    const binary = path.join(cacheDir, `jujuc-shim-${hashOf(SHIM_C_SOURCE)}`);
    if (fs.existsSync(binary)) return { kind: 'c', path: binary };
    const cc = findCompiler();
    if (cc) {
      const work = fs.mkdtempSync(path.join(cacheDir, 'build-'));
      try {
        const src = path.join(work, 'shim.c');
        fs.writeFileSync(src, SHIM_C_SOURCE);
        const out = path.join(work, 'shim');
        execFileSync(cc, ['-O2', '-o', out, src], { stdio: ['ignore', 'ignore', 'pipe'] });
        writeAtomic(binary, fs.readFileSync(out), 0o755);
        return { kind: 'c', path: binary };
      } catch (err) {
        if (prefer === 'c') throw new Error(`cannot compile the hook-tool shim: ${(err as Error).message}`);
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    } else if (prefer === 'c') {
      throw new Error('cannot compile the hook-tool shim: no C compiler (cc, gcc, clang) found');
    }
  }
  const script = path.join(cacheDir, `jujuc-shim-${hashOf(SHIM_BASH_SOURCE)}.sh`);
  if (!fs.existsSync(script)) writeAtomic(script, SHIM_BASH_SOURCE, 0o755);
  return { kind: 'bash', path: script };
}

/** A tools directory: one symlink per tool name, all pointing at the shim (as Juju's tools dir does). */
export function writeToolsDir(dir: string, shim: Shim, toolNames: readonly string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const tool of toolNames) {
    const link = path.join(dir, tool);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(shim.path, link);
  }
}

/** The git-ignored cache next to the repository (`.tscharm/localmodel`), or under the temp dir. */
export function defaultCacheDir(): string {
  const fromEnv = process.env['LOCALMODEL_CACHE_DIR'];
  if (fromEnv) return fromEnv;
  // The project's own `.tscharm/` (beside its runtime cache), not the installed package's
  // directory under node_modules, which `npm ci` wipes.
  let dir = __dirname;
  for (;;) {
    const inNodeModules = dir.split(path.sep).includes('node_modules');
    if (!inNodeModules && fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, '.tscharm', 'localmodel');
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return privateTempDir('localmodel-cache');
}

/**
 * A per-user directory under the system temp dir (`<name>-<uid>`, mode 0700), refused when it
 * exists but belongs to someone else or is open to others: a shared fixed path would let another
 * user plant the shim every hook runs.
 */
export function privateTempDir(name: string): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const dir = path.join(os.tmpdir(), `${name}-${uid}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new Error(
      `${dir} is not a private directory of this user (owner ${st.uid}, mode ${(st.mode & 0o777).toString(8)}); remove it or set LOCALMODEL_CACHE_DIR`,
    );
  }
  return dir;
}
