import { randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';

// scrypt is memory-hard (N=2^15, r=8 -> 32 MiB per hash) and built into Node,
// so no native addon is needed. Parameters are stored with each hash so they
// can be raised later without invalidating old passwords.
const N = 1 << 15,
  R = 8,
  P = 1,
  KEYLEN = 32;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * The login check without the stored hash: the database hands out only the
 * stored parameters and salt ("scrypt$N$r$p$salt", not secret), this derives
 * the key from the offered password with them and returns the whole hash
 * string, which `auth_login_verify()` compares with the stored one. Undefined
 * when there is nothing to compare with (no such user, no password): the same
 * scrypt cost is burnt, so a missing user is not told apart by timing.
 */
export async function hashLikeStored(password: string, params: string | null | undefined): Promise<string | undefined> {
  const parts = params?.split('$');
  const [scheme, n = '', r = '', p = '', salt = ''] = parts ?? [];
  // Bounds: the parameters come from the database; a forged N must not take the process's memory.
  const valid =
    parts?.length === 5 &&
    scheme === 'scrypt' &&
    /^\d+$/.test(n) &&
    Number(n) <= 1 << 20 &&
    /^\d+$/.test(r) &&
    Number(r) <= 32 &&
    /^\d+$/.test(p) &&
    Number(p) <= 16 &&
    !!salt;
  if (!valid) {
    await scrypt(password, Buffer.alloc(16), KEYLEN, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
    return undefined;
  }
  try {
    // hashPassword always stores KEYLEN bytes of key.
    const key = await scrypt(password, Buffer.from(salt, 'base64url'), KEYLEN, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: 256 * 1024 * 1024,
    });
    return `${params}$${key.toString('base64url')}`;
  } catch {
    return undefined; // parameters scrypt refuses (memory): treated as a wrong password
  }
}
